#pragma once

#include <QByteArray>
#include <QString>

#include "exif_reader.h"
#include "image_format.h"

#include <opencv2/core.hpp>

namespace photosearch {

struct DecodedImage {
    cv::Mat rgb;                // 8-bit, 3 channels, RGB order, upright when orientation was applied
    int width = 0, height = 0;  // the full-resolution size, upright when orientation was applied
    int orientation = 1;        // the EXIF orientation the file declared
    QString dateTimeOriginal;   // EXIF DateTimeOriginal, or empty
    QString decodedFrom;        // camera RAW: "preview" (its embedded JPEG) or "developed"; else empty
};

// Decodes a photo (JPEG and PNG directly, HEIF/AVIF through libheif, JPEG XL through libjxl, the rest with
// OpenCV: only formats sniffed as ours reach any decoder) and converts it to RGB the way Pillow's
// Image.convert("RGB") does: grey replicated, alpha dropped (not composited), palette expanded, 16-bit
// reduced to 8-bit. With `applyOrientation`, the EXIF orientation is applied so the photo is upright, as a
// person sees it (the Hugging Face reference does not do this). Errors name the file.
class ImageDecoder {
  public:
    //
    // Refused with an error before decoding: empty files, files over kMaxFileBytes, and images whose
    // header declares more than kMaxImagePixels pixels (decompression bombs). A truncated JPEG is an error.
    //
    // `reduceTo`: a JPEG larger than needed may be decoded at 1/2, 1/4 or 1/8 scale in the DCT domain, as
    // long as the result stays at least this size (upright pixels) in both dimensions; {} decodes in full.
    static DecodedImage decodeFile(const QString& path, bool applyOrientation = true, cv::Size reduceTo = {});
    static DecodedImage decodeBytes(const QByteArray& bytes, const QString& name,
                                    bool applyOrientation = true, cv::Size reduceTo = {});

    // HEIF, AVIF, JPEG XL or camera RAW (a TIFF-based RAW told by its name): the formats Qt's image plugins
    // cannot read, which the window reads through this decoder. Unknown for the others.
    static ImageFormat ownFormat(const QByteArray& head, const QString& name);
    // Without decoding the pixels: the size as shown and the EXIF fields (camera, date) of a file in one of
    // ownFormat()'s formats. False for other or unreadable files.
    static bool probeOwnFormat(const QByteArray& bytes, const QString& name, int* width, int* height,
                               ExifInfo* exif);

    static constexpr qint64 kMaxFileBytes = qint64(1) << 30;

    // OpenCV 4.6 reads no GIF. A decoder for what OpenCV cannot read can be supplied by the application
    // (index/ supplies Qt's, which reads a GIF's first frame); it returns an 8-bit BGR, BGRA or grey
    // image, or an empty one when it cannot read the bytes either.
    using FallbackDecoder = cv::Mat (*)(const QByteArray& bytes);
    static void setFallbackDecoder(FallbackDecoder decoder);

    // Converts any decoded OpenCV image (1, 3 or 4 channels in BGR order, 8 or 16 bits) to 8-bit RGB.
    static cv::Mat toRgb(const cv::Mat& decoded, const QString& name);
    // Turns a stored image upright for EXIF orientation 1..8.
    static cv::Mat applyExifOrientation(const cv::Mat& image, int orientation);

  private:
    static DecodedImage decodeModern(ImageFormat format, const QByteArray& bytes, const QString& name,
                                     cv::Size reduceTo);
};

}  // namespace photosearch
