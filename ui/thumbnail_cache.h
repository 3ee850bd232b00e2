#pragma once

#include <QCache>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QThreadPool>

namespace photosearch {

// Thumbnails decoded off the GUI thread (JPEG decoded at reduced scale, EXIF orientation applied),
// kept in memory and on disk under $XDG_CACHE_HOME/photosearch/thumbnails, keyed by path, size and
// modification time so an edited photo gets a fresh thumbnail.
class ThumbnailCache : public QObject {
    Q_OBJECT
  public:
    explicit ThumbnailCache(int size = 192, QObject* parent = nullptr);
    ~ThumbnailCache() override;

    // The thumbnail when ready; otherwise starts loading it and returns a null image.
    QImage get(const QString& path);
    void setSize(int size);
    int size() const { return size_; }
    static QString cacheDir();

  signals:
    void ready(const QString& path);

  private:
    int size_;
    QCache<QString, QImage> memory_;
    QSet<QString> pending_;
    QThreadPool pool_;
};

}  // namespace photosearch
