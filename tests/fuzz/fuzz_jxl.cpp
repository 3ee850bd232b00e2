// libFuzzer target: JPEG XL through libjxl (container boxes and our Exif box walk, the size check before
// decoding, orientation), from small files made with cjxl. As for HEIF, libjxl is not built with coverage.
#include "exif_reader.h"
#include "fuzz_common.h"
#include "jxl_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    int width = 0, height = 0;
    QByteArray exif;
    if (JxlDecoder::probe(bytes, &width, &height, &exif))
        (void)parseTiffExif(exif.constData(), size_t(exif.size()));
    try {
        const JxlImage image = JxlDecoder::decode(bytes, QStringLiteral("fuzz"), 4096 * 4096);
        if (image.rgb.type() != CV_8UC3 || image.rgb.empty()) std::abort();
    } catch (const AlignError&) {
    }
    return 0;
}
