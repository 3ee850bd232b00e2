#include "compressed_vectors.h"

#include "align_error.h"

#include <QFile>

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

namespace photosearch {

namespace {

constexpr char kMagic[8] = {'P', 'S', 'C', 'V', '4', '\1', '\0', '\0'};
constexpr int kMaxWeight = 127;  // see the class comment

// Vector codes (`half` bytes) against weights (2 x half: the low nibbles' values, then the high ones').
int32_t dotPortable(const uint8_t* codes, const int8_t* weights, int half) {
    int32_t sum = 0;
    for (int j = 0; j < half; ++j)
        sum += int32_t{codes[j] & 15} * weights[j] + int32_t{codes[j] >> 4} * weights[half + j];
    return sum;
}

// 32 bytes at a time: each nibble (unsigned) times its weight (signed), summed in pairs to 16 bits
// (|pair| <= 2 x 15 x 127; the two halves' pairs together <= 7620, no saturation), then in fours to 32 bits.
// Exactly dotPortable's integer.
__attribute__((target("avx2"))) int32_t dotAvx2(const uint8_t* codes, const int8_t* weights, int half) {
    __m256i sum = _mm256_setzero_si256();
    const __m256i ones = _mm256_set1_epi16(1), nibble = _mm256_set1_epi8(15);
    int j = 0;
    for (; j + 32 <= half; j += 32) {
        const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + j));
        const __m256i low = _mm256_and_si256(c, nibble);
        const __m256i high = _mm256_and_si256(_mm256_srli_epi16(c, 4), nibble);
        const __m256i wl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(weights + j));
        const __m256i wh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(weights + half + j));
        const __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(low, wl), _mm256_maddubs_epi16(high, wh));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, ones));
    }
    __m128i part = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    part = _mm_hadd_epi32(part, part);
    part = _mm_hadd_epi32(part, part);
    int32_t rest = 0;
    for (; j < half; ++j)
        rest += int32_t{codes[j] & 15} * weights[j] + int32_t{codes[j] >> 4} * weights[half + j];
    return _mm_cvtsi128_si32(part) + rest;
}

// The sum of the sixteen 32-bit lanes (GCC 12's _mm512_reduce_add_epi32 reads an undefined register on the
// way and warns).
__attribute__((target("avx512f"))) int32_t laneSum(__m512i v) {
    // The masked forms, all lanes kept: the unmasked ones start from an undefined register.
    const __mmask8 all64 = 0xFF;
    const __mmask16 all32 = 0xFFFF;
    v = _mm512_add_epi32(v, _mm512_maskz_shuffle_i64x2(all64, v, v, 0xEE));  // 128-bit lanes 2, 3 onto 0, 1
    v = _mm512_add_epi32(v, _mm512_maskz_shuffle_i64x2(all64, v, v, 0x01));  // lane 1 onto 0
    v = _mm512_add_epi32(v, _mm512_maskz_shuffle_epi32(all32, v, _MM_PERM_BADC));
    v = _mm512_add_epi32(v, _mm512_maskz_shuffle_epi32(all32, v, _MM_PERM_CDAB));
    return _mm512_cvtsi512_si32(v);
}

// 64 bytes at a time with AVX-512 VNNI: each nibble (unsigned) times its weight (signed), summed in fours
// straight to 32 bits, exactly. The weights stay in registers for a block of rows; the last partial 64
// bytes are read with a mask (the rest counts as zero). Exactly dotPortable's integers.
constexpr int kVnniMaxBlocks = 8;  // half <= 512 bytes (dim <= 1024); wider vectors use AVX2
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void scoreVnni(const uint8_t* codes,
                                                                      const int8_t* weights, int half,
                                                                      int64_t rows, int32_t* out) {
    const int blocks = (half + 63) / 64;
    const __mmask64 tail = half % 64 == 0 ? ~__mmask64{0} : (__mmask64{1} << (half % 64)) - 1;
    const __m512i nibble = _mm512_set1_epi8(15);
    __m512i low[kVnniMaxBlocks], high[kVnniMaxBlocks];
    for (int b = 0; b < blocks; ++b) {
        const __mmask64 m = b + 1 == blocks ? tail : ~__mmask64{0};
        low[b] = _mm512_maskz_loadu_epi8(m, weights + 64 * b);
        high[b] = _mm512_maskz_loadu_epi8(m, weights + half + 64 * b);
    }
    for (int64_t r = 0; r < rows; ++r) {
        const uint8_t* c = codes + r * half;
        __m512i sum = _mm512_setzero_si512();
        for (int b = 0; b < blocks; ++b) {
            const __m512i v = _mm512_maskz_loadu_epi8(b + 1 == blocks ? tail : ~__mmask64{0}, c + 64 * b);
            sum = _mm512_dpbusd_epi32(sum, _mm512_and_si512(v, nibble), low[b]);
            sum = _mm512_dpbusd_epi32(sum, _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble), high[b]);
        }
        out[r] = laneSum(sum);
    }
}

