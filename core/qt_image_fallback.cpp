#include "qt_image_fallback.h"

#include "image_decoder.h"

#include <QBuffer>
#include <QImage>
#include <QImageReader>

#include <opencv2/imgproc.hpp>

namespace photosearch {

namespace {

cv::Mat decodeWithQt(const QByteArray& bytes) {
    // Only formats OpenCV lacks: anything else it rejected is corrupt, and Qt must not paper over that.
    if (!bytes.startsWith("GIF87a") && !bytes.startsWith("GIF89a")) return {};
    QBuffer buffer(const_cast<QByteArray*>(&bytes));
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer, "gif");
    reader.setAutoTransform(false);
    const QImage image =
        reader.read().convertToFormat(QImage::Format_RGB888);  // first frame; alpha dropped as convert("RGB")
    if (image.isNull()) return {};
    cv::Mat rgb(image.height(), image.width(), CV_8UC3, const_cast<uchar*>(image.constBits()),
                static_cast<size_t>(image.bytesPerLine()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);  // the decoder's contract is OpenCV's channel order
    return bgr;
}

}  // namespace

void installQtImageFallback() { ImageDecoder::setFallbackDecoder(&decodeWithQt); }

}  // namespace photosearch
