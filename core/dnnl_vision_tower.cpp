#include "dnnl_vision_tower.h"

#include "align_error.h"
#include "dnnl_weights.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace photosearch {

namespace {

using dnnl::memory;
using Dims = memory::dims;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;

enum class Post { None, Swish, Sigmoid, AddInput };

// One convolution as the model holds it after folding: OIHW weights, bias, stride, padding.
struct ConvSpec {
    int64_t out = 0, in = 0, groups = 1, kernel = 1, stride = 1;
    std::array<int64_t, 4> pad{};  // top, left, bottom, right
    Post post = Post::None;
    Dims weightDims;
    DnnlWeights weights;  // the model's own weights (shared, not copied) until a primitive lays them out
    torch::Tensor biasValues;
    memory bias;
};

struct BlockSpec {
    bool expand = false, residual = false;
    ConvSpec expandConv, depthwise, seReduce, seExpand, project;
};

ConvSpec specOf(const Conv2dLayer& conv, const torch::Tensor& bias, Post post, const dnnl::engine& e) {
    ConvSpec s;
    const auto& o = conv->options;
    s.out = o.out_channels();
    s.in = o.in_channels();
    s.groups = o.groups();
    s.kernel = (*o.kernel_size())[0];
    s.stride = (*o.stride())[0];
    const int64_t p = (*c10::get<torch::ExpandingArray<2>>(o.padding()))[0];
    s.pad = {p, p, p, p};
    s.post = post;
    s.weightDims = s.groups == 1 ? Dims{s.out, s.in, s.kernel, s.kernel}
                                 : Dims{s.groups, s.out / s.groups, s.in / s.groups, s.kernel, s.kernel};
    s.weights = DnnlWeights(floatValues(conv->weight),
                            {s.weightDims, kF32, s.groups == 1 ? Tag::oihw : Tag::goihw}, e);
    s.biasValues = floatValues(bias.defined() ? bias : conv->bias);
    s.bias = memory({{s.out}, kF32, Tag::x}, e, s.biasValues.data_ptr());
    return s;
}

}  // namespace

struct DnnlVisionTower::Impl {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
    ConvSpec stem;
    std::vector<BlockSpec> blocks;
    bool maxPooling = false;
    int64_t channels = 0;
    std::mutex mutex;

    // What runs for one input shape: the primitives in order, their arguments, and the buffers they share.
    struct Step {
        dnnl::primitive primitive;
        std::unordered_map<int, memory> args;
    };
    struct Plan {
        std::vector<Step> steps;
        memory input, output;                         // the caller's tensors, handles set at each call
        std::vector<std::pair<memory, int>> slotted;  // activations placed in one of the shared buffers
        std::array<size_t, 4> bufferSize{};
        std::array<torch::Tensor, 4> buffers;
    };
    // The plans of the two latest shapes, the latest first: the indexer's batch and a single photo. Not more:
    // a plan's activation buffers grow with the batch (a batch of 8 full-size images holds ~0.5 GB), and a
    // new plan costs only its primitives (the weights stay laid out).
    static constexpr size_t kPlansKept = 2;
    std::list<std::pair<std::array<int64_t, 3>, Plan>> plans;

    Plan& planFor(int64_t n, int64_t h, int64_t w);
    memory activation(Plan& plan, const memory::desc& md, int slot);
    memory poolWhole(Plan& plan, const memory& src, bool max);
    memory convolve(Plan& plan, ConvSpec& spec, const memory& src, int dstSlot, int reorderSlot,
                    const memory* residual);
};

memory DnnlVisionTower::Impl::activation(Plan& plan, const memory::desc& md, int slot) {
    if (slot < 0) return memory(md, engine);  // small: its own buffer
    memory m(md, engine, DNNL_MEMORY_NONE);
    plan.slotted.emplace_back(m, slot);
    plan.bufferSize[static_cast<size_t>(slot)] =
        std::max(plan.bufferSize[static_cast<size_t>(slot)], md.get_size());
    return m;
}

