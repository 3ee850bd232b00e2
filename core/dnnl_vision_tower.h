#pragma once

#include "align_vision_model.h"

#include <torch/torch.h>

#include <memory>

namespace photosearch {

// ALIGN's image tower run on oneDNN directly, for float32 inference on the CPU. LibTorch calls oneDNN for
// every convolution too, but hands it plain tensors each time: every call converts its input into oneDNN's
// blocked layout and its output back, swish runs as a separate pass over memory, and squeeze-and-excitation's
// 1x1 convolutions take LibTorch's slow im2col path. Here the activations stay in the layout oneDNN picks for
// the whole tower, swish (and the excitation's sigmoid, and each residual addition) are post-ops of the
// convolution before them, and three activation buffers are reused from block to block.
//
// The arithmetic is the model's: the same folded convolutions, swish computed by oneDNN's own kernel (as
// LibTorch's convolution already is), so the pooled features equal AlignVisionModel's within float rounding.
// Thread-safe (one call at a time); uses the calling thread's OpenMP thread count, as LibTorch does.
class DnnlVisionTower {
  public:
    // Whether the tower can run `model`: its batch norms folded, swish activations.
    static bool supports(const AlignVisionModelImpl& model);
    // Converts the weights once into oneDNN's layouts (the model's own tensors are not kept).
    // `blocks` < 0 runs them all; otherwise only the first `blocks` MBConv blocks, pooled as the last one
    // would be (to compare a prefix of the tower with the model's hidden states).
    explicit DnnlVisionTower(const AlignVisionModelImpl& model, int blocks = -1);
    ~DnnlVisionTower();
    DnnlVisionTower(const DnnlVisionTower&) = delete;
    DnnlVisionTower& operator=(const DnnlVisionTower&) = delete;

    // pixelValues [N, 3, H, W] float32 on the CPU -> the pooler output [N, C], as
    // AlignVisionModel::forward(pixelValues).poolerOutput.
    torch::Tensor pooled(const torch::Tensor& pixelValues);

  private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

}  // namespace photosearch
