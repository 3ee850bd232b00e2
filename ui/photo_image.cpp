#include "photo_image.h"

#include "image_decoder.h"
#include "image_format.h"

#include <QImageReader>

#include <exception>

namespace photosearch {

bool isOwnDecodedFormat(const QByteArray& head, const QString& path) {
    return ImageDecoder::ownFormat(head, path) != ImageFormat::Unknown;
}

QImage readPhotoImage(QFile& file, const QString& path, QSize fitIn, QString* error) {
    if (isOwnDecodedFormat(file.peek(4096), path)) {
        try {
            // A RAW file's preview is enough when it covers what is asked for; otherwise it is developed.
            const cv::Size reduce = fitIn.isValid() ? cv::Size(fitIn.width(), fitIn.height()) : cv::Size();
            const DecodedImage decoded = ImageDecoder::decodeBytes(file.readAll(), path, true, reduce);
            const cv::Mat& rgb = decoded.rgb;
            QImage image = QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
            if (fitIn.isValid() && (image.width() > fitIn.width() || image.height() > fitIn.height()))
                image = image.scaled(fitIn, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            return image;
        } catch (const std::exception& e) {
            if (error) *error = QString::fromUtf8(e.what()).section(QStringLiteral(": "), -1);
            return {};
        }
    }
    QImageReader reader(&file);
    reader.setAutoTransform(true);  // EXIF orientation
    const QSize full = reader.size();
    if (fitIn.isValid() && full.isValid() && (full.width() > fitIn.width() || full.height() > fitIn.height()))
        reader.setScaledSize(full.scaled(fitIn, Qt::KeepAspectRatio));  // JPEG: at reduced scale
    QImage image = reader.read();
    if (image.isNull() && error) *error = reader.errorString();
    return image;
}

}  // namespace photosearch
