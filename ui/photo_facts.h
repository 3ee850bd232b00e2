#pragma once

#include <QSize>
#include <QString>
#include <QUrl>

namespace photosearch {

// What the viewer's info panel says about one photo, read from the file: its pixel size as shown (EXIF
// orientation applied), its size on disk, its format, and the camera and exposure its EXIF block records.
struct PhotoFacts {
    QSize dimensions;  // invalid when the file cannot be read
    qint64 bytes = -1;
    QString format;    // "JPEG", "PNG", ...
    QString camera;    // "Canon EOS 5D", empty when not recorded
    QString exposure;  // "1/250 s · f/2.8 · ISO 100 · 50 mm", the parts recorded
};

PhotoFacts readPhotoFacts(const QString& path);

// file:// with the path's exact bytes percent-encoded (QUrl::fromLocalFile would re-encode a name that is not
// UTF-8 into one that does not exist).
QUrl fileUrl(const QString& path);

// Hands a file or folder to the desktop's default application for its type (xdg-mime, then
// QDesktopServices). Returns what went wrong in words a person can act on, or empty.
QString openWithDesktop(const QString& path);

// Plays a video in the desktop's default video player, from `timeS` when that player takes a start time on
// its command line (mpv, VLC, Celluloid, SMPlayer), else from the start. Returns what went wrong, or empty.
QString playVideoAt(const QString& path, double timeS);

// 75.4 s as "1:15", the way players show a position.
QString clockTime(double seconds);

}  // namespace photosearch
