#include "model_layers.h"

#include <cmath>

namespace photosearch {

LinearLayerImpl::LinearLayerImpl(int64_t in, int64_t out, bool withBias) {
    weight = register_parameter("weight", torch::empty({out, in}));
    if (withBias) bias = register_parameter("bias", torch::empty({out}));
}

Conv2dLayerImpl::Conv2dLayerImpl(const torch::nn::Conv2dOptions& o) : options(o) {
    const auto& k = *o.kernel_size();
    weight = register_parameter("weight",
                                torch::empty({o.out_channels(), o.in_channels() / o.groups(), k[0], k[1]}));
    if (o.bias()) bias = register_parameter("bias", torch::empty({o.out_channels()}));
}

torch::Tensor Conv2dLayerImpl::convolve(const torch::Tensor& x, const torch::Tensor& withBias) const {
    return torch::conv2d(x, weight, withBias, *options.stride(),
                         *c10::get<torch::ExpandingArray<2>>(options.padding()), *options.dilation(),
                         options.groups());
}

EmbeddingLayerImpl::EmbeddingLayerImpl(int64_t count, int64_t dim, std::optional<int64_t> padding)
    : paddingIdx(padding) {
    weight = register_parameter("weight", torch::empty({count, dim}));
}

void initializeRandomly(torch::nn::Module& module) {
    torch::NoGradGuard noGrad;
    const auto uniform = [](torch::Tensor& t, int64_t fanIn) {
        const double bound = fanIn > 0 ? 1.0 / std::sqrt(static_cast<double>(fanIn)) : 0.0;
        t.uniform_(-bound, bound);
    };
    for (const auto& m : module.modules()) {
        if (auto* l = dynamic_cast<LinearLayerImpl*>(m.get())) {
            uniform(l->weight, l->weight.size(1));
            if (l->bias.defined()) uniform(l->bias, l->weight.size(1));
        } else if (auto* c = dynamic_cast<Conv2dLayerImpl*>(m.get())) {
            const int64_t fanIn = c->weight[0].numel();
            uniform(c->weight, fanIn);
            if (c->bias.defined()) uniform(c->bias, fanIn);
        } else if (auto* e = dynamic_cast<EmbeddingLayerImpl*>(m.get())) {
            e->weight.normal_();
            if (e->paddingIdx) e->weight[*e->paddingIdx].zero_();
        }
    }
}

}  // namespace photosearch
