// libFuzzer target: camera RAW through LibRaw (its TIFF/maker-note parsing, the preview and the half-size
// development, our size check and orientation), from two small DNGs (with and without a JPEG preview). LibRaw
// is not built with coverage here: the fuzzer steers by our code, the sanitizers watch what LibRaw does with
// it.
#include "fuzz_common.h"
#include "raw_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    int width = 0, height = 0;
    QString make, model, date;
    (void)RawDecoder::probe(bytes, &width, &height, &make, &model, &date);
    try {
        // A small pixel limit keeps each run fast; previews of any size are taken when there is one.
        const RawImage image = RawDecoder::decode(bytes, QStringLiteral("fuzz.dng"), 1024 * 1024, {16, 16});
        if (image.rgb.type() != CV_8UC3 || image.rgb.empty()) std::abort();
    } catch (const AlignError&) {
    }
    return 0;
}
