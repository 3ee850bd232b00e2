#include "image_format.h"

#include <cstring>

namespace photosearch {

namespace {

bool at(const QByteArray& b, int offset, const char* magic, int n) {
    return b.size() >= offset + n && std::memcmp(b.constData() + offset, magic, size_t(n)) == 0;
}

// An ISO base media file ("....ftyp"): its major brand and compatible brands decide what it holds.
bool hasBrand(const QByteArray& b, std::initializer_list<const char*> brands) {
    if (!at(b, 4, "ftyp", 4)) return false;
    const auto boxSize = (uint32_t(uint8_t(b[0])) << 24) | (uint32_t(uint8_t(b[1])) << 16) |
                         (uint32_t(uint8_t(b[2])) << 8) | uint32_t(uint8_t(b[3]));
    const int end = int(std::min<int64_t>(std::min<int64_t>(boxSize, b.size()), 4096));
    // major brand at 8, minor version at 12, compatible brands from 16
    for (int offset = 8; offset + 4 <= end; offset += offset == 8 ? 8 : 4)
        for (const char* brand : brands)
            if (at(b, offset, brand, 4)) return true;
    return false;
}

}  // namespace

ImageFormat sniffImageFormat(const QByteArray& b) {
    if (at(b, 0, "\xFF\xD8\xFF", 3)) return ImageFormat::Jpeg;
    if (at(b, 0, "\x89PNG\r\n\x1a\n", 8)) return ImageFormat::Png;
    if (at(b, 0, "GIF87a", 6) || at(b, 0, "GIF89a", 6)) return ImageFormat::Gif;
    if (at(b, 0, "BM", 2)) return ImageFormat::Bmp;
    if (at(b, 0, "RIFF", 4) && at(b, 8, "WEBP", 4)) return ImageFormat::WebP;
    if (at(b, 0, "II*\0", 4) || at(b, 0, "MM\0*", 4)) return ImageFormat::Tiff;
    if (at(b, 0, "FUJIFILMCCD-RAW", 15) || at(b, 0, "IIRO", 4) || at(b, 0, "IIRS", 4) ||
        at(b, 0, "MMOR", 4) || at(b, 0, "IIU\0", 4) || (at(b, 4, "ftyp", 4) && at(b, 8, "crx ", 4)))
        return ImageFormat::Raw;
    if (at(b, 0, "\xFF\x0A", 2) || at(b, 0, "\0\0\0\x0CJXL \r\n\x87\n", 12)) return ImageFormat::JpegXl;
    // AVIF first: an AVIF also lists mif1, the brand every HEIF image file carries.
    if (hasBrand(b, {"avif", "avis"})) return ImageFormat::Avif;
    if (hasBrand(b, {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"}))
        return ImageFormat::Heif;
    return ImageFormat::Unknown;
}

QString imageFormatName(ImageFormat format) {
    switch (format) {
        case ImageFormat::Jpeg:
            return QStringLiteral("JPEG");
        case ImageFormat::Png:
            return QStringLiteral("PNG");
        case ImageFormat::Gif:
            return QStringLiteral("GIF");
        case ImageFormat::Bmp:
            return QStringLiteral("BMP");
        case ImageFormat::WebP:
            return QStringLiteral("WebP");
        case ImageFormat::Tiff:
            return QStringLiteral("TIFF");
        case ImageFormat::Heif:
            return QStringLiteral("HEIF");
        case ImageFormat::Avif:
            return QStringLiteral("AVIF");
        case ImageFormat::JpegXl:
            return QStringLiteral("JPEG XL");
        case ImageFormat::Raw:
            return QStringLiteral("camera RAW");
        case ImageFormat::Unknown:
            break;
    }
    return {};
}

QString foreignFormatName(const QByteArray& b) {
    if (at(b, 0, "\0\0\0\x0CjP  \r\n\x87\n", 12) || at(b, 0, "\xFF\x4F\xFF\x51", 4))
        return QStringLiteral("JPEG 2000");
    if (at(b, 0, "\x76\x2F\x31\x01", 4)) return QStringLiteral("OpenEXR");
    if (at(b, 0, "#?RADIANCE", 10) || at(b, 0, "#?RGBE", 6)) return QStringLiteral("Radiance HDR");
    if (at(b, 0, "PF\n", 3) || at(b, 0, "Pf\n", 3)) return QStringLiteral("PFM");
    if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7') return QStringLiteral("PNM");
    if (at(b, 0, "\x59\xA6\x6A\x95", 4)) return QStringLiteral("Sun raster");
    if (at(b, 4, "ftyp", 4)) return QStringLiteral("a video or other ISO media file (MP4/MOV)");
    if (at(b, 0, "\x1A\x45\xDF\xA3", 4)) return QStringLiteral("a Matroska/WebM video");
    if (at(b, 0, "%PDF", 4)) return QStringLiteral("PDF");
    if (at(b, 0, "8BPS", 4)) return QStringLiteral("Photoshop (PSD)");
    return {};
}

}  // namespace photosearch
