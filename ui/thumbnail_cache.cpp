#include "thumbnail_cache.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QPointer>
#include <QStandardPaths>

namespace photosearch {

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
}

QImage ThumbnailCache::get(const QString& path) {
    if (QImage* img = memory_.object(path)) return *img;
    if (pending_.contains(path)) return {};
    pending_.insert(path);
    const int size = size_;
    QPointer<ThumbnailCache> self(this);
    pool_.start([self, path, size] {
        const QFileInfo info(path);
        const QByteArray key = QCryptographicHash::hash(
            (path + QLatin1Char('|') + QString::number(info.size()) + QLatin1Char('|') +
             QString::number(info.lastModified().toMSecsSinceEpoch()) + QLatin1Char('|') + QString::number(size)).toUtf8(),
            QCryptographicHash::Sha1).toHex();
        const QString cached = cacheDir() + QLatin1Char('/') + QString::fromLatin1(key) + QStringLiteral(".jpg");
        QImage image(cached);
        if (image.isNull()) {
            QImageReader reader(path);
            reader.setAutoTransform(true);  // EXIF orientation
            const QSize full = reader.size();
            if (full.isValid() && (full.width() > size || full.height() > size))
                reader.setScaledSize(full.scaled(size, size, Qt::KeepAspectRatio));  // JPEG: decoded at reduced scale
            image = reader.read();
            if (!image.isNull()) {
                if (image.width() > size || image.height() > size) image = image.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
                QDir().mkpath(cacheDir());
                image.save(cached, "JPEG", 85);
            }
        }
        if (!self) return;
        QMetaObject::invokeMethod(self, [self, path, image] {
            if (!self) return;
            self->pending_.remove(path);
            if (!image.isNull()) self->memory_.insert(path, new QImage(image));
            emit self->ready(path);
        });
    });
    return {};
}

}  // namespace photosearch
