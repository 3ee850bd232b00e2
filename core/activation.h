#pragma once

#include <torch/torch.h>

#include <string>

namespace photosearch {

// Hugging Face's ACT2FN by name ("gelu", "gelu_new", "relu", "silu"/"swish", ...). The name is
// validated when the config is read (isSupportedActivation), so an unknown one here is a bug.
torch::Tensor applyActivation(const std::string& name, const torch::Tensor& x);

}  // namespace photosearch
