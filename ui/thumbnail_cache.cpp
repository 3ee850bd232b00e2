#include "thumbnail_cache.h"

#include "exif_reader.h"
#include "library_paths.h"
#include "native_path.h"
#include "photo_image.h"
#include "shared_thumbnails.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QImageReader>
#include <QLoggingCategory>
#include <QPointer>
#include <QTransform>

#include <cmath>

namespace photosearch {

Q_LOGGING_CATEGORY(lcThumbnails, "photosearch.ui.thumbnails", QtWarningMsg)

namespace {

// EXIF orientation (1..8) applied to an image decoded as stored.
QImage upright(const QImage& image, int orientation) {
    QTransform t;
    switch (orientation) {
        case 2:
            return image.mirrored(true, false);
        case 3:
            t.rotate(180);
            break;
        case 4:
            return image.mirrored(false, true);
        case 5:
            return image.mirrored(true, false).transformed(QTransform().rotate(270));
        case 6:
            t.rotate(90);
            break;
        case 7:
            return image.mirrored(true, false).transformed(QTransform().rotate(90));
        case 8:
            t.rotate(270);
            break;
        default:
            return image;
    }
    return image.transformed(t);
}

QImage fitted(const QImage& image, int pixels) {
    if (image.width() <= pixels && image.height() <= pixels) return image;
    return image.scaled(pixels, pixels, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

// The EXIF thumbnail of a JPEG when it shows the whole photo (its shape is the photo's: cameras often
// letterbox a 3:2 photo into a 160x120 thumbnail) and is at least `pixels` on its longest side.
QImage exifThumbnail(QFile& file, int pixels) {
    const QByteArray head = file.peek(256 * 1024);  // the APP1 segment is at most 64 KiB, near the start
    const ExifInfo exif = readExif(head);
    if (exif.thumbnailSize == 0) return {};
    const QImage thumb =
        QImage::fromData(head.mid(qsizetype(exif.thumbnailOffset), qsizetype(exif.thumbnailSize)));
    if (thumb.isNull() || std::max(thumb.width(), thumb.height()) < pixels) return {};
    QImageReader reader(&file);
    const QSize full = reader.size();  // as stored, like the thumbnail
    file.seek(0);
    if (!full.isValid()) return {};
    const double shape = double(full.width()) / full.height(),
                 thumbShape = double(thumb.width()) / thumb.height();
    if (std::abs(shape - thumbShape) > 0.02 * shape) return {};
    return upright(thumb, exif.orientation);
}

}  // namespace

ThumbnailCache::ThumbnailCache(int size, QObject* parent) : QObject(parent), size_(size), memory_(4000) {
    pool_.setMaxThreadCount(std::max(1, QThread::idealThreadCount() - 1));
}

ThumbnailCache::~ThumbnailCache() {
    pool_.clear();
    pool_.waitForDone();
}

QString ThumbnailCache::cacheDir() { return LibraryPaths::cacheHome() + QStringLiteral("/photosearch"); }

void ThumbnailCache::reset() {
    memory_.clear();
    pending_.clear();  // what is still loading arrives at the old size and is dropped
}

void ThumbnailCache::setSize(int size) {
    if (size == size_) return;
    size_ = size;
    reset();
}

void ThumbnailCache::setDevicePixelRatio(qreal ratio) {
    if (ratio <= 0 || ratio == ratio_) return;
    ratio_ = ratio;
    reset();
}

QImage ThumbnailCache::make(const QString& key, int pixels, Source* source) {
    Source dummy;
    Source& from = source ? *source : dummy;
    QString path;
    double timeS = 0;
    if (splitVideoMoment(key, &path, &timeS)) {
        // A moment of a video: not in the desktop's cache (its thumbnails are of the whole file).
        QString error;
        QImage frame = readVideoFrame(path, timeS, QSize(pixels, pixels), &error);
        from = frame.isNull() ? Source::Failed : Source::Decoded;
        if (frame.isNull())
            qCInfo(lcThumbnails, "no thumbnail for %s: %s", qUtf8Printable(native_path::display(path)),
                   qUtf8Printable(error));
        return frame;
    }
    const auto status = native_path::status(path);  // by the name's exact bytes
    const int64_t mtime = status ? status->mtimeMs / 1000 : 0;
    QImage image = shared_thumbnails::read(path, mtime, pixels);
    if (!image.isNull()) {
        from = Source::SharedCache;
        return fitted(image, pixels);
    }
    if (shared_thumbnails::failedBefore(path, mtime)) {
        from = Source::Failed;
        return {};
    }
    const shared_thumbnails::Flavor flavor = shared_thumbnails::flavorFor(pixels);
    QFile file;
    const QString openError = native_path::openForReading(file, path);
    if (openError.isEmpty()) {
        image = exifThumbnail(file, flavor.size);
        from = Source::ExifThumbnail;
    }
    QString error = openError;
    if (image.isNull() && openError.isEmpty()) {
        image = readPhotoImage(file, path, QSize(flavor.size, flavor.size), &error);
        from = Source::Decoded;
    }
    if (image.isNull()) {
        qCInfo(lcThumbnails, "no thumbnail for %s: %s", qUtf8Printable(native_path::display(path)),
               qUtf8Printable(error));
        from = Source::Failed;
        if (openError.isEmpty())
            shared_thumbnails::recordFailure(path, mtime);  // not tried again until it changes
        return {};
    }
    image = fitted(image, flavor.size);
    if (const QString e = shared_thumbnails::write(path, mtime, status ? status->size : 0, image, flavor);
        !e.isEmpty())
        qCInfo(lcThumbnails, "thumbnail of %s not kept on disk: %s",
               qUtf8Printable(native_path::display(path)), qUtf8Printable(e));
    return fitted(image, pixels);
}

QImage ThumbnailCache::get(const QString& path) {
    if (QImage* img = memory_.object(path))
        return *img;  // null for a file that cannot be read: not tried again
    if (pending_.contains(path)) return {};
    pending_.insert(path);
    const int size = size_;
    const qreal ratio = ratio_;
    QPointer<ThumbnailCache> self(this);
    pool_.start([self, path, size, ratio] {
        QImage image = make(path, static_cast<int>(std::lround(size * ratio)));
        image.setDevicePixelRatio(ratio);
        if (!self) return;
        QMetaObject::invokeMethod(self, [self, path, image, size, ratio] {
            if (!self) return;
            if (size != self->size_ || ratio != self->ratio_) return;  // made before a change; asked again
            self->pending_.remove(path);
            self->memory_.insert(
                path, new QImage(image));  // a null image too: a broken file is not decoded again and again
            emit self->ready(path);
        });
    });
    return {};
}

}  // namespace photosearch
