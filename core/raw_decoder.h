#pragma once

#include <QByteArray>
#include <QString>

#include <opencv2/core.hpp>

namespace photosearch {

// Camera RAW (DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2, PEF) through LibRaw. What the camera itself showed is
// used when it is large enough: the embedded JPEG preview, when it is at least `minPreview` (twice the
// model's resize size) in both dimensions — a Python user of the reference would take it with rawpy's
// extract_thumb(). Otherwise LibRaw's default development at half size (rawpy's
// postprocess(half_size=True): camera matrix to sRGB, gamma 2.222/4.5, auto brightness, 8 bits). Either way
// the sensor's orientation (LibRaw's flip) is applied, as EXIF orientation is for a JPEG.
struct RawImage {
    cv::Mat rgb;                // 8-bit RGB, upright
    QString source;             // "preview" (the embedded JPEG) or "developed" (half-size development)
    int width = 0, height = 0;  // the full sensor image's size as shown (upright)
    QString dateTimeOriginal;   // "YYYY:MM:DD HH:MM:SS" from the camera's metadata, or empty
};

class RawDecoder {
  public:
    // True for a file name with a RAW extension.
    static bool isRawName(const QString& name);
    static RawImage decode(const QByteArray& bytes, const QString& name, int64_t maxPixels,
                           cv::Size minPreview);
    // From the metadata alone (nothing decoded): the size as shown, the camera and the date. False when
    // LibRaw cannot read the file.
    static bool probe(const QByteArray& bytes, int* width, int* height, QString* make, QString* model,
                      QString* dateTimeOriginal);
};

}  // namespace photosearch
