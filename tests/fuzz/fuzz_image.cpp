// libFuzzer target: image decoding (header sniffing, libjpeg with reduced scale, OpenCV, EXIF) and the
// image processor, on arbitrary bytes: photo folders hold anything.
#include "exif_reader.h"
#include "fuzz_common.h"
#include "image_decoder.h"
#include "image_header.h"
#include "image_processor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    (void)readImageHeader(bytes);
    (void)readExif(bytes);
    static const ImageProcessor processor;
    try {
        const DecodedImage image = ImageDecoder::decodeBytes(bytes, QStringLiteral("fuzz"), true, {64, 64});
        if (image.rgb.type() != CV_8UC3 || image.rgb.empty()) std::abort();
        if (image.rgb.total() <= 4096 * 4096) (void)processor.preprocess(image.rgb);
    } catch (const AlignError&) {
    }
    return 0;
}
