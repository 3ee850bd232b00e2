#pragma once

#include <QCache>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QThreadPool>

namespace photosearch {

// Thumbnails made off the GUI thread and kept in memory, on disk in the desktop's shared thumbnail cache
// (shared_thumbnails.h: Nautilus, Dolphin and PhotoSearch use one another's). A thumbnail comes, in order
// of cost, from that cache, from the photo's EXIF-embedded thumbnail when it is large enough, or from
// decoding the photo at reduced scale; EXIF orientation is applied. Images are made for the screen's
// device pixel ratio (sharp on HiDPI) and carry it.
class ThumbnailCache : public QObject {
    Q_OBJECT
  public:
    explicit ThumbnailCache(int size = 192, QObject* parent = nullptr);
    ~ThumbnailCache() override;

    // The thumbnail when ready; otherwise starts loading it and returns a null image.
    QImage get(const QString& path);
    // The size shown, in device-independent pixels (the longest side).
    void setSize(int size);
    int size() const { return size_; }
    void setDevicePixelRatio(qreal ratio);
    qreal devicePixelRatio() const { return ratio_; }
    // PhotoSearch's own cache folder: $XDG_CACHE_HOME/photosearch.
    static QString cacheDir();

    // Where a thumbnail came from (for tests and the log).
    enum class Source { SharedCache, ExifThumbnail, Decoded, Failed };
    // Makes the thumbnail of `path` with the longest side `pixels` on this thread (what get() runs in the
    // background).
    static QImage make(const QString& path, int pixels, Source* source = nullptr);

  signals:
    void ready(const QString& path);

  private:
    void reset();
    int size_;
    qreal ratio_ = 1;
    QCache<QString, QImage> memory_;
    QSet<QString> pending_;
    QThreadPool pool_;
};

}  // namespace photosearch
