#include "dnnl_weights.h"

namespace photosearch {

torch::Tensor floatValues(const torch::Tensor& t) {
    return t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
}

DnnlWeights::DnnlWeights(torch::Tensor values, const dnnl::memory::desc& plain, const dnnl::engine& engine)
    : values_(std::move(values)), plain_(plain, engine, values_.data_ptr()) {}

dnnl::memory DnnlWeights::in(const dnnl::memory::desc& layout, dnnl::stream& stream) {
    for (const dnnl::memory& m : layouts_)
        if (m.get_desc() == layout) return m;
    dnnl::memory from = layouts_.empty() ? plain_ : layouts_.front();
    dnnl::memory to(layout, stream.get_engine());
    dnnl::reorder(from, to).execute(stream, from, to);
    stream.wait();
    layouts_.push_back(to);
    plain_ = dnnl::memory();
    values_ = torch::Tensor();
    return to;
}

}  // namespace photosearch
