#pragma once

#include <QByteArray>
#include <QString>

namespace photosearch {

// The few EXIF fields a photo library needs, read from a JPEG (APP1), PNG (eXIf), WebP (EXIF) or
// TIFF file already in memory. Malformed or missing EXIF gives the defaults, never an error: a photo
// with broken metadata is still a photo.
struct ExifInfo {
    int orientation = 1;       // 1..8 as TIFF/EXIF defines it; 1 = stored upright
    QString dateTimeOriginal;  // "YYYY:MM:DD HH:MM:SS" as written, or empty
};

ExifInfo readExif(const QByteArray& fileBytes);

// The TIFF structure inside an EXIF block (starting at "II*\0" or "MM\0*").
ExifInfo parseTiffExif(const char* data, size_t size);

}  // namespace photosearch