// Adds `spec` applied to `src` to the plan; the result goes to a new activation in `dstSlot`, or, with a
// residual, into the residual's own memory (the addition is the convolution's sum post-op).
memory DnnlVisionTower::Impl::convolve(Plan& plan, ConvSpec& spec, const memory& src, int dstSlot,
                                       int reorderSlot, const memory* residual) {
    const auto srcMd = src.get_desc();
    const Dims in = srcMd.dims();
    const Dims out = {in[0], spec.out, (in[2] + spec.pad[0] + spec.pad[2] - spec.kernel) / spec.stride + 1,
                      (in[3] + spec.pad[1] + spec.pad[3] - spec.kernel) / spec.stride + 1};
    const memory::desc anySrc(in, kF32, Tag::any);
    const memory::desc anyWeights(spec.weightDims, kF32, Tag::any);
    const memory::desc dstMd = residual ? residual->get_desc() : memory::desc(out, kF32, Tag::any);
    dnnl::post_ops ops;
    if (spec.post == Post::Swish) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_swish, 1.f, 0.f);
    if (spec.post == Post::Sigmoid) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f);
    if (residual) ops.append_sum(1.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                               dnnl::algorithm::convolution_direct, anySrc, anyWeights,
                                               spec.bias.get_desc(), dstMd, {spec.stride, spec.stride},
                                               {spec.pad[0], spec.pad[1]}, {spec.pad[2], spec.pad[3]});
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, engine);

    memory input = src;
    if (pd.src_desc() != srcMd) {
        input = activation(plan, pd.src_desc(), reorderSlot);
        plan.steps.push_back({dnnl::reorder(src, input), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, input}}});
    }
    const memory weights = spec.weights.in(pd.weights_desc(), stream);
    const memory dst = residual ? *residual : activation(plan, pd.dst_desc(), dstSlot);
    plan.steps.push_back({dnnl::convolution_forward(pd),
                          {{DNNL_ARG_SRC, input},
                           {DNNL_ARG_WEIGHTS, weights},
                           {DNNL_ARG_BIAS, spec.bias},
                           {DNNL_ARG_DST, dst}}});
    return dst;
}

namespace {

// Average (or max) over [N, C, H, W] windows of `kernel`, stride `kernel`, in the source's layout.
dnnl::pooling_forward::primitive_desc pool(const memory::desc& src, const Dims& kernel, bool max,
                                           const dnnl::engine& e) {
    const Dims d = src.dims();
    const memory::desc dst({d[0], d[1], d[2] / kernel[0], d[3] / kernel[1]}, kF32, Tag::any);
    const dnnl::pooling_forward::desc desc(
        dnnl::prop_kind::forward_inference,
        max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding, src, dst, kernel,
        kernel, {0, 0}, {0, 0});
    return {desc, e};
}

}  // namespace

// Adds the mean (or max) over the whole map, [N, C, H, W] -> [N, C, 1, 1]. In two passes, each row first,
// then the rows: oneDNN sums a window in one running float, which over a 144 x 144 map loses ~1e-5 of
// the mean; a mean of row means is the same number with ~1e-7 rounding, as LibTorch's mean has.
memory DnnlVisionTower::Impl::poolWhole(Plan& plan, const memory& src, bool max) {
    const Dims d = src.get_desc().dims();
    const auto rowsPd = pool(src.get_desc(), {1, d[3]}, max, engine);
    memory rows(rowsPd.dst_desc(), engine);
    plan.steps.push_back({dnnl::pooling_forward(rowsPd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, rows}}});
    const auto allPd = pool(rows.get_desc(), {d[2], 1}, max, engine);
    memory all(allPd.dst_desc(), engine);
    plan.steps.push_back({dnnl::pooling_forward(allPd), {{DNNL_ARG_SRC, rows}, {DNNL_ARG_DST, all}}});
    return all;
}