template <int32_t (*dot)(const uint8_t*, const int8_t*, int)>
void scoreRows(const uint8_t* codes, const int8_t* weights, int half, int64_t rows, int32_t* out) {
    for (int64_t r = 0; r < rows; ++r) out[r] = dot(codes + r * half, weights, half);
}

using ScoreRows = void (*)(const uint8_t*, const int8_t*, int, int64_t, int32_t*);

bool cpuHas(CompressedVectors::Kernel k) {
    switch (k) {
        case CompressedVectors::Kernel::Portable:
            return true;
        case CompressedVectors::Kernel::Avx2:
            return __builtin_cpu_supports("avx2");
        case CompressedVectors::Kernel::Avx512Vnni:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vnni");
    }
    return false;
}

std::atomic<int> chosenKernel{-1};  // -1: the best the CPU has

struct Hit {
    int32_t score;
    int64_t id;
    int64_t row;
};
// Best first; equal scores by id, so the same candidates come out whatever the number of threads.
bool better(const Hit& a, const Hit& b) { return a.score != b.score ? a.score > b.score : a.id < b.id; }

// Keeps the `count` best hits among those offered (count >= 1).
class BestHits {
  public:
    explicit BestHits(size_t count) : count_(count) { hits_.reserve(std::min<size_t>(4 * count, 1 << 20)); }
    void offer(const Hit& hit) {
        if (hits_.size() >= count_ && hit.score < floor_) return;
        hits_.push_back(hit);
        if (hits_.size() >= std::max<size_t>(4 * count_, 1024)) shrink();
    }
    std::vector<Hit> take() {
        shrink();
        std::sort(hits_.begin(), hits_.end(), better);
        return std::move(hits_);
    }

  private:
    void shrink() {
        if (hits_.size() <= count_) return;
        std::nth_element(hits_.begin(), hits_.begin() + static_cast<std::ptrdiff_t>(count_ - 1), hits_.end(),
                         better);
        hits_.resize(count_);
        floor_ = std::min_element(hits_.begin(), hits_.end(), [](const Hit& a, const Hit& b) {
                     return a.score < b.score;
                 })->score;
    }
    size_t count_;
    std::vector<Hit> hits_;
    int32_t floor_ = INT32_MIN;
};

}  // namespace

std::vector<CompressedVectors::Kernel> CompressedVectors::kernelsOnThisCpu() {
    std::vector<Kernel> out;
    for (const Kernel k : {Kernel::Portable, Kernel::Avx2, Kernel::Avx512Vnni})
        if (cpuHas(k)) out.push_back(k);
    return out;
}
void CompressedVectors::useKernel(Kernel kernel) { chosenKernel = static_cast<int>(kernel); }
void CompressedVectors::useBestKernel() { chosenKernel = -1; }

