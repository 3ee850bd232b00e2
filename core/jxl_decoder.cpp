#include "jxl_decoder.h"

#include "align_error.h"

#include <jxl/decode.h>
#include <jxl/decode_cxx.h>

#include <opencv2/imgproc.hpp>

#include <cstring>

namespace photosearch {

namespace {

[[noreturn]] void fail(const QString& name, const QString& problem) {
    throw AlignError((name + QStringLiteral(": ") + problem).toStdString());
}

uint64_t be(const unsigned char* p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}

// The container's uncompressed "Exif" box (ISO/IEC 18181-2): a 4-byte offset to the TIFF header, then TIFF.
QByteArray exifBox(const QByteArray& bytes) {
    if (!bytes.startsWith(QByteArray("\0\0\0\x0CJXL ", 8))) return {};
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.constData());
    const uint64_t size = uint64_t(bytes.size());
    for (uint64_t at = 0; at + 8 <= size;) {
        uint64_t box = be(b + at, 4), header = 8;
        if (box == 1) {
            if (at + 16 > size) break;
            box = be(b + at + 8, 8);
            header = 16;
        } else if (box == 0) {
            box = size - at;  // to the end of the file
        }
        if (box < header || box > size - at) break;
        if (std::memcmp(b + at + 4, "Exif", 4) == 0 && box >= header + 4) {
            const uint64_t offset = be(b + at + header, 4), start = at + header + 4 + offset;
            if (offset < box - header - 4) return bytes.mid(qsizetype(start), qsizetype(at + box - start));
            return {};
        }
        at += box;
    }
    return {};
}

}  // namespace

bool JxlDecoder::probe(const QByteArray& bytes, int* width, int* height, QByteArray* exifTiff) {
    const JxlDecoderPtr decoder = JxlDecoderMake(nullptr);
    if (!decoder || JxlDecoderSubscribeEvents(decoder.get(), JXL_DEC_BASIC_INFO) != JXL_DEC_SUCCESS ||
        JxlDecoderSetInput(decoder.get(), reinterpret_cast<const uint8_t*>(bytes.constData()),
                           size_t(bytes.size())) != JXL_DEC_SUCCESS)
        return false;
    JxlDecoderCloseInput(decoder.get());
    JxlBasicInfo info{};
    if (JxlDecoderProcessInput(decoder.get()) != JXL_DEC_BASIC_INFO ||
        JxlDecoderGetBasicInfo(decoder.get(), &info) != JXL_DEC_SUCCESS)
        return false;
    const bool transposed = info.orientation >= JXL_ORIENT_TRANSPOSE;
    *width = int(transposed ? info.ysize : info.xsize);
    *height = int(transposed ? info.xsize : info.ysize);
    *exifTiff = exifBox(bytes);
    return true;
}

JxlImage JxlDecoder::decode(const QByteArray& bytes, const QString& name, int64_t maxPixels) {
    const JxlDecoderPtr decoder = JxlDecoderMake(nullptr);
    if (!decoder) fail(name, QStringLiteral("out of memory"));
    ::JxlDecoder* d = decoder.get();
    if (JxlDecoderSubscribeEvents(d, JXL_DEC_BASIC_INFO | JXL_DEC_FULL_IMAGE) != JXL_DEC_SUCCESS ||
        JxlDecoderSetInput(d, reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size())) !=
            JXL_DEC_SUCCESS)
        fail(name, QStringLiteral("libjxl refused to start"));
    // The input is not closed: libjxl then says it needs more input where the file ends too soon.

    JxlBasicInfo info{};
    JxlPixelFormat format{3, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
    cv::Mat pixels;
    for (;;) {
        switch (JxlDecoderProcessInput(d)) {
            case JXL_DEC_BASIC_INFO: {
                if (JxlDecoderGetBasicInfo(d, &info) != JXL_DEC_SUCCESS)
                    fail(name, QStringLiteral("cannot read the JPEG XL header"));
                const int64_t w = info.xsize, h = info.ysize;
                if (w <= 0 || h <= 0) fail(name, QStringLiteral("the image declares no size"));
                if (w > maxPixels / h)
                    fail(name, QStringLiteral("the JPEG XL declares %1 x %2 = %3 pixels, more than the %4 "
                                              "allowed (a decompression bomb?); not decoded")
                                   .arg(w)
                                   .arg(h)
                                   .arg(w * h)
                                   .arg(maxPixels));
                format.num_channels = info.num_color_channels == 1 ? 1 : 3;
                break;
            }
            case JXL_DEC_NEED_IMAGE_OUT_BUFFER: {
                // Upright: libjxl applies the orientation, so a sideways image comes out transposed.
                const bool transposed = info.orientation >= JXL_ORIENT_TRANSPOSE;
                const int w = int(transposed ? info.ysize : info.xsize),
                          h = int(transposed ? info.xsize : info.ysize);
                pixels.create(h, w, format.num_channels == 1 ? CV_8UC1 : CV_8UC3);
                size_t needed = 0;
                if (JxlDecoderImageOutBufferSize(d, &format, &needed) != JXL_DEC_SUCCESS ||
                    needed != pixels.total() * pixels.elemSize() ||
                    JxlDecoderSetImageOutBuffer(d, &format, pixels.data, needed) != JXL_DEC_SUCCESS)
                    fail(name, QStringLiteral("libjxl cannot give 8-bit pixels of this image"));
                break;
            }
            case JXL_DEC_FULL_IMAGE: {  // the first frame: an animation's others are not needed
                JxlImage out;
                if (format.num_channels == 1)
                    cv::cvtColor(pixels, out.rgb, cv::COLOR_GRAY2RGB);
                else
                    out.rgb = pixels;
                out.exifTiff = exifBox(bytes);
                return out;
            }
            case JXL_DEC_NEED_MORE_INPUT:
                fail(name, QStringLiteral("the JPEG XL file is truncated"));
            case JXL_DEC_SUCCESS:
                fail(name, QStringLiteral("the JPEG XL file holds no image"));
            case JXL_DEC_ERROR:
            default:
                fail(name, QStringLiteral("cannot decode the JPEG XL image (damaged data?)"));
        }
    }
}

}  // namespace photosearch
