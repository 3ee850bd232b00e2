#include "align_vision_model.h"

#include "activation.h"
#include "align_error.h"

#include <algorithm>

namespace photosearch {

namespace {

namespace nn = torch::nn;

nn::BatchNorm2d batchNorm(const AlignVisionConfig& c, int channels) {
    // PyTorch's momentum is 1 - TensorFlow's; irrelevant at inference, kept for fidelity.
    return nn::BatchNorm2d(
        nn::BatchNorm2dOptions(channels).eps(c.batchNormEps).momentum(1.0 - c.batchNormMomentum));
}

Conv2dLayer pointwise(int in, int out, bool bias) {
    return Conv2dLayer(nn::Conv2dOptions(in, out, 1).bias(bias));
}

// A named container whose children get the Hugging Face sub-module names.
struct Holder : nn::Module {};

// Folds `bn` into `conv` (in place) and returns the bias the folded convolution needs.
torch::Tensor fold(Conv2dLayer& conv, nn::BatchNorm2d& bn) {
    torch::NoGradGuard noGrad;
    const auto scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
    conv->weight.mul_(scale.reshape({-1, 1, 1, 1}));
    auto bias = bn->bias - bn->running_mean * scale;
    if (conv->bias.defined()) bias = bias + conv->bias * scale;
    return bias.contiguous();
}

// conv (+ batch norm): the folded convolution with its bias, or the module pair.
torch::Tensor convBn(const torch::Tensor& x, Conv2dLayer& conv, nn::BatchNorm2d& bn,
                     const torch::Tensor& foldedBias) {
    if (!foldedBias.defined()) return bn(conv(x));
    return conv->convolve(x, foldedBias);
}

}  // namespace

AlignVisionEmbeddingsImpl::AlignVisionEmbeddingsImpl(const AlignVisionConfig& c) : act(c.hiddenAct) {
    const int out = c.roundFilters(32);
    convolution = register_module(
        "convolution",
        Conv2dLayer(nn::Conv2dOptions(c.numChannels, out, 3).stride(2).padding(0).bias(false)));
    batchnorm = register_module("batchnorm", batchNorm(c, out));
}

torch::Tensor AlignVisionEmbeddingsImpl::forward(const torch::Tensor& pixelValues) {
    auto x = torch::constant_pad_nd(pixelValues, {0, 1, 0, 1});
    return applyActivation(act, convBn(x, convolution, batchnorm, fusedBias));
}

AlignVisionBlockImpl::AlignVisionBlockImpl(const AlignVisionConfig& c, int inDim, int outDim, int stride_,
                                           int expandRatio, int kernelSize_, bool idSkip, bool adjustPadding)
    : stride(stride_),
      kernelSize(kernelSize_),
      expand(expandRatio != 1),
      residual(stride_ == 1 && !idSkip),
      act(c.hiddenAct) {
    const int expanded = inDim * expandRatio;
    const int dw = expand ? expanded : inDim;
    if (expand) {
        auto holder = std::make_shared<Holder>();
        expandConv = holder->register_module("expand_conv", pointwise(inDim, expanded, false));
        expandBn = holder->register_module("expand_bn", batchNorm(c, expanded));
        expansion = register_module("expansion", holder);
    }
    {
        auto holder = std::make_shared<Holder>();
        // Stride 1 is "same" padding; stride 2 pads explicitly (TensorFlow's correct_pad), then "valid".
        const int p = stride == 2 ? 0 : kernelSize / 2;
        depthwiseConv = holder->register_module(
            "depthwise_conv",
            Conv2dLayer(
                nn::Conv2dOptions(dw, dw, kernelSize).stride(stride).padding(p).groups(dw).bias(false)));
        depthwiseNorm = holder->register_module("depthwise_norm", batchNorm(c, dw));
        depthwise = register_module("depthwise_conv", holder);
        const int64_t k = kernelSize / 2;
        pad = adjustPadding ? std::array<int64_t, 4>{k - 1, k, k - 1, k} : std::array<int64_t, 4>{k, k, k, k};
    }
    {
        auto holder = std::make_shared<Holder>();
        const int dimSe = std::max(1, static_cast<int>(inDim * c.squeezeExpansionRatio));
        reduce = holder->register_module("reduce", pointwise(dw, dimSe, true));
        expandSe = holder->register_module("expand", pointwise(dimSe, dw, true));
        squeezeExcite = register_module("squeeze_excite", holder);
    }
    {
        auto holder = std::make_shared<Holder>();
        projectConv = holder->register_module("project_conv", pointwise(dw, outDim, false));
        projectBn = holder->register_module("project_bn", batchNorm(c, outDim));
        projection = register_module("projection", holder);
    }
}

torch::Tensor AlignVisionBlockImpl::forward(const torch::Tensor& input) {
    torch::Tensor x = input;
    if (expand) x = applyActivation(act, convBn(x, expandConv, expandBn, expandBias));
    if (stride == 2) x = torch::constant_pad_nd(x, {pad[0], pad[1], pad[2], pad[3]});
    x = applyActivation(act, convBn(x, depthwiseConv, depthwiseNorm, depthwiseBias));
    auto se = x.mean({2, 3}, /*keepdim=*/true);
    se = torch::sigmoid(expandSe(applyActivation(act, reduce(se))));
    x = x * se;
    x = convBn(x, projectConv, projectBn, projectBias);
    if (residual) x = x + input;  // drop path is the identity at inference
    return x;
}

AlignVisionModelImpl::AlignVisionModelImpl(const AlignVisionConfig& c) : config(c) {
    embeddings = register_module("embeddings", AlignVisionEmbeddings(c));
    auto encoder = std::make_shared<Holder>();
    blocks = encoder->register_module("blocks", nn::ModuleList());
    int blockNumber = 0;
    for (size_t i = 0; i < c.inChannels.size(); ++i) {
        const int in = c.roundFilters(c.inChannels[i]);
        const int out = c.roundFilters(c.outChannels[i]);
        for (int j = 0; j < c.roundRepeats(c.numBlockRepeats[i]); ++j) {
            const bool adjust = std::find(c.depthwisePadding.begin(), c.depthwisePadding.end(),
                                          blockNumber) == c.depthwisePadding.end();
            blocks->push_back(AlignVisionBlock(c, j > 0 ? out : in, out, j > 0 ? 1 : c.strides[i],
                                               c.expandRatios[i], c.kernelSizes[i], j == 0, adjust));
            ++blockNumber;
        }
    }
    register_module("encoder", encoder);
}

void AlignVisionModelImpl::foldBatchNorms() {
    if (folded_) return;
    embeddings->fusedBias = fold(embeddings->convolution, embeddings->batchnorm);
    for (const auto& module : *blocks) {
        auto* b = module->as<AlignVisionBlock>();
        if (b->expand) b->expandBias = fold(b->expandConv, b->expandBn);
        b->depthwiseBias = fold(b->depthwiseConv, b->depthwiseNorm);
        b->projectBias = fold(b->projectConv, b->projectBn);
    }
    folded_ = true;
}

void AlignVisionModelImpl::releaseWeights() {
    torch::NoGradGuard noGrad;
    for (auto& t : parameters()) t.set_data(torch::empty({0}, t.options()));
    for (auto& t : buffers()) t.set_data(torch::empty({0}, t.options()));
    auto release = [](torch::Tensor& t) {
        if (t.defined()) t = torch::Tensor();
    };
    release(embeddings->fusedBias);
    for (const auto& module : *blocks) {
        auto* b = module->as<AlignVisionBlock>();
        release(b->expandBias);
        release(b->depthwiseBias);
        release(b->projectBias);
    }
    released_ = true;
}

VisionOutput AlignVisionModelImpl::forward(const torch::Tensor& pixelValues, bool outputHiddenStates) {
    if (released_) throw AlignError("the image model's weights were handed to the oneDNN image tower");
    VisionOutput out;
    torch::Tensor x = embeddings(pixelValues);
    if (outputHiddenStates) out.hiddenStates.push_back(x);
    for (const auto& block : *blocks) {
        x = block->as<AlignVisionBlock>()->forward(x);
        if (outputHiddenStates) out.hiddenStates.push_back(x);
    }
    out.lastHiddenState = x;
    // Hugging Face pools with a hidden_dim-sized window and ceil_mode, which covers the whole map.
    const int64_t k = config.hiddenDim;
    torch::Tensor pooled = config.poolingType == "max"
                               ? torch::max_pool2d(x, {k, k}, {k, k}, {0, 0}, {1, 1}, /*ceil_mode=*/true)
                               : torch::avg_pool2d(x, {k, k}, {k, k}, {0, 0}, /*ceil_mode=*/true);
    out.poolerOutput = pooled.reshape({pooled.size(0), pooled.size(1)});
    return out;
}

}  // namespace photosearch
