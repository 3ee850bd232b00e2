#include "photo_image.h"

#include "image_decoder.h"
#include "image_format.h"
#include "video_decoder.h"

#include <QImageReader>

#include <cmath>
#include <exception>

namespace photosearch {

bool isOwnDecodedFormat(const QByteArray& head, const QString& path) {
    return ImageDecoder::ownFormat(head, path) != ImageFormat::Unknown;
}

QString videoMomentKey(const QString& path, double timeS) {
    return path + QChar(0) + QString::number(std::llround(timeS * 1000));
}

bool splitVideoMoment(const QString& key, QString* path, double* timeS) {
    const qsizetype nul = key.lastIndexOf(QChar(0));
    *path = nul < 0 ? key : key.left(nul);
    *timeS = nul < 0 ? -1 : key.mid(nul + 1).toLongLong() / 1000.0;
    return nul >= 0;
}

namespace {

QImage fittedCopy(const cv::Mat& rgb, QSize fitIn) {
    QImage image = QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
    if (fitIn.isValid() && (image.width() > fitIn.width() || image.height() > fitIn.height()))
        image = image.scaled(fitIn, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return image;
}

}  // namespace

QImage readVideoFrame(const QString& path, double timeS, QSize fitIn, QString* error) {
    try {
        return fittedCopy(VideoDecoder::frameAt(path, timeS), fitIn);
    } catch (const std::exception& e) {
        if (error) *error = QString::fromUtf8(e.what()).section(QStringLiteral(": "), -1);
        return {};
    }
}

QImage readPhotoImage(QFile& file, const QString& path, QSize fitIn, QString* error) {
    if (VideoDecoder::isVideoName(path)) return readVideoFrame(path, 0.0, fitIn, error);
    if (isOwnDecodedFormat(file.peek(4096), path)) {
        try {
            // A RAW file's preview is enough when it covers what is asked for; otherwise it is developed.
            const cv::Size reduce = fitIn.isValid() ? cv::Size(fitIn.width(), fitIn.height()) : cv::Size();
            const DecodedImage decoded = ImageDecoder::decodeBytes(file.readAll(), path, true, reduce);
            return fittedCopy(decoded.rgb, fitIn);
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
