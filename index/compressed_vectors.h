#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <vector>

namespace photosearch {

// Unit vectors stored as 4-bit codes (half a byte a value, an eighth of float32), searched by scanning every
// code with integer arithmetic on all CPUs. Scores from codes are close, not exact (about 0.01); the caller
// re-ranks the best few hundred with the exact vectors (VectorIndex::search does).
//
// Value j is coded as round((x - low[j]) / step[j]) in 0..15, with low and step learned from a sample of the
// vectors (their range, and at least 4 standard deviations of a random unit vector's values, for vectors
// added later; a value past the range is coded as its end). A query q is scored against code c as
//   sum_j q[j] (low[j] + step[j] c[j]) = sum_j q[j] low[j] + sum_j (q[j] step[j]) c[j],
// the second sum in integers: q[j] step[j] rounded to 8-bit integers (|w| <= 127) multiplied with the codes
// exactly (AVX2's byte multiply-add sums pairs to 16 bits: 2 x 15 x 127 < 32768, no saturation; AVX-512
// VNNI's sums fours straight to 32 bits). The same integers come out of every kernel (portable, AVX2,
// AVX-512 VNNI), so every CPU finds the same candidates.
// Values j < half sit in the low nibbles of a vector's bytes, values j >= half in the high ones
// (half = dim rounded up to even, halved), so both halves unpack with one mask or one shift.
class CompressedVectors {
  public:
    struct Candidate {
        int64_t id = 0;
        float score = 0;  // from the codes
    };

    // The ways of scoring codes, slowest first. The best this CPU runs is used unless a test picks another.
    enum class Kernel { Portable, Avx2, Avx512Vnni };
    static std::vector<Kernel> kernelsOnThisCpu();  // Portable always, then what the CPU has
    static void useKernel(Kernel kernel);           // one of kernelsOnThisCpu()
    static void useBestKernel();

    // Learns the value ranges from `sample` (rows x dim, rows >= 1).
    CompressedVectors(int dim, const float* sample, int64_t rows);

    int dim() const { return dim_; }
    int64_t size() const { return static_cast<int64_t>(ids_.size()); }
    bool contains(int64_t id) const { return rowOf_.count(id) != 0; }

    // Adds (or replaces) `ids.size()` vectors (unit length, ids.size() x dim values).
    void add(const std::vector<int64_t>& ids, const float* vectors);
    void remove(const std::vector<int64_t>& ids);  // unknown ids are ignored
    // The `count` best by score from the codes, best first; the scan runs on up to `threads` threads.
    std::vector<Candidate> best(const float* query, int64_t count, int threads) const;
    // The vector as its codes give it back.
    bool decode(int64_t id, std::vector<float>& out) const;

    // Written to `file` as it is in memory; false when a write failed.
    bool writeTo(std::FILE* file) const;
    static bool isOurs(const QByteArray& head);  // whether a file starting with `head` is one of ours
    // Reads what writeTo() wrote for `dim` values; throws AlignError on anything else (sizes are checked
    // against the file's before anything is allocated).
    static std::unique_ptr<CompressedVectors> readFrom(const QString& path, int dim);

  private:
    CompressedVectors() = default;
    int dim_ = 0;
    std::vector<float> low_, step_;
    std::vector<int64_t> ids_;
    std::vector<uint8_t> codes_;  // size() x bytes_
    int half_ = 0;                // bytes a vector: values [0, half) low nibbles, [half, dim) high
    std::unordered_map<int64_t, int64_t> rowOf_;
};

}  // namespace photosearch
