#pragma once

#include <QByteArray>
#include <QString>

#include <opencv2/core.hpp>

namespace photosearch {

// JPEG XL through libjxl, as a Python user of the reference reads it with pillow-jxl and hands
// Image.convert("RGB") to AlignProcessor: the first frame, turned upright by libjxl from the codestream's
// orientation, 8 bits per sample in the image's colour encoding, grey replicated, alpha dropped.
struct JxlImage {
    cv::Mat rgb;          // 8-bit RGB, upright
    QByteArray exifTiff;  // the container's Exif box as TIFF ("II*\0"...), or empty
};

class JxlDecoder {
  public:
    static JxlImage decode(const QByteArray& bytes, const QString& name, int64_t maxPixels);
    // From the header alone: the size as shown (orientation applied) and the Exif box. False when unreadable.
    static bool probe(const QByteArray& bytes, int* width, int* height, QByteArray* exifTiff);
};

}  // namespace photosearch
