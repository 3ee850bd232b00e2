#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace photosearch {

struct ZipEntry {
    uint64_t offset = 0;  // of the data
    uint64_t size = 0;
};

// The records of a zip archive in memory (torch.save's format): its central directory, zip64 included,
// read with every offset checked against the archive's size. Only stored (uncompressed) records, as
// torch.save writes them; anything else calls `fail`, which must throw.
class ZipIndex {
  public:
    ZipIndex(const uint8_t* base, uint64_t size, std::function<void(const std::string&)> fail)
        : b_(base), n_(size), fail_(std::move(fail)) {
        parse();
    }
    const std::map<std::string, ZipEntry>& entries() const { return entries_; }

  private:
    uint16_t u16(uint64_t o) const {
        need(o, 2);
        return uint16_t(b_[o] | b_[o + 1] << 8);
    }
    uint32_t u32(uint64_t o) const {
        need(o, 4);
        return uint32_t(u16(o)) | uint32_t(u16(o + 2)) << 16;
    }
    uint64_t u64(uint64_t o) const { return uint64_t(u32(o)) | uint64_t(u32(o + 4)) << 32; }
    void need(uint64_t o, uint64_t len) const {
        if (o > n_ || len > n_ - o) fail_("the zip structure points past the end of the file (truncated?)");
    }
    void parse();

    const uint8_t* b_;
    uint64_t n_;
    std::function<void(const std::string&)> fail_;
    std::map<std::string, ZipEntry> entries_;
};

}  // namespace photosearch
