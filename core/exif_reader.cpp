#include "exif_reader.h"

#include <cstdint>
#include <cstring>

namespace photosearch {

namespace {

class TiffView {
  public:
    TiffView(const uint8_t* data, size_t size) : d_(data), size_(size) {
        if (size_ >= 8 && d_[0] == 'I' && d_[1] == 'I') ok_ = true, little_ = true;
        if (size_ >= 8 && d_[0] == 'M' && d_[1] == 'M') ok_ = true, little_ = false;
        if (ok_ && u16(2) != 42) ok_ = false;
    }
    bool ok() const { return ok_; }
    bool has(size_t offset, size_t n) const { return offset <= size_ && n <= size_ - offset; }
    uint16_t u16(size_t o) const {
        return little_ ? uint16_t(d_[o] | d_[o + 1] << 8) : uint16_t(d_[o] << 8 | d_[o + 1]);
    }
    uint32_t u32(size_t o) const {
        return little_ ? uint32_t(d_[o]) | uint32_t(d_[o + 1]) << 8 | uint32_t(d_[o + 2]) << 16 |
                             uint32_t(d_[o + 3]) << 24
                       : uint32_t(d_[o]) << 24 | uint32_t(d_[o + 1]) << 16 | uint32_t(d_[o + 2]) << 8 |
                             uint32_t(d_[o + 3]);
    }
    const uint8_t* at(size_t o) const { return d_ + o; }

