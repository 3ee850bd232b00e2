#include "image_header.h"

#include "jpeg_decoder.h"

#include <cstdlib>

namespace photosearch {

namespace {

class Reader {
  public:
    explicit Reader(const QByteArray& b)
        : data_(reinterpret_cast<const unsigned char*>(b.constData())), size_(b.size()) {}
    bool has(int64_t offset, int64_t n) const { return offset >= 0 && n >= 0 && offset + n <= size_; }
    bool startsWith(int64_t offset, const char* magic, int64_t n) const {
        if (!has(offset, n)) return false;
        for (int64_t i = 0; i < n; ++i)
            if (data_[offset + i] != static_cast<unsigned char>(magic[i])) return false;
        return true;
    }
    // Little- or big-endian unsigned integer of n bytes (n <= 4); 0 when out of range.
    uint32_t uint(int64_t offset, int n, bool bigEndian) const {
        if (!has(offset, n)) return 0;
        uint32_t v = 0;
        for (int i = 0; i < n; ++i) {
            const uint32_t byte = data_[offset + (bigEndian ? i : n - 1 - i)];
            v = (v << 8) | byte;
        }
        return v;
    }
    uint32_t le(int64_t offset, int n) const { return uint(offset, n, false); }
    uint32_t be(int64_t offset, int n) const { return uint(offset, n, true); }

  private:
    const unsigned char* data_;
    int64_t size_;
};

std::optional<ImageHeader> make(const char* format, int64_t w, int64_t h) {
    if (w <= 0 || h <= 0) return std::nullopt;
    return ImageHeader{QString::fromLatin1(format), w, h};
}

std::optional<ImageHeader> tiff(const Reader& r) {
    const bool big = r.startsWith(0, "MM\0*", 4);
    if (!big && !r.startsWith(0, "II*\0", 4)) return std::nullopt;
    const int64_t ifd = r.uint(4, 4, big);
    if (!r.has(ifd, 2)) return std::nullopt;
    const int count = static_cast<int>(r.uint(ifd, 2, big));
    int64_t width = 0, height = 0;
    for (int i = 0; i < count; ++i) {
        const int64_t e = ifd + 2 + 12 * static_cast<int64_t>(i);
        if (!r.has(e, 12)) break;
        const uint32_t tag = r.uint(e, 2, big), type = r.uint(e + 2, 2, big);
        const int64_t value = type == 3 ? r.uint(e + 8, 2, big) : type == 4 ? r.uint(e + 8, 4, big) : 0;
        if (tag == 256) width = value;
        if (tag == 257) height = value;
    }
    return make("tiff", width, height);
}

}  // namespace

std::optional<ImageHeader> readImageHeader(const QByteArray& bytes) {
    const Reader r(bytes);
    if (JpegDecoder::isJpeg(bytes)) {
        try {
            const cv::Size s = JpegDecoder::size(bytes, QString());
            return make("jpeg", s.width, s.height);
        } catch (...) {
            return std::nullopt;
        }
    }
    if (r.startsWith(0, "\x89PNG\r\n\x1a\n", 8) && r.startsWith(12, "IHDR", 4))
        return make("png", r.be(16, 4), r.be(20, 4));
    if (r.startsWith(0, "GIF87a", 6) || r.startsWith(0, "GIF89a", 6))
        return make("gif", r.le(6, 2), r.le(8, 2));
    if (r.startsWith(0, "BM", 2) && r.has(14, 12)) {
        if (r.le(14, 4) == 12) return make("bmp", r.le(18, 2), r.le(20, 2));  // OS/2 BITMAPCOREHEADER
        const auto w = static_cast<int32_t>(r.le(18, 4)), h = static_cast<int32_t>(r.le(22, 4));
        return make("bmp", std::llabs(w), std::llabs(h));  // a negative height means top-down rows
    }
    if (r.startsWith(0, "RIFF", 4) && r.startsWith(8, "WEBP", 4)) {
        if (r.startsWith(12, "VP8 ", 4)) return make("webp", r.le(26, 2) & 0x3FFF, r.le(28, 2) & 0x3FFF);
        if (r.startsWith(12, "VP8L", 4) && r.has(21, 4)) {
            const uint32_t bits = r.le(21, 4);
            return make("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }
        if (r.startsWith(12, "VP8X", 4) && r.has(24, 6))
            return make("webp", r.le(24, 3) + 1, r.le(27, 3) + 1);
        return std::nullopt;
    }
    return tiff(r);
}

}  // namespace photosearch
