#pragma once

#include "align_model.h"

#include <torch/torch.h>

#include <memory>

namespace photosearch {

// ALIGN's BERT text encoder and text projection run on oneDNN directly, for inference on the CPU. A query is
// a handful of tokens, so each dense layer is a matrix-vector product whose cost is reading its weights:
// LibTorch hands oneDNN (or OpenBLAS) the weights in their plain layout at every call. Here every dense
// weight is laid out once in the layout oneDNN's matrix multiplication asks for, the three attention
// projections are one product, the bias, GELU and each residual addition are post-ops of the product
// before them, and a layer's activations live in a few buffers.
//
// The arithmetic is the model's: float32 weights give AlignModel::getTextFeatures within float rounding.
// With bfloat16 weights on oneDNN (CPUs with AVX512_BF16) each product's inputs are rounded to bfloat16 and
// summed in float32. On CPUs without bfloat16 instructions the weights rounded to bfloat16 are multiplied by
// float32 rows with our AVX2 kernel (Bf16Dense): the float32 model with its dense weights rounded, to float
// rounding. Everything else (embeddings, attention, layer norms, the projection) stays float32.
// Thread-safe (one call at a time); uses the calling thread's OpenMP thread count, as LibTorch does.
class DnnlTextEncoder {
  public:
    // How the dense layers multiply.
    enum class Kernel {
        Float32,       // oneDNN, float32 weights
        Bfloat16,      // oneDNN, bfloat16 weights and inputs (where the CPU has bfloat16 instructions)
        Bfloat16Avx2,  // our AVX2 kernel: bfloat16 weights widened in registers, float32 inputs
    };
    // Whether the encoder can run this text model: absolute positions and a GELU or ReLU activation.
    static bool supports(const AlignTextConfig& config);
    // Lays the dense weights out once for `kernel`; the model's own dense weights may be released
    // afterwards (AlignTextModelImpl::releaseDenseWeights). The embeddings, layer norms and the projection
    // are shared with the model, not copied. Throws AlignError if this CPU cannot run `kernel`.
    DnnlTextEncoder(const AlignModelImpl& model, Kernel kernel);
    ~DnnlTextEncoder();
    DnnlTextEncoder(const DnnlTextEncoder&) = delete;
    DnnlTextEncoder& operator=(const DnnlTextEncoder&) = delete;

    // inputIds and attentionMask [N, L] int64 (1 for real tokens, 0 for padding) -> [N, projection_dim],
    // as AlignModel::getTextFeatures. `layers` < 0 runs them all; otherwise the first `layers` only, and
    // the result is the whole last hidden state [N, L, H] (to compare a prefix with the model's).
    torch::Tensor features(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                           int layers = -1);

  private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

}  // namespace photosearch
