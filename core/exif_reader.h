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
    // For a person looking at the photo (the viewer's info panel); empty or 0 when not recorded.
    QString make, model;      // the camera, as written ("Apple", "iPhone 12")
    double exposureTime = 0;  // seconds
    double fNumber = 0;       // f/1.8 -> 1.8
    int iso = 0;              // ISOSpeedRatings / PhotographicSensitivity
    double focalLength = 0;   // millimetres
    // The embedded thumbnail (IFD1's JPEG), as a byte range of the data given to readExif / parseTiffExif;
    // size 0 when there is none or it lies outside the data.
    size_t thumbnailOffset = 0, thumbnailSize = 0;
};

ExifInfo readExif(const QByteArray& fileBytes);

// The TIFF structure inside an EXIF block (starting at "II*\0" or "MM\0*").
ExifInfo parseTiffExif(const char* data, size_t size);

}  // namespace photosearch
