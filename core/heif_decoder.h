#pragma once

#include <QByteArray>
#include <QString>

#include <opencv2/core.hpp>

namespace photosearch {

// HEIF (HEIC, from phones) and AVIF through libheif, as a Python user of the reference reads them with
// pillow-heif and hands Image.convert("RGB") to AlignProcessor: the primary image (of a burst or sequence
// too), its irot/imir/clap transformations applied by libheif (so no EXIF orientation on top), 10/12-bit
// images reduced to 8 bits by libheif's convert_hdr_to_8bit (pillow-heif's default), alpha dropped.
// Errors name the file and say what is wrong; nothing is decoded whose declared size is a bomb.
struct HeifImage {
    cv::Mat rgb;          // 8-bit RGB, upright
    QByteArray exifTiff;  // the Exif item's TIFF structure ("II*\0"...), or empty
};

class HeifDecoder {
  public:
    // `maxPixels`: larger images (by their declared size, before decoding) are refused.
    static HeifImage decode(const QByteArray& bytes, const QString& name, int64_t maxPixels);
    // Without decoding: the primary image's size as shown (transformations applied) and its Exif.
    // False when libheif cannot read the file.
    static bool probe(const QByteArray& bytes, int* width, int* height, QByteArray* exifTiff);
};

}  // namespace photosearch
