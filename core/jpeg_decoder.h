#pragma once

#include <QByteArray>
#include <QString>

#include <opencv2/core.hpp>

namespace photosearch {

// JPEG through libjpeg(-turbo) directly, for two things OpenCV's reader cannot give:
//  - a truncated file ("premature end of JPEG data") is an error, as in Pillow, not a grey half-photo;
//  - decoding at 1/2, 1/4 or 1/8 scale in the DCT domain when the photo is much larger than needed.
// Colours are converted like Pillow's Image.convert("RGB"): grey replicated, CMYK treated as Adobe's
// inverted CMYK (Pillow's "CMYK;I") and converted with Pillow's formula.
class JpegDecoder {
  public:
    static bool isJpeg(const QByteArray& bytes);

    // Width and height stored in the file (before orientation); throws when the header is unreadable.
    static cv::Size size(const QByteArray& bytes, const QString& name);

    // Decodes to 8-bit RGB. With minSize, decodes at the smallest DCT scale (1, 1/2, 1/4, 1/8) whose
    // output is still at least minSize in both dimensions (minSize is in stored, not upright, pixels).
    // Errors name the file.
    static cv::Mat decodeRgb(const QByteArray& bytes, const QString& name, cv::Size minSize = {});
};

}  // namespace photosearch
