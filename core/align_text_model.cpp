#include "align_text_model.h"

#include "activation.h"

#include <cmath>
#include <limits>

namespace photosearch {

namespace {

namespace nn = torch::nn;

struct Holder : nn::Module {};

nn::LayerNorm layerNorm(const AlignTextConfig& c) {
    return nn::LayerNorm(nn::LayerNormOptions({c.hiddenSize}).eps(c.layerNormEps));
}

}  // namespace

torch::Tensor dense(const LinearLayer& layer, const torch::Tensor& x) {
    const auto& w = layer->weight;
    if (w.scalar_type() == x.scalar_type()) return torch::linear(x, w, layer->bias);
    const auto product = torch::linear(x.to(w.scalar_type()), w).to(x.scalar_type());
    return layer->bias.defined() ? product + layer->bias.to(x.scalar_type()) : product;
}

void storeWeightAs(const LinearLayer& layer, torch::ScalarType type) {
    torch::NoGradGuard noGrad;
    layer->weight.set_data(layer->weight.to(type));
}

AlignTextSelfAttentionImpl::AlignTextSelfAttentionImpl(const AlignTextConfig& c)
    : heads(c.numAttentionHeads),
      headSize(c.hiddenSize / c.numAttentionHeads),
      maxPositions(c.maxPositionEmbeddings),
      positionType(c.positionEmbeddingType) {
    query = register_module("query", LinearLayer(c.hiddenSize, c.hiddenSize));
    key = register_module("key", LinearLayer(c.hiddenSize, c.hiddenSize));
    value = register_module("value", LinearLayer(c.hiddenSize, c.hiddenSize));
    if (positionType != "absolute")
        distanceEmbedding =
            register_module("distance_embedding", EmbeddingLayer(2 * maxPositions - 1, headSize));
}

std::pair<torch::Tensor, torch::Tensor> AlignTextSelfAttentionImpl::forward(
    const torch::Tensor& hidden, const torch::Tensor& additiveMask) {
    const int64_t n = hidden.size(0), len = hidden.size(1);
    auto split = [&](const torch::Tensor& t) {
        return t.view({n, len, heads, headSize}).permute({0, 2, 1, 3});
    };
    const auto q = split(dense(query, hidden)), k = split(dense(key, hidden)),
               v = split(dense(value, hidden));
    auto scores = torch::matmul(q, k.transpose(-1, -2));
    if (positionType != "absolute") {
        const auto opts = torch::TensorOptions().dtype(torch::kLong).device(hidden.device());
        const auto distance = torch::arange(len, opts).view({-1, 1}) - torch::arange(len, opts).view({1, -1});
        const auto positional = distanceEmbedding(distance + maxPositions - 1).to(q.dtype());
        scores = scores + torch::einsum("bhld,lrd->bhlr", {q, positional});
        if (positionType == "relative_key_query")
            scores = scores + torch::einsum("bhrd,lrd->bhlr", {k, positional});
    }
    scores = scores / std::sqrt(static_cast<double>(headSize)) + additiveMask;
    const auto probs = torch::softmax(scores, -1);
    const auto context = torch::matmul(probs, v).permute({0, 2, 1, 3}).reshape({n, len, heads * headSize});
    return {context, probs};
}

AlignTextLayerImpl::AlignTextLayerImpl(const AlignTextConfig& c) : act(c.hiddenAct) {
    auto attention = std::make_shared<Holder>();
    selfAttention = attention->register_module("self", AlignTextSelfAttention(c));
    auto attentionOutput = std::make_shared<Holder>();
    attentionDense = attentionOutput->register_module("dense", LinearLayer(c.hiddenSize, c.hiddenSize));
    attentionNorm = attentionOutput->register_module("LayerNorm", layerNorm(c));
    attention->register_module("output", attentionOutput);
    register_module("attention", attention);

    auto intermediate = std::make_shared<Holder>();
    intermediateDense = intermediate->register_module("dense", LinearLayer(c.hiddenSize, c.intermediateSize));
    register_module("intermediate", intermediate);

    auto output = std::make_shared<Holder>();
    outputDense = output->register_module("dense", LinearLayer(c.intermediateSize, c.hiddenSize));
    outputNorm = output->register_module("LayerNorm", layerNorm(c));
    register_module("output", output);
}

std::pair<torch::Tensor, torch::Tensor> AlignTextLayerImpl::forward(const torch::Tensor& hidden,
                                                                    const torch::Tensor& additiveMask) {
    auto [context, probs] = selfAttention(hidden, additiveMask);
    const auto attended = attentionNorm(dense(attentionDense, context) + hidden);
    const auto out =
        outputNorm(dense(outputDense, applyActivation(act, dense(intermediateDense, attended))) + attended);
    return {out, probs};
}

AlignTextModelImpl::AlignTextModelImpl(const AlignTextConfig& c) : config(c) {
    auto embeddings = std::make_shared<Holder>();
    wordEmbeddings = embeddings->register_module("word_embeddings",
                                                 EmbeddingLayer(c.vocabSize, c.hiddenSize, c.padTokenId));
    positionEmbeddings = embeddings->register_module("position_embeddings",
                                                     EmbeddingLayer(c.maxPositionEmbeddings, c.hiddenSize));
    tokenTypeEmbeddings =
        embeddings->register_module("token_type_embeddings", EmbeddingLayer(c.typeVocabSize, c.hiddenSize));
    embeddingsNorm = embeddings->register_module("LayerNorm", layerNorm(c));
    register_module("embeddings", embeddings);

    auto encoder = std::make_shared<Holder>();
    layers = encoder->register_module("layer", nn::ModuleList());
    for (int i = 0; i < c.numHiddenLayers; ++i) layers->push_back(AlignTextLayer(c));
    register_module("encoder", encoder);

    auto pooler = std::make_shared<Holder>();
    poolerDense = pooler->register_module("dense", LinearLayer(c.hiddenSize, c.hiddenSize));
    register_module("pooler", pooler);
}

TextOutput AlignTextModelImpl::forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                       const torch::Tensor& tokenTypeIds, bool outputHiddenStates,
                                       bool outputAttentions) {
    const int64_t len = inputIds.size(1);
    TORCH_CHECK(len <= config.maxPositionEmbeddings, "text of ", len,
                " tokens is longer than max_position_embeddings ", config.maxPositionEmbeddings);
    const auto types = tokenTypeIds.defined() ? tokenTypeIds : torch::zeros_like(inputIds);
    auto x = wordEmbeddings(inputIds) + tokenTypeEmbeddings(types);
    if (config.positionEmbeddingType == "absolute") {
        const auto positions = torch::arange(len, inputIds.options()).unsqueeze(0);
        x = x + positionEmbeddings(positions);
    }
    x = embeddingsNorm(x);

    // Padding gets the most negative float added before the softmax, as Hugging Face does.
    const auto mask = attentionMask.to(x.dtype()).unsqueeze(1).unsqueeze(2);
    // torch.finfo(dtype).min, as Hugging Face uses: float's lowest would be -inf in half precision.
    const double lowest = x.scalar_type() == torch::kHalf ? -65504.0
                          : x.scalar_type() == torch::kBFloat16
                              ? -3.38953139e38
                              : static_cast<double>(std::numeric_limits<float>::lowest());
    const auto additive = (1.0 - mask) * lowest;

    TextOutput out;
    if (outputHiddenStates) out.hiddenStates.push_back(x);
    for (const auto& layer : *layers) {
        auto [next, probs] = layer->as<AlignTextLayer>()->forward(x, additive);
        x = next;
        if (outputHiddenStates) out.hiddenStates.push_back(x);
        if (outputAttentions) out.attentions.push_back(probs);
    }
    out.lastHiddenState = x;
    out.poolerOutput = torch::tanh(dense(poolerDense, x.select(1, 0)));
    return out;
}

void AlignTextModelImpl::storeDenseWeightsAs(torch::ScalarType type) {
    for (const auto& module : *layers) {
        const auto& layer = *module->as<AlignTextLayer>();
        for (const auto* l :
             {&layer.selfAttention->query, &layer.selfAttention->key, &layer.selfAttention->value,
              &layer.attentionDense, &layer.intermediateDense, &layer.outputDense})
            storeWeightAs(*l, type);
    }
    storeWeightAs(poolerDense, type);
}

void AlignTextModelImpl::releaseDenseWeights() {
    torch::NoGradGuard noGrad;
    for (const auto& module : *layers) {
        const auto& layer = *module->as<AlignTextLayer>();
        for (const auto* l :
             {&layer.selfAttention->query, &layer.selfAttention->key, &layer.selfAttention->value,
              &layer.attentionDense, &layer.intermediateDense, &layer.outputDense})
            (*l)->weight.set_data(torch::empty({0}));
    }
}

}  // namespace photosearch
