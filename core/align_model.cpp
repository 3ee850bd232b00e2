#include "align_model.h"

namespace photosearch {

AlignModelImpl::AlignModelImpl(const AlignConfig& c) : config(c) {
    c.validate();
    textModel = register_module("text_model", AlignTextModel(c.text));
    visionModel = register_module("vision_model", AlignVisionModel(c.vision));
    textProjection = register_module("text_projection", LinearLayer(c.text.hiddenSize, c.projectionDim));
    temperature =
        register_parameter("temperature", torch::tensor(static_cast<float>(c.temperatureInitValue)));
}

torch::Tensor AlignModelImpl::getTextFeatures(const torch::Tensor& inputIds,
                                              const torch::Tensor& attentionMask,
                                              const torch::Tensor& tokenTypeIds) {
    const TextOutput text = textModel->forward(inputIds, attentionMask, tokenTypeIds);
    return dense(textProjection, text.lastHiddenState.select(1, 0));
}

torch::Tensor AlignModelImpl::getImageFeatures(const torch::Tensor& pixelValues) {
    return visionModel->forward(pixelValues).poolerOutput;
}

AlignOutput AlignModelImpl::forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                    const torch::Tensor& pixelValues, bool returnLoss,
                                    bool outputHiddenStates, bool outputAttentions) {
    AlignOutput out;
    out.vision = visionModel->forward(pixelValues, outputHiddenStates);
    out.text = textModel->forward(inputIds, attentionMask, {}, outputHiddenStates, outputAttentions);
    const auto image = out.vision.poolerOutput;
    const auto text = dense(textProjection, out.text.lastHiddenState.select(1, 0));
    out.imageEmbeds = image / image.norm(2, -1, true);
    out.textEmbeds = text / text.norm(2, -1, true);
    out.logitsPerText = torch::matmul(out.textEmbeds, out.imageEmbeds.t()) / temperature;
    out.logitsPerImage = out.logitsPerText.t();
    if (returnLoss) out.loss = alignLoss(out.logitsPerText);
    return out;
}

void AlignModelImpl::storeTextDenseWeightsAs(torch::ScalarType type) {
    textModel->storeDenseWeightsAs(type);
    storeWeightAs(textProjection, type);
}

torch::Tensor alignLoss(const torch::Tensor& logitsPerText) {
    namespace F = torch::nn::functional;
    const auto options = F::CrossEntropyFuncOptions().label_smoothing(0.1);
    const auto targets = torch::arange(
        logitsPerText.size(0), torch::TensorOptions().dtype(torch::kLong).device(logitsPerText.device()));
    const auto captionLoss = F::cross_entropy(logitsPerText, targets, options);
    const auto imageLoss = F::cross_entropy(logitsPerText.t(), targets, options);
    return (captionLoss + imageLoss) / 2.0;
}

}  // namespace photosearch
