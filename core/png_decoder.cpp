#include "png_decoder.h"

#include "align_error.h"

#include <png.h>

#include <cstring>

namespace photosearch {

namespace {

struct Reader {
    const QByteArray* bytes = nullptr;
    size_t offset = 0;
    char message[256] = {};
};

void onError(png_structp png, png_const_charp message) {
    auto* r = static_cast<Reader*>(png_get_error_ptr(png));
    std::strncpy(r->message, message ? message : "unknown error", sizeof r->message - 1);
    png_longjmp(png, 1);
}

// Warnings describe data libpng repaired or skipped (an ancillary chunk), which Pillow skips silently too.
void onWarning(png_structp, png_const_charp) {}

void readBytes(png_structp png, png_bytep out, png_size_t length) {
    auto* r = static_cast<Reader*>(png_get_io_ptr(png));
    if (r->offset + length > static_cast<size_t>(r->bytes->size())) png_error(png, "the file is truncated");
    std::memcpy(out, r->bytes->constData() + r->offset, length);
    r->offset += length;
}

// Only trivially destructible locals here: libpng reports errors by longjmp back into this frame.
bool run(png_structp png, png_infop info, Reader* reader, cv::Mat* out) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_read_fn(png, reader, &readBytes);
    png_read_info(png, info);
    const int colorType = png_get_color_type(png, info);
    const int depth = png_get_bit_depth(png, info);
    if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (!(colorType & PNG_COLOR_MASK_COLOR) && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);  // the high byte: floor(v / 256), as Pillow's "RGB;16B"
    if (colorType & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (!(colorType & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8)
        png_error(png, "unexpected pixel layout after conversion");
    out->create(static_cast<int>(height), static_cast<int>(width), CV_8UC3);
    for (int pass = 0; pass < passes; ++pass)
        for (png_uint_32 y = 0; y < height; ++y)
            png_read_row(png, out->ptr<png_byte>(static_cast<int>(y)), nullptr);
    png_read_end(png, nullptr);  // checks the checksums of what follows the pixels
    return true;
}

}  // namespace

bool PngDecoder::isPng(const QByteArray& bytes) {
    return bytes.size() >= 8 && png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.constData()), 0, 8) == 0;
}

cv::Mat PngDecoder::decodeRgb(const QByteArray& bytes, const QString& name) {
    Reader reader;
    reader.bytes = &bytes;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, &onError, &onWarning);
    if (!png) throw AlignError(name.toStdString() + ": out of memory decoding the PNG");
    png_infop info = png_create_info_struct(png);
    cv::Mat out;
    const bool ok = info && run(png, info, &reader, &out);
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    if (!ok)
        throw AlignError(name.toStdString() +
                         ": not an image that can be decoded (a broken PNG: " + reader.message + ")");
    return out;
}

}  // namespace photosearch