DnnlVisionTower::Impl::Plan& DnnlVisionTower::Impl::planFor(int64_t n, int64_t h, int64_t w) {
    const std::array<int64_t, 3> shape{n, h, w};
    for (auto it = plans.begin(); it != plans.end(); ++it)
        if (it->first == shape) {
            plans.splice(plans.begin(), plans, it);
            return plans.front().second;
        }
    if (plans.size() >= kPlansKept) plans.pop_back();  // the old buffers go before the new ones are made
    Plan plan;
    plan.input = memory({{n, 3, h, w}, kF32, Tag::nchw}, engine, DNNL_MEMORY_NONE);
    plan.output = memory({{n, channels, 1, 1}, kF32, Tag::nchw}, engine, DNNL_MEMORY_NONE);
    // Slots: 0 and 1 alternate as block input / output, 2 holds the depthwise output, 3 any reorder.
    memory x = convolve(plan, stem, plan.input, 0, 3, nullptr);
    int xSlot = 0;
    for (auto& b : blocks) {
        const int other = 1 - xSlot;
        memory t = b.expand ? convolve(plan, b.expandConv, x, other, 3, nullptr) : x;
        memory d = convolve(plan, b.depthwise, t, 2, 3, nullptr);
        // Squeeze and excitation: pool, two 1x1 convolutions on [N, C, 1, 1], multiply in place.
        const memory squeezed = poolWhole(plan, d, false);
        // The small [N, C, 1, 1] tensors get their own memory (slot -1: not shared).
        memory reduced = convolve(plan, b.seReduce, squeezed, -1, -1, nullptr);
        memory excite = convolve(plan, b.seExpand, reduced, -1, -1, nullptr);
        const dnnl::binary::desc mulDesc(dnnl::algorithm::binary_mul, d.get_desc(), excite.get_desc(),
                                         d.get_desc());
        const dnnl::binary::primitive_desc mulPd(mulDesc, engine);
        plan.steps.push_back(
            {dnnl::binary(mulPd), {{DNNL_ARG_SRC_0, d}, {DNNL_ARG_SRC_1, excite}, {DNNL_ARG_DST, d}}});
        if (b.residual) {
            x = convolve(plan, b.project, d, xSlot, 3, &x);
        } else {
            x = convolve(plan, b.project, d, other, 3, nullptr);
            xSlot = other;
        }
    }
    const memory pooled = poolWhole(plan, x, maxPooling);
    plan.steps.push_back(
        {dnnl::reorder(pooled, plan.output), {{DNNL_ARG_FROM, pooled}, {DNNL_ARG_TO, plan.output}}});

    for (size_t s = 0; s < plan.buffers.size(); ++s)
        if (plan.bufferSize[s] > 0)
            plan.buffers[s] =
                torch::empty({static_cast<int64_t>((plan.bufferSize[s] + 63) / 64) * 16}, torch::kFloat32);
    for (auto& [m, slot] : plan.slotted)
        m.set_data_handle(plan.buffers[static_cast<size_t>(slot)].data_ptr());
    plans.emplace_front(shape, std::move(plan));
    return plans.front().second;
}

bool DnnlVisionTower::supports(const AlignVisionModelImpl& model) {
    const auto& act = model.config.hiddenAct;
    return model.batchNormsFolded() && (act == "swish" || act == "silu") &&
           (model.config.poolingType == "mean" || model.config.poolingType == "max") &&
           model.config.numChannels == 3;
}

DnnlVisionTower::DnnlVisionTower(const AlignVisionModelImpl& model, int blocks)
    : d_(std::make_unique<Impl>()) {
    if (!supports(model)) throw AlignError("the oneDNN image tower needs folded batch norms and swish");
    auto& e = d_->engine;
    const auto& emb = *model.embeddings;
    d_->stem = specOf(emb.convolution, emb.fusedBias, Post::Swish, e);
    d_->stem.pad = {0, 0, 1, 1};  // the stem pads right and bottom only
    d_->channels = d_->stem.out;
    for (const auto& module : *model.blocks) {
        if (blocks >= 0 && static_cast<int>(d_->blocks.size()) == blocks) break;
        const auto* b = module->as<AlignVisionBlock>();
        BlockSpec s;
        s.expand = b->expand;
        s.residual = b->residual;
        if (s.expand) s.expandConv = specOf(b->expandConv, b->expandBias, Post::Swish, e);
        s.depthwise = specOf(b->depthwiseConv, b->depthwiseBias, Post::Swish, e);
        if (b->stride == 2) s.depthwise.pad = {b->pad[2], b->pad[0], b->pad[3], b->pad[1]};
        s.seReduce = specOf(b->reduce, {}, Post::Swish, e);
        s.seExpand = specOf(b->expandSe, {}, Post::Sigmoid, e);
        s.project = specOf(b->projectConv, b->projectBias, Post::None, e);
        d_->channels = s.project.out;
        d_->blocks.push_back(std::move(s));
    }
    d_->maxPooling = model.config.poolingType == "max";
}

DnnlVisionTower::~DnnlVisionTower() = default;

torch::Tensor DnnlVisionTower::pooled(const torch::Tensor& pixelValues) {
    if (pixelValues.dim() != 4 || pixelValues.size(1) != 3 || !pixelValues.device().is_cpu())
        throw AlignError("the oneDNN image tower takes [N, 3, H, W] pixel values on the CPU");
    const auto input = pixelValues.to(torch::kFloat32).contiguous();
    const int64_t n = input.size(0);
    auto out = torch::empty({n, d_->channels}, torch::kFloat32);
    std::lock_guard lock(d_->mutex);
    auto& plan = d_->planFor(n, input.size(2), input.size(3));
    plan.input.set_data_handle(input.data_ptr());
    plan.output.set_data_handle(out.data_ptr());
    for (auto& step : plan.steps) step.primitive.execute(d_->stream, step.args);
    d_->stream.wait();
    return out;
}

}  // namespace photosearch
