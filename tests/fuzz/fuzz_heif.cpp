// libFuzzer target: HEIF/HEIC and AVIF through libheif (boxes, transformations, the Exif item, the size
// check before decoding), from small files made with heif-enc and avifenc. libheif itself is not built with
// coverage here: the fuzzer steers by our code, and the sanitizers catch what libheif does with our buffers.
#include "exif_reader.h"
#include "fuzz_common.h"
#include "heif_decoder.h"
#include "image_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    int width = 0, height = 0;
    QByteArray exif;
    if (HeifDecoder::probe(bytes, &width, &height, &exif))
        (void)parseTiffExif(exif.constData(), size_t(exif.size()));
    try {
        // A small pixel limit keeps each run fast; the check itself is what is exercised.
        const HeifImage image = HeifDecoder::decode(bytes, QStringLiteral("fuzz"), 4096 * 4096);
        if (image.rgb.type() != CV_8UC3 || image.rgb.empty()) std::abort();
    } catch (const AlignError&) {
    }
    return 0;
}