  private:
    const uint8_t* d_;
    size_t size_;
    bool ok_ = false;
    bool little_ = true;
};

constexpr uint16_t kOrientation = 0x0112;
constexpr uint16_t kExifIfd = 0x8769;
constexpr uint16_t kDateTimeOriginal = 0x9003;
constexpr uint16_t kMake = 0x010F, kModel = 0x0110;
constexpr uint16_t kExposureTime = 0x829A, kFNumber = 0x829D, kIso = 0x8827, kFocalLength = 0x920A;
constexpr uint16_t kThumbnailOffset = 0x0201, kThumbnailLength = 0x0202;

// An ASCII value (type 2) of at most 256 bytes, up to its first NUL and without trailing spaces.
QString asciiValue(const TiffView& t, uint16_t type, uint32_t count, size_t value) {
    if (type != 2 || count == 0 || count > 256) return {};
    const size_t where = count > 4 ? t.u32(value) : value;
    if (!t.has(where, count)) return {};
    const char* s = reinterpret_cast<const char*>(t.at(where));
    return QString::fromLatin1(s, static_cast<qsizetype>(strnlen(s, count))).trimmed();
}

// An unsigned RATIONAL (type 5) as a number; 0 when malformed or divided by zero.
double rationalValue(const TiffView& t, uint16_t type, uint32_t count, size_t value) {
    if (type != 5 || count < 1) return 0;
    const size_t where = t.u32(value);
    if (!t.has(where, 8)) return 0;
    const uint32_t den = t.u32(where + 4);
    return den == 0 ? 0 : double(t.u32(where)) / den;
}

// Visits the entries of the IFD at `offset`: (tag, type, count, offset of the value field).
template <typename Visit>
void forEachEntry(const TiffView& t, uint32_t offset, Visit visit) {
    if (!t.has(offset, 2)) return;
    const uint16_t n = t.u16(offset);
    for (uint16_t i = 0; i < n; ++i) {
        const size_t e = offset + 2 + size_t(i) * 12;
        if (!t.has(e, 12)) return;
        visit(t.u16(e), t.u16(e + 2), t.u32(e + 4), e + 8);
    }
}

}  // namespace

ExifInfo parseTiffExif(const char* data, size_t size) {
    ExifInfo info;
    const TiffView t(reinterpret_cast<const uint8_t*>(data), size);
    if (!t.ok()) return info;
    uint32_t exifIfd = 0;
    const uint32_t ifd0 = t.u32(4);
    forEachEntry(t, ifd0, [&](uint16_t tag, uint16_t type, uint32_t count, size_t value) {
        if (tag == kOrientation && type == 3 && count >= 1) {
            const int o = t.u16(value);
            if (o >= 1 && o <= 8) info.orientation = o;
        } else if (tag == kExifIfd && (type == 4 || type == 13) && count == 1) {
            exifIfd = t.u32(value);
        } else if (tag == kMake) {
            info.make = asciiValue(t, type, count, value);
        } else if (tag == kModel) {
            info.model = asciiValue(t, type, count, value);
        }
    });
    if (exifIfd != 0) {
        forEachEntry(t, exifIfd, [&](uint16_t tag, uint16_t type, uint32_t count, size_t value) {
            if (tag == kDateTimeOriginal && count >= 19 && count <= 64) {
                info.dateTimeOriginal = asciiValue(t, type, count, value);
            } else if (tag == kExposureTime) {
                info.exposureTime = rationalValue(t, type, count, value);
            } else if (tag == kFNumber) {
                info.fNumber = rationalValue(t, type, count, value);
            } else if (tag == kFocalLength) {
                info.focalLength = rationalValue(t, type, count, value);
            } else if (tag == kIso && type == 3 && count >= 1) {
                info.iso = t.u16(value);
            }
        });
    }
    // IFD1, the next IFD after IFD0, holds the embedded thumbnail.
    if (t.has(ifd0, 2)) {
        const size_t next = ifd0 + 2 + size_t(t.u16(ifd0)) * 12;
        const uint32_t ifd1 = t.has(next, 4) ? t.u32(next) : 0;
        uint32_t offset = 0, length = 0;
        if (ifd1 != 0 && ifd1 != ifd0) {
            forEachEntry(t, ifd1, [&](uint16_t tag, uint16_t type, uint32_t count, size_t value) {
                if (type != 4 || count != 1) return;
                if (tag == kThumbnailOffset) offset = t.u32(value);
                if (tag == kThumbnailLength) length = t.u32(value);
            });
        }
        if (offset != 0 && length != 0 && t.has(offset, length)) {
            info.thumbnailOffset = offset;
            info.thumbnailSize = length;
        }
    }
    return info;
}

namespace {
// The thumbnail's range moved from the TIFF block's start to the start of the file's bytes.
ExifInfo withBase(ExifInfo info, size_t base) {
    if (info.thumbnailSize != 0) info.thumbnailOffset += base;
    return info;
}
}  // namespace

ExifInfo readExif(const QByteArray& bytes) {
    const auto* d = reinterpret_cast<const uint8_t*>(bytes.constData());
    const size_t n = static_cast<size_t>(bytes.size());
    auto be32 = [&](size_t o) {
        return uint32_t(d[o]) << 24 | uint32_t(d[o + 1]) << 16 | uint32_t(d[o + 2]) << 8 | d[o + 3];
    };
    auto le32 = [&](size_t o) {
        return uint32_t(d[o]) | uint32_t(d[o + 1]) << 8 | uint32_t(d[o + 2]) << 16 | uint32_t(d[o + 3]) << 24;
    };

    if (n >= 4 && d[0] == 0xFF && d[1] == 0xD8) {  // JPEG: walk the markers up to the image data
        size_t p = 2;
        while (p + 4 <= n && d[p] == 0xFF) {
            const uint8_t marker = d[p + 1];
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                p += 2;
                continue;
            }
            if (marker == 0xFF) {
                ++p;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) break;
            const size_t len = size_t(d[p + 2]) << 8 | d[p + 3];
            if (len < 2 || p + 2 + len > n) break;
            if (marker == 0xE1 && len >= 8 && std::memcmp(d + p + 4, "Exif\0\0", 6) == 0)
                return withBase(parseTiffExif(bytes.constData() + p + 10, len - 8), p + 10);
            p += 2 + len;
        }
        return {};
    }
    if (n >= 8 && std::memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
        size_t p = 8;
        while (p + 12 <= n) {
            const size_t len = be32(p);
            if (len > n - p - 12) break;
            if (std::memcmp(d + p + 4, "eXIf", 4) == 0)
                return withBase(parseTiffExif(bytes.constData() + p + 8, len), p + 8);
            if (std::memcmp(d + p + 4, "IDAT", 4) == 0 || std::memcmp(d + p + 4, "IEND", 4) == 0) break;
            p += 12 + len;
        }
        return {};
    }
    if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) {
        size_t p = 12;
        while (p + 8 <= n) {
            const size_t len = le32(p + 4);
            if (len > n - p - 8) break;
            if (std::memcmp(d + p, "EXIF", 4) == 0) {
                size_t skip = (len >= 6 && std::memcmp(d + p + 8, "Exif\0\0", 6) == 0) ? 6 : 0;
                return withBase(parseTiffExif(bytes.constData() + p + 8 + skip, len - skip), p + 8 + skip);
            }
            p += 8 + len + (len & 1);
        }
        return {};
    }
    if (n >= 8 && (std::memcmp(d, "II*\0", 4) == 0 || std::memcmp(d, "MM\0*", 4) == 0))
        return parseTiffExif(bytes.constData(), n);
    return {};
}

}  // namespace photosearch
