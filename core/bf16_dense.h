#pragma once

#include <cstdint>
#include <vector>

namespace photosearch {

// A dense layer's weights rounded to bfloat16 and multiplied on CPUs without bfloat16 instructions (AVX2 with
// FMA): each weight is widened back to float32 in registers, the rows stay float32, and every output is one
// float32 sum over the inputs in order. The result is the float32 product with the weights rounded to
// bfloat16, to float rounding; it reads half the bytes of float32 weights, which is what a query's few rows
// cost (BERT-base: 170 MB instead of 340 MB per query).
//
// The weights are packed once in panels of 16 outputs, [in][16] each, so the kernel keeps up to 6 rows x 16
// outputs in registers and reads each panel from memory once.
class Bf16Dense {
  public:
    // Whether this CPU (and its operating system) runs the kernel: AVX2 and FMA.
    static bool cpuSupported();
    Bf16Dense() = default;
    // `weight` is [out, in] float32, row-major (torch's nn.Linear layout); copied, rounded to bfloat16 by
    // LibTorch's own conversion (to nearest even) and packed.
    Bf16Dense(const float* weight, int64_t out, int64_t in);

    int64_t in() const { return in_; }
    int64_t out() const { return out_; }
    bool empty() const { return out_ == 0; }

    // dst[r, o] = (accumulate ? dst[r, o] : 0) + (bias[o] + sum_i src[r, i] * weight[o, i]) for `rows` rows;
    // src is [rows, in], dst [rows, out], both row-major; bias may be null. Threads: the calling thread's
    // OpenMP count, over panels of outputs. Throws AlignError if the CPU cannot run it.
    void apply(const float* src, int64_t rows, const float* bias, float* dst, bool accumulate) const;

  private:
    int64_t in_ = 0, out_ = 0, panels_ = 0;
    std::vector<uint16_t> packed_;
};

}  // namespace photosearch
