#include "activation.h"

#include "align_error.h"

namespace photosearch {

torch::Tensor applyActivation(const std::string& name, const torch::Tensor& x) {
    namespace F = torch::nn::functional;
    if (name == "gelu" || name == "gelu_python") return torch::gelu(x);
    if (name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh")
        return torch::gelu(x, "tanh");
    if (name == "quick_gelu") return x * torch::sigmoid(1.702 * x);
    if (name == "relu") return torch::relu(x);
    if (name == "relu6") return torch::clamp(x, 0, 6);
    if (name == "silu" || name == "swish") return torch::silu(x);
    if (name == "tanh") return torch::tanh(x);
    if (name == "sigmoid") return torch::sigmoid(x);
    if (name == "mish") return F::mish(x);
    if (name == "linear") return x;
    throw AlignError("unknown activation " + name);
}

}  // namespace photosearch
