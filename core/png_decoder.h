#pragma once

#include <QByteArray>
#include <QString>

#include <opencv2/core.hpp>

namespace photosearch {

// PNG through libpng directly, with the same result as OpenCV's reader followed by
// ImageDecoder::toRgb (Pillow's Image.convert("RGB")): palette expanded and its transparency ignored,
// grey replicated, alpha dropped (not composited), 16-bit samples reduced to their high byte, no gamma.
// Reading it ourselves keeps libpng's warnings ("iCCP: known incorrect sRGB profile", an ancillary chunk's
// bad checksum) off the person's terminal: OpenCV installs no warning handler, so libpng printed them to
// stderr. Errors (a critical chunk's bad checksum, truncated data) name the file.
class PngDecoder {
  public:
    static bool isPng(const QByteArray& bytes);
    static cv::Mat decodeRgb(const QByteArray& bytes, const QString& name);
};

}  // namespace photosearch
