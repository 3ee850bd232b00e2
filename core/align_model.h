#pragma once

#include "align_config.h"
#include "align_text_model.h"
#include "align_vision_model.h"

#include <torch/torch.h>

#include <optional>

namespace photosearch {

struct AlignOutput {
    torch::Tensor logitsPerImage;  // [images, texts] = cosine / temperature
    torch::Tensor logitsPerText;   // [texts, images]
    torch::Tensor textEmbeds;      // normalised
    torch::Tensor imageEmbeds;     // normalised
    torch::Tensor loss;            // defined when asked for
    TextOutput text;
    VisionOutput vision;
};

// Hugging Face's AlignModel: both towers, the text projection and the temperature.
struct AlignModelImpl : torch::nn::Module {
    explicit AlignModelImpl(const AlignConfig& config);

    // The projection of the first ([CLS]) token's last hidden state, not normalised.
    torch::Tensor getTextFeatures(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                  const torch::Tensor& tokenTypeIds = {});
    // The vision pooler output, not normalised (ALIGN has no image projection).
    torch::Tensor getImageFeatures(const torch::Tensor& pixelValues);
    AlignOutput forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                        const torch::Tensor& pixelValues, bool returnLoss = false,
                        bool outputHiddenStates = false, bool outputAttentions = false);

    // bfloat16 text weights on CPUs that multiply them natively: the dense layers of BERT and the text
    // projection; see AlignTextModelImpl::storeDenseWeightsAs.
    void storeTextDenseWeightsAs(torch::ScalarType type);

    AlignConfig config;
    AlignTextModel textModel{nullptr};
    AlignVisionModel visionModel{nullptr};
    LinearLayer textProjection{nullptr};
    torch::Tensor temperature;
};
TORCH_MODULE(AlignModel);

// ALIGN's contrastive loss: the mean of the text->image and image->text cross entropies with label
// smoothing 0.1, over a batch of matching pairs.
torch::Tensor alignLoss(const torch::Tensor& logitsPerText);

}  // namespace photosearch
