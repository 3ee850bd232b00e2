#pragma once

#include <QFile>
#include <QImage>
#include <QSize>
#include <QString>

namespace photosearch {

// Reads a photo for showing it (thumbnails, the viewer, a query photo's chip), upright. The formats Qt's own
// image plugins read go through QImageReader (JPEG at a reduced scale in the DCT domain); HEIF, AVIF and JPEG
// XL, which Qt 6.4 cannot read, through the same decoders indexing uses. `fitIn`: at most this size (an
// invalid size: the full image). On failure, a null image and `error` says why.
QImage readPhotoImage(QFile& file, const QString& path, QSize fitIn, QString* error);

// A video at a moment, for readPhotoImage() and the thumbnail cache: the path, a NUL character (never part
// of a file name) and the time in milliseconds.
QString videoMomentKey(const QString& path, double timeS);
// Splits such a key; false (and `path` the whole key) for a plain path.
bool splitVideoMoment(const QString& key, QString* path, double* timeS);
// Reads a frame of a video for showing it, upright, at most `fitIn`.
QImage readVideoFrame(const QString& path, double timeS, QSize fitIn, QString* error);

// True for the formats readPhotoImage() reads with PhotoSearch's own decoders rather than Qt's (HEIF, AVIF,
// JPEG XL, camera RAW).
bool isOwnDecodedFormat(const QByteArray& head, const QString& path);

}  // namespace photosearch
