#pragma once

#include "align_config.h"
#include "model_layers.h"

#include <torch/torch.h>

#include <vector>

namespace photosearch {

struct VisionOutput {
    torch::Tensor lastHiddenState;            // [N, C, h, w]
    torch::Tensor poolerOutput;               // [N, C]
    std::vector<torch::Tensor> hiddenStates;  // stem output, then every block's output (when asked)
};

// The stem: asymmetric zero padding (right and bottom), 3x3 stride-2 conv, batch norm, activation.
struct AlignVisionEmbeddingsImpl : torch::nn::Module {
    explicit AlignVisionEmbeddingsImpl(const AlignVisionConfig& config);
    torch::Tensor forward(const torch::Tensor& pixelValues);

    Conv2dLayer convolution{nullptr};
    torch::nn::BatchNorm2d batchnorm{nullptr};
    std::string act;
    torch::Tensor fusedBias;  // defined once the batch norm is folded into the convolution
};
TORCH_MODULE(AlignVisionEmbeddings);

// One MBConv block: optional 1x1 expansion, depthwise conv ("correct padding" when strided),
// squeeze-and-excite, 1x1 projection with a residual on repeated blocks.
struct AlignVisionBlockImpl : torch::nn::Module {
    AlignVisionBlockImpl(const AlignVisionConfig& config, int inDim, int outDim, int stride, int expandRatio,
                         int kernelSize, bool idSkip, bool adjustPadding);
    torch::Tensor forward(const torch::Tensor& x);

    int stride;
    int kernelSize;
    bool expand;
    bool residual;
    std::array<int64_t, 4> pad;  // left, right, top, bottom for the strided depthwise conv
    std::string act;
    std::shared_ptr<torch::nn::Module> expansion, depthwise, squeezeExcite, projection;
    Conv2dLayer expandConv{nullptr}, depthwiseConv{nullptr}, reduce{nullptr}, expandSe{nullptr},
        projectConv{nullptr};
    torch::nn::BatchNorm2d expandBn{nullptr}, depthwiseNorm{nullptr}, projectBn{nullptr};
    // Defined once the batch norms are folded into the convolutions (AlignVisionModel::foldBatchNorms).
    torch::Tensor expandBias, depthwiseBias, projectBias;
};
TORCH_MODULE(AlignVisionBlock);

// ALIGN's EfficientNet image encoder: stem, the scaled MBConv blocks, mean or max pooling.
// (No top convolution: ALIGN pools the last block's output.)
struct AlignVisionModelImpl : torch::nn::Module {
    explicit AlignVisionModelImpl(const AlignVisionConfig& config);
    VisionOutput forward(const torch::Tensor& pixelValues, bool outputHiddenStates = false);

    // For inference only, after the weights are loaded: scales every convolution's weights by its batch
    // norm's gamma / sqrt(var + eps) in place and keeps beta - mean * that as the convolution's bias, so
    // each convolution + batch norm pair is one convolution. The outputs stay those of the unfolded model
    // within float rounding; the batch norm modules are kept (state dict unchanged) but no longer used.
    void foldBatchNorms();
    bool batchNormsFolded() const { return folded_; }
    // Empties every parameter and buffer, once another engine holds the weights (DnnlVisionTower shares
    // their storage): the model's memory is not kept twice. forward() throws afterwards.
    void releaseWeights();
    bool weightsReleased() const { return released_; }

  private:
    bool folded_ = false;
    bool released_ = false;

  public:
    AlignVisionConfig config;
    AlignVisionEmbeddings embeddings{nullptr};
    torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(AlignVisionModel);

}  // namespace photosearch
