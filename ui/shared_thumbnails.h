#pragma once

#include <QByteArray>
#include <QImage>
#include <QString>

#include <cstdint>

namespace photosearch::shared_thumbnails {

// The desktop's shared thumbnail cache (freedesktop.org Thumbnail Managing Standard 0.9): thumbnails that
// PhotoSearch, Nautilus, Dolphin and Gwenview make for one another. Each is a PNG named by the MD5 of the
// file's URI, in $XDG_CACHE_HOME/thumbnails/<size>/, carrying Thumb::URI and Thumb::MTime so that a
// thumbnail of a file changed since is recognised as stale. A file that cannot be thumbnailed is recorded
// under fail/photosearch/ so that it is not tried again until it changes.

// The cache's root: $XDG_CACHE_HOME/thumbnails (~/.cache/thumbnails when unset or relative).
QString root();

// The file's URI as GLib writes it (g_filename_to_uri), whose MD5 names the thumbnail: "file://" and the
// path's bytes with everything but letters, digits and -_.!~*'()/:@&=+$, percent-encoded in upper case.
QByteArray uri(const QString& path);

// The smallest of the standard sizes (normal 128, large 256, x-large 512, xx-large 1024) at least `pixels`
// on its longest side; xx-large for anything bigger.
struct Flavor {
    const char* name;
    int size;
};
Flavor flavorFor(int pixels);

// Where the thumbnail of `path` lives in `flavor` (or in the fail folder).
QString thumbnailPath(const QString& path, const char* flavor);

// The thumbnail of `path` from the cache, in the flavor for `pixels` or a larger one, when it is there
// and was made from the file as it is now (URI and modification time match); else a null image.
QImage read(const QString& path, int64_t mtimeSeconds, int pixels);

// Stores `image` (already fitted into the flavor's size) as the thumbnail of `path`: written whole (a
// temporary file renamed), readable by its owner only, as the standard asks. Returns an error, or empty.
QString write(const QString& path, int64_t mtimeSeconds, int64_t fileSize, const QImage& image,
              Flavor flavor);

// A file that could not be thumbnailed: recorded, and recognised until the file changes.
void recordFailure(const QString& path, int64_t mtimeSeconds);
bool failedBefore(const QString& path, int64_t mtimeSeconds);

}  // namespace photosearch::shared_thumbnails