CompressedVectors::CompressedVectors(int dim, const float* sample, int64_t rows)
    : dim_(dim), low_(static_cast<size_t>(dim)), step_(static_cast<size_t>(dim)) {
    // The sample's range, widened to at least 4 standard deviations of a random unit vector's values.
    const float spread = 4.0f / std::sqrt(static_cast<float>(std::max(dim, 1)));
    for (int j = 0; j < dim; ++j) {
        float lo = rows > 0 ? sample[j] : 0.0f, hi = lo;
        for (int64_t r = 1; r < rows; ++r) {
            const float x = sample[r * dim + j];
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
        lo = std::min(lo, -spread);
        hi = std::max(hi, spread);
        low_[static_cast<size_t>(j)] = lo;
        step_[static_cast<size_t>(j)] = (hi - lo) / 15.0f;
    }
    half_ = (dim + 1) / 2;
}

void CompressedVectors::add(const std::vector<int64_t>& ids, const float* vectors) {
    const size_t d = static_cast<size_t>(dim_), bytes = static_cast<size_t>(half_);
    for (size_t i = 0; i < ids.size(); ++i) {
        auto [it, added] = rowOf_.emplace(ids[i], size());
        if (added) {
            ids_.push_back(ids[i]);
            codes_.resize(codes_.size() + bytes);
        }
        uint8_t* code = codes_.data() + static_cast<size_t>(it->second) * bytes;
        std::fill(code, code + bytes, uint8_t{0});
        const float* v = vectors + i * d;
        for (size_t j = 0; j < d; ++j) {
            const long c = std::isfinite(v[j]) ? std::lrint((v[j] - low_[j]) / step_[j]) : 0;
            const auto nibble = static_cast<uint8_t>(std::clamp<long>(c, 0, 15));
            if (j < bytes)
                code[j] |= nibble;
            else
                code[j - bytes] |= static_cast<uint8_t>(nibble << 4);
        }
    }
}

void CompressedVectors::remove(const std::vector<int64_t>& ids) {
    const size_t d = static_cast<size_t>(half_);
    for (int64_t id : ids) {
        const auto it = rowOf_.find(id);
        if (it == rowOf_.end()) continue;
        // The last row moves into the hole.
        const size_t row = static_cast<size_t>(it->second), last = ids_.size() - 1;
        rowOf_.erase(it);
        if (row != last) {
            ids_[row] = ids_[last];
            std::memcpy(codes_.data() + row * d, codes_.data() + last * d, d);
            rowOf_[ids_[row]] = static_cast<int64_t>(row);
        }
        ids_.pop_back();
        codes_.resize(last * d);
    }
}

std::vector<CompressedVectors::Candidate> CompressedVectors::best(const float* query, int64_t count,
                                                                  int threads) const {
    const int64_t n = size();
    count = std::min(count, n);
    if (count <= 0) return {};
    // The query's weights for the codes, as 7-bit integers, and what they leave out.
    double base = 0, largest = 0;
    for (size_t j = 0; j < low_.size(); ++j) {
        base += double(query[j]) * low_[j];
        largest = std::max(largest, std::fabs(double(query[j]) * step_[j]));
    }
    const double scale = largest > 0 ? kMaxWeight / largest : 0;
    std::vector<int8_t> weights(2 * static_cast<size_t>(half_), 0);  // an odd dim's last weight stays 0
    for (size_t j = 0; j < low_.size(); ++j)
        weights[j] = static_cast<int8_t>(std::lrint(double(query[j]) * step_[j] * scale));

    Kernel kernel = chosenKernel < 0 ? kernelsOnThisCpu().back() : static_cast<Kernel>(chosenKernel.load());
    if (kernel == Kernel::Avx512Vnni && (half_ + 63) / 64 > kVnniMaxBlocks) kernel = Kernel::Avx2;
    if (!cpuHas(kernel)) kernel = Kernel::Portable;
    const ScoreRows score = kernel == Kernel::Avx512Vnni ? scoreVnni
                            : kernel == Kernel::Avx2     ? scoreRows<dotAvx2>
                                                         : scoreRows<dotPortable>;
    const int parts = static_cast<int>(std::clamp<int64_t>(n / 32768, 1, std::max(1, threads)));
    std::vector<std::vector<Hit>> found(static_cast<size_t>(parts));
    auto scan = [&](int part) {
        BestHits hits(static_cast<size_t>(count));
        constexpr int64_t kRows = 256;  // scored together, then offered
        int32_t scores[kRows];
        const int64_t end = n * (part + 1) / parts;
        for (int64_t row = n * part / parts; row < end; row += kRows) {
            const int64_t rows = std::min(kRows, end - row);
            score(codes_.data() + row * half_, weights.data(), half_, rows, scores);
            for (int64_t i = 0; i < rows; ++i)
                hits.offer({scores[i], ids_[static_cast<size_t>(row + i)], row + i});
        }
        found[static_cast<size_t>(part)] = hits.take();
    };
    std::vector<std::thread> helpers;
    for (int part = 1; part < parts; ++part) helpers.emplace_back(scan, part);
    scan(0);
    for (std::thread& t : helpers) t.join();
    BestHits all(static_cast<size_t>(count));
    for (const auto& part : found)
        for (const Hit& hit : part) all.offer(hit);
    std::vector<Candidate> out;
    for (const Hit& hit : all.take())
        out.push_back({hit.id, static_cast<float>(base + (scale > 0 ? hit.score / scale : 0))});
    return out;
}

bool CompressedVectors::decode(int64_t id, std::vector<float>& out) const {
    const auto it = rowOf_.find(id);
    if (it == rowOf_.end()) return false;
    out.resize(static_cast<size_t>(dim_));
    const size_t half = static_cast<size_t>(half_);
    const uint8_t* code = codes_.data() + static_cast<size_t>(it->second) * half;
    for (size_t j = 0; j < out.size(); ++j)
        out[j] = low_[j] + step_[j] * static_cast<float>(j < half ? code[j] & 15 : code[j - half] >> 4);
    return true;
}

bool CompressedVectors::writeTo(std::FILE* file) const {
    const int64_t header[2] = {dim_, size()};
    auto put = [&](const void* data, size_t bytes) { return std::fwrite(data, 1, bytes, file) == bytes; };
    return put(kMagic, sizeof kMagic) && put(header, sizeof header) &&
           put(low_.data(), low_.size() * sizeof(float)) && put(step_.data(), step_.size() * sizeof(float)) &&
           put(ids_.data(), ids_.size() * sizeof(int64_t)) && put(codes_.data(), codes_.size());
}

bool CompressedVectors::isOurs(const QByteArray& head) {
    return head.startsWith(QByteArray::fromRawData(kMagic, sizeof kMagic));
}

std::unique_ptr<CompressedVectors> CompressedVectors::readFrom(const QString& path, int dim) {
    QFile f(path);
    const std::string name = path.toStdString();
    if (!f.open(QIODevice::ReadOnly))
        throw AlignError(name + ": unreadable: " + f.errorString().toStdString());
    int64_t header[2] = {0, 0};
    if (!isOurs(f.read(sizeof kMagic)) ||
        f.read(reinterpret_cast<char*>(header), sizeof header) != sizeof header)
        throw AlignError(name + ": not a PhotoSearch vector index");
    const int64_t count = header[1];
    const int64_t half = (int64_t{dim} + 1) / 2;
    const int64_t perVector = static_cast<int64_t>(sizeof(int64_t)) + half;
    const int64_t expected = static_cast<int64_t>(sizeof kMagic + sizeof header) + 8 * int64_t{dim};
    if (header[0] != dim || count < 0 || count > (f.size() - expected) / perVector ||
        expected + count * perVector != f.size())
        throw AlignError(name + ": not a PhotoSearch vector index of dimension " + std::to_string(dim) +
                         " (or cut short)");
    std::unique_ptr<CompressedVectors> out(new CompressedVectors);
    out->dim_ = dim;
    out->half_ = static_cast<int>(half);
    out->low_.resize(static_cast<size_t>(dim));
    out->step_.resize(static_cast<size_t>(dim));
    out->ids_.resize(static_cast<size_t>(count));
    out->codes_.resize(static_cast<size_t>(count) * static_cast<size_t>(half));
    auto get = [&](void* data, size_t bytes) {
        return f.read(static_cast<char*>(data), static_cast<qint64>(bytes)) == static_cast<qint64>(bytes);
    };
    if (!get(out->low_.data(), out->low_.size() * sizeof(float)) ||
        !get(out->step_.data(), out->step_.size() * sizeof(float)) ||
        !get(out->ids_.data(), out->ids_.size() * sizeof(int64_t)) ||
        !get(out->codes_.data(), out->codes_.size()))
        throw AlignError(name + ": unreadable: " + f.errorString().toStdString());
    for (size_t j = 0; j < out->step_.size(); ++j)
        if (!std::isfinite(out->low_[j]) || !(out->step_[j] > 0) || !std::isfinite(out->step_[j]))
            throw AlignError(name + ": not a PhotoSearch vector index (its value ranges are not numbers)");
    out->rowOf_.reserve(out->ids_.size());
    for (size_t row = 0; row < out->ids_.size(); ++row)
        if (!out->rowOf_.emplace(out->ids_[row], static_cast<int64_t>(row)).second)
            throw AlignError(name + ": not a PhotoSearch vector index (an id appears twice)");
    return out;
}

}  // namespace photosearch
