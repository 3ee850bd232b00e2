#include "thumbnail_cache.h"

#include "native_path.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QLoggingCategory>
#include <QPointer>
#include <QSaveFile>
#include <QStandardPaths>

namespace photosearch {

Q_LOGGING_CATEGORY(lcThumbnails, "photosearch.ui.thumbnails", QtWarningMsg)

ThumbnailCache::ThumbnailCache(int size, QObject* parent) : QObject(parent), size_(size), memory_(4000) {
    pool_.setMaxThreadCount(std::max(1, QThread::idealThreadCount() - 1));
}

ThumbnailCache::~ThumbnailCache() {
    pool_.clear();
    pool_.waitForDone();
}

QString ThumbnailCache::cacheDir() {
    QString base = qEnvironmentVariable("XDG_CACHE_HOME");
    if (base.isEmpty() || !QDir::isAbsolutePath(base)) base = QDir::homePath() + QStringLiteral("/.cache");
    return base + QStringLiteral("/photosearch/thumbnails");
}

void ThumbnailCache::setSize(int size) {
    if (size == size_) return;
    size_ = size;
    memory_.clear();
    pending_.clear();  // what is still loading arrives at the old size and is dropped
}

QImage ThumbnailCache::get(const QString& path) {
    if (QImage* img = memory_.object(path))
        return *img;  // null for a file that cannot be read: not tried again
    if (pending_.contains(path)) return {};
    pending_.insert(path);
    const int size = size_;
    QPointer<ThumbnailCache> self(this);
    pool_.start([self, path, size] {
        const auto status = native_path::status(path);  // by the name's exact bytes
        const QByteArray key =
            QCryptographicHash::hash(
                native_path::encode(path) + '|' + QByteArray::number(status ? status->size : 0) + '|' +
                    QByteArray::number(status ? status->mtimeMs : 0) + '|' + QByteArray::number(size),
                QCryptographicHash::Sha1)
                .toHex();
        const QString cached =
            cacheDir() + QLatin1Char('/') + QString::fromLatin1(key) + QStringLiteral(".jpg");
        QImage image(cached);
        if (image.isNull()) {
            QFile file;
            const QString openError = native_path::openForReading(file, path);
            QImageReader reader(&file);
            reader.setAutoTransform(true);  // EXIF orientation
            const QSize full = reader.size();
            if (full.isValid() && (full.width() > size || full.height() > size))
                reader.setScaledSize(
                    full.scaled(size, size, Qt::KeepAspectRatio));  // JPEG: decoded at reduced scale
            if (openError.isEmpty()) image = reader.read();
            if (image.isNull()) {
                qCInfo(lcThumbnails, "no thumbnail for %s: %s", qUtf8Printable(native_path::display(path)),
                       qUtf8Printable(openError.isEmpty() ? reader.errorString() : openError));
            } else {
                if (image.width() > size || image.height() > size)
                    image = image.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
                // Whole or not at all: another window reading the cache never sees half a thumbnail.
                QDir().mkpath(cacheDir());
                QSaveFile out(cached);
                if (!out.open(QIODevice::WriteOnly) || !image.save(&out, "JPEG", 85) || !out.commit())
                    qCInfo(lcThumbnails, "thumbnail of %s not kept on disk: %s",
                           qUtf8Printable(native_path::display(path)), qUtf8Printable(out.errorString()));
            }
        }
        if (!self) return;
        QMetaObject::invokeMethod(self, [self, path, image, size] {
            if (!self) return;
            if (size != self->size_) return;  // made for the size before a change; asked again at the new one
            self->pending_.remove(path);
            self->memory_.insert(
                path, new QImage(image));  // a null image too: a broken file is not decoded again and again
            emit self->ready(path);
        });
    });
    return {};
}

}  // namespace photosearch
