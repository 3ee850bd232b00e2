#pragma once

#include <torch/torch.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <vector>

namespace photosearch {

// A float32 contiguous CPU tensor with the values of `t` (the same storage when it already is one).
torch::Tensor floatValues(const torch::Tensor& t);

// A layer's weights for oneDNN primitives that each ask for their own layout. The first layout asked for is
// made from the plain values by a reorder (which also rounds to bfloat16 when the layout asks for it); after
// that the plain values are released, so one copy of the weights stays in memory. A primitive that asks for
// yet another layout (another batch or row count can) gets it reordered from the first.
class DnnlWeights {
  public:
    DnnlWeights() = default;
    // `values` is kept (shared, not copied) until the first layout is made; `plain` describes it.
    DnnlWeights(torch::Tensor values, const dnnl::memory::desc& plain, const dnnl::engine& engine);

    // The weights in `layout`, made on first use.
    dnnl::memory in(const dnnl::memory::desc& layout, dnnl::stream& stream);

  private:
    torch::Tensor values_;
    dnnl::memory plain_;
    std::vector<dnnl::memory> layouts_;
};

}  // namespace photosearch
