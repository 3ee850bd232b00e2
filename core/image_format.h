#pragma once

#include <QByteArray>
#include <QString>

namespace photosearch {

// The image formats PhotoSearch reads, told by their first bytes (never by the file's name). Only these reach
// a decoder: OpenCV's own content sniffing would hand a file named x.jpg that holds JPEG 2000, OpenEXR,
// Radiance HDR, PFM or a Sun raster to decoders we never meant to expose to hostile files.
enum class ImageFormat { Unknown, Jpeg, Png, Gif, Bmp, WebP, Tiff, Heif, Avif, JpegXl, Raw };

// Raw is told only for the RAW formats with their own signature (RAF, ORF, RW2, CR3); DNG, CR2, NEF, ARW and
// PEF are TIFF files, told apart by their names (RawDecoder::isRawName).
ImageFormat sniffImageFormat(const QByteArray& head);

// "JPEG", "HEIF", ... for messages and the viewer's info panel.
QString imageFormatName(ImageFormat format);

// For a file that is not one of ours: what it looks like ("JPEG 2000", "OpenEXR", "a video (MP4/MOV)"), or
// empty when its first bytes say nothing we know.
QString foreignFormatName(const QByteArray& head);

}  // namespace photosearch
