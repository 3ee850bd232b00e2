#pragma once

#include "align_config.h"
#include "model_layers.h"

#include <torch/torch.h>

#include <vector>

namespace photosearch {

struct TextOutput {
    torch::Tensor lastHiddenState;            // [N, L, H]
    torch::Tensor poolerOutput;               // [N, H]
    std::vector<torch::Tensor> hiddenStates;  // embeddings, then every layer's output (when asked)
    std::vector<torch::Tensor> attentions;    // every layer's attention probabilities (when asked)
};

// A dense layer whose weight may be stored in a narrower type than the activations (bfloat16 weights with
// float32 activations on CPUs with AVX512_BF16): the product is taken in the weight's type with float
// accumulation, and the result and the bias are added back in the activations' type.
torch::Tensor dense(const LinearLayer& layer, const torch::Tensor& x);
// Converts the layer's weight (not its bias) to `type`, for dense().
void storeWeightAs(const LinearLayer& layer, torch::ScalarType type);

struct AlignTextSelfAttentionImpl : torch::nn::Module {
    explicit AlignTextSelfAttentionImpl(const AlignTextConfig& config);
    // Returns the context and the attention probabilities.
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& hidden,
                                                    const torch::Tensor& additiveMask);

    int heads, headSize, maxPositions;
    std::string positionType;
    LinearLayer query{nullptr}, key{nullptr}, value{nullptr};
    EmbeddingLayer distanceEmbedding{nullptr};
};
TORCH_MODULE(AlignTextSelfAttention);

struct AlignTextLayerImpl : torch::nn::Module {
    explicit AlignTextLayerImpl(const AlignTextConfig& config);
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& hidden,
                                                    const torch::Tensor& additiveMask);

    std::string act;
    AlignTextSelfAttention selfAttention{nullptr};
    LinearLayer attentionDense{nullptr}, intermediateDense{nullptr}, outputDense{nullptr};
    torch::nn::LayerNorm attentionNorm{nullptr}, outputNorm{nullptr};
};
TORCH_MODULE(AlignTextLayer);

// ALIGN's BERT text encoder: word + position + token-type embeddings, the transformer layers, the tanh
// pooler.
struct AlignTextModelImpl : torch::nn::Module {
    explicit AlignTextModelImpl(const AlignTextConfig& config);
    // attentionMask: 1 for real tokens, 0 for padding; tokenTypeIds may be undefined (all zeros).
    TextOutput forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                       const torch::Tensor& tokenTypeIds = {}, bool outputHiddenStates = false,
                       bool outputAttentions = false);
    // Stores the weights of every dense layer (85 of the 110 million parameters in BERT-base) in `type`;
    // activations, embeddings, layer norms and biases stay as they are. See dense().
    void storeDenseWeightsAs(torch::ScalarType type);
    // Empties the encoder layers' dense weights (a DnnlTextEncoder holds them laid out its own way);
    // forward() then fails with an error instead of computing.
    void releaseDenseWeights();

    AlignTextConfig config;
    EmbeddingLayer wordEmbeddings{nullptr}, positionEmbeddings{nullptr}, tokenTypeEmbeddings{nullptr};
    torch::nn::LayerNorm embeddingsNorm{nullptr};
    torch::nn::ModuleList layers{nullptr};
    LinearLayer poolerDense{nullptr};
};
TORCH_MODULE(AlignTextModel);

}  // namespace photosearch
