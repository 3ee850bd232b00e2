#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>

namespace photosearch {

// Dense, convolution and embedding layers holding what torch::nn's Linear, Conv2d and Embedding hold, under
// the same parameter names, without the random initialisation those constructors do: it drew ~170 million
// random numbers one at a time, 0.7-0.9 s of the full-size model's 1.0 s load, for values the checkpoint
// then overwrote. Here the parameters are only allocated. ModelWeights::loadInto fills every one of them
// (it refuses a checkpoint that lacks one); initializeRandomly() fills them as torch::nn would, for a
// benchmark's random model.

struct LinearLayerImpl : torch::nn::Module {
    LinearLayerImpl(int64_t in, int64_t out, bool bias = true);
    torch::Tensor forward(const torch::Tensor& x) { return torch::linear(x, weight, bias); }
    torch::Tensor weight, bias;  // [out, in], [out] (undefined without bias)
};
TORCH_MODULE(LinearLayer);

struct Conv2dLayerImpl : torch::nn::Module {
    // Integer padding only (what ALIGN's convolutions use).
    explicit Conv2dLayerImpl(const torch::nn::Conv2dOptions& options);
    torch::Tensor forward(const torch::Tensor& x) { return convolve(x, bias); }
    // With `withBias` in place of the layer's own bias (a batch norm folded into it).
    torch::Tensor convolve(const torch::Tensor& x, const torch::Tensor& withBias) const;
    torch::nn::Conv2dOptions options;
    torch::Tensor weight, bias;  // [out, in / groups, kh, kw], [out] (undefined without bias)
};
TORCH_MODULE(Conv2dLayer);

struct EmbeddingLayerImpl : torch::nn::Module {
    EmbeddingLayerImpl(int64_t count, int64_t dim, std::optional<int64_t> paddingIdx = std::nullopt);
    torch::Tensor forward(const torch::Tensor& ids) {
        return torch::embedding(weight, ids, paddingIdx.value_or(-1));
    }
    torch::Tensor weight;  // [count, dim]
    std::optional<int64_t> paddingIdx;
};
TORCH_MODULE(EmbeddingLayer);

// Fills every layer above in `module` (recursively) as torch::nn's constructors would: weights and biases
// uniform in +-1/sqrt(fan in) (Kaiming uniform with a = sqrt(5)), embeddings standard normal with the padding
// row zero. Other modules keep what their constructors gave them.
void initializeRandomly(torch::nn::Module& module);

}  // namespace photosearch
