#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>

namespace photosearch {

// What an image file declares about itself before any pixel is decoded.
struct ImageHeader {
    QString format;  // "jpeg", "png", "gif", "bmp", "webp", "tiff"
    int64_t width = 0;
    int64_t height = 0;
    // Saturates instead of overflowing (a TIFF may declare 4294967295 x 4294967295).
    int64_t pixels() const { return width > 0 && height > INT64_MAX / width ? INT64_MAX : width * height; }
};

// Reads the declared size from the first bytes of a JPEG, PNG, GIF, BMP, WebP or TIFF file; nothing for
// other or unreadable data (the decoder then reports what is wrong). Never reads past `bytes`.
std::optional<ImageHeader> readImageHeader(const QByteArray& bytes);

// Pillow refuses images of more than 2 x Image.MAX_IMAGE_PIXELS (89,478,485) pixels as decompression
// bombs; so do we, by the declared size, before decoding.
constexpr int64_t kMaxImagePixels = 2 * 89478485LL;

}  // namespace photosearch
