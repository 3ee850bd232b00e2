#include "zip_index.h"

namespace photosearch {

void ZipIndex::parse() {
    if (n_ < 22) fail_("too short to be a zip archive");
    int64_t eocd = -1;
    const uint64_t lowest = n_ > 22 + 65535 ? n_ - 22 - 65535 : 0;
    for (uint64_t p = n_ - 22 + 1; p-- > lowest;)
        if (u32(p) == 0x06054b50) {
            eocd = static_cast<int64_t>(p);
            break;
        }
    if (eocd < 0)
        fail_("not a zip archive (no end of central directory; truncated or not a torch.save file)");
    uint64_t count = u16(eocd + 10);
    uint64_t dirOffset = u32(eocd + 16);
    if ((count == 0xFFFF || dirOffset == 0xFFFFFFFF) && eocd >= 20 && u32(eocd - 20) == 0x07064b50) {
        const uint64_t z = u64(eocd - 20 + 8);
        if (u32(z) != 0x06064b50) fail_("broken zip64 end of central directory");
        count = u64(z + 32);
        dirOffset = u64(z + 48);
    }
    uint64_t p = dirOffset;
    for (uint64_t i = 0; i < count; ++i) {
        if (u32(p) != 0x02014b50) fail_("broken zip central directory");
        const uint16_t method = u16(p + 10);
        uint64_t compressed = u32(p + 20), size = u32(p + 24);
        const uint16_t nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
        uint64_t local = u32(p + 42);
        need(p + 46, nameLen);
        const std::string name(reinterpret_cast<const char*>(b_ + p + 46), nameLen);
        // Zip64 sizes and offset live in extra field 0x0001, in this order, only where 0xFFFFFFFF.
        for (uint64_t e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
            const uint16_t id = u16(e), len = u16(e + 2);
            if (id == 1) {
                uint64_t q = e + 4;
                if (size == 0xFFFFFFFF) size = u64(q), q += 8;
                if (compressed == 0xFFFFFFFF) compressed = u64(q), q += 8;
                if (local == 0xFFFFFFFF) local = u64(q);
            }
            e += 4 + len;
        }
        if (u32(local) != 0x04034b50) fail_("broken zip local header for " + name);
        const uint64_t data = local + 30 + u16(local + 26) + u16(local + 28);
        if (method != 0)
            fail_("record " + name + " is compressed (method " + std::to_string(method) +
                  "); torch.save writes stored records");
        if (compressed != size) fail_("record " + name + " has inconsistent sizes");
        need(data, size);
        entries_[name] = {data, size};
        p += 46 + nameLen + extraLen + commentLen;
    }
}

}  // namespace photosearch
