#include "dnnl_text_encoder.h"

#include "align_error.h"
#include "bf16_dense.h"
#include "dnnl_weights.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace photosearch {

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;
constexpr auto kBF16 = memory::data_type::bf16;
// The number of rows the weights' layout is chosen for: a short query's tokens.
constexpr int64_t kLayoutRows = 8;

std::optional<dnnl::algorithm> activationOf(const std::string& name) {
    if (name == "gelu" || name == "gelu_python") return dnnl::algorithm::eltwise_gelu_erf;
    if (name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh")
        return dnnl::algorithm::eltwise_gelu_tanh;
    if (name == "relu") return dnnl::algorithm::eltwise_relu;
    return std::nullopt;
}

dnnl::matmul::primitive_desc matmulDesc(const dnnl::engine& e, int64_t rows, int64_t in, int64_t out,
                                        memory::data_type srcType, const memory::desc& weights,
                                        memory::data_type dstType, bool addToDst,
                                        const dnnl::algorithm* activation) {
    dnnl::post_ops ops;
    if (addToDst) ops.append_sum(1.f);
    if (activation) ops.append_eltwise(1.f, *activation, 0.f, 0.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    return {dnnl::matmul::desc(memory::desc({rows, in}, srcType, Tag::ab), weights,
                               memory::desc({1, out}, kF32, Tag::ab),
                               memory::desc({rows, out}, dstType, Tag::ab)),
            attr, e};
}

// One dense layer: its weight laid out once for the matrix multiplication (oneDNN's, or packed for our AVX2
// kernel), its float32 bias.
struct Dense {
    int64_t in = 0, out = 0;
    DnnlWeights weights;
    memory::desc layout;  // the layout chosen for a short query
    Bf16Dense widened;    // instead of `weights`, for DnnlTextEncoder::Kernel::Bfloat16Avx2
    torch::Tensor biasValues;
    memory bias;
};

Dense makeDense(const torch::Tensor& weight, const torch::Tensor& bias, DnnlTextEncoder::Kernel kernel,
                const dnnl::engine& e, dnnl::stream& s) {
    Dense d;
    d.out = weight.size(0);
    d.in = weight.size(1);
    d.biasValues = floatValues(bias);
    d.bias = memory({{1, d.out}, kF32, Tag::ab}, e, d.biasValues.data_ptr());
    if (kernel == DnnlTextEncoder::Kernel::Bfloat16Avx2) {
        d.widened = Bf16Dense(floatValues(weight).data_ptr<float>(), d.out, d.in);
        return d;
    }
    const auto type = kernel == DnnlTextEncoder::Kernel::Bfloat16 ? kBF16 : kF32;
    // float32 as the model holds it; the reorder into the laid-out copy rounds to bfloat16 where asked
    // (to nearest even, as torch's conversion does). Torch's [out, in] is {in, out} in layout ba.
    d.weights = DnnlWeights(floatValues(weight), {{d.in, d.out}, kF32, Tag::ba}, e);
    const auto pd = matmulDesc(e, kLayoutRows, d.in, d.out, type, memory::desc({d.in, d.out}, type, Tag::any),
                               kF32, false, nullptr);
    d.layout = pd.weights_desc();
    d.weights.in(d.layout, s);
    return d;
}

struct Norm {
    torch::Tensor weight, bias;
    double eps = 1e-12;

    // Normalises each row of `x` [rows, width] in place, as torch.nn.LayerNorm (biased variance).
    void apply(float* x, int64_t rows, int64_t width) const {
        const float* g = weight.data_ptr<float>();
        const float* b = bias.data_ptr<float>();
        at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
            for (int64_t r = begin; r < end; ++r) {
                float* row = x + r * width;
                double sum = 0;
                for (int64_t i = 0; i < width; ++i) sum += row[i];
                const double mean = sum / static_cast<double>(width);
                double squares = 0;
                for (int64_t i = 0; i < width; ++i) squares += (row[i] - mean) * (row[i] - mean);
                const auto rstd =
                    static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(width) + eps));
                const auto m = static_cast<float>(mean);
                for (int64_t i = 0; i < width; ++i) row[i] = (row[i] - m) * rstd * g[i] + b[i];
            }
        });
    }
};

Norm normOf(const torch::nn::LayerNorm& n) {
    return {floatValues(n->weight), floatValues(n->bias), n->options.eps()};
}

}  // namespace

struct DnnlTextEncoder::Impl {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
    Kernel kernel = Kernel::Float32;
    memory::data_type weightType = kF32;  // of the oneDNN products' weights and inputs
    int64_t hidden = 0, intermediate = 0, heads = 0, headSize = 0, maxPositions = 0;
    dnnl::algorithm activation = dnnl::algorithm::eltwise_gelu_erf;
    torch::Tensor words, positions, tokenTypes;  // the embedding tables, shared with the model
    Norm embeddingsNorm;
    struct Layer {
        Dense qkv, attentionOut, intermediate, output;
        Norm attentionNorm, outputNorm;
    };
    std::vector<Layer> layers;
    torch::Tensor projectionWeight, projectionBias;
    std::mutex mutex;

    // One product for one row count: dst = src x weights + bias (+ dst where `addToDst`), then the activation
    // where `activate`. The oneDNN primitive and the weights' layout it reads (none for the AVX2 kernel).
    struct Step {
        dnnl::matmul primitive;
        memory::desc layout;
        bool addToDst = false, activate = false;
    };
    // The four products of a layer for one row count (the same primitives serve every layer).
    struct Plan {
        Step qkv, attentionOut, intermediate, output;
    };
    std::map<int64_t, Plan> plans;

    Plan& planFor(int64_t rows);
    // Runs a step on the dense layer's kernel: oneDNN's primitive (sum and activation as its post-ops), or
    // our AVX2 kernel with the activation applied after it.
    void product(const Step& step, Dense& d, void* src, memory::data_type srcType, void* dst,
                 memory::data_type dstType, int64_t rows);
    void attention(const float* qkv, float* context, const std::vector<float>& additive, int64_t n,
                   int64_t len) const;
};

DnnlTextEncoder::Impl::Plan& DnnlTextEncoder::Impl::planFor(int64_t rows) {
    if (const auto it = plans.find(rows); it != plans.end()) return it->second;
    if (plans.size() >= 32) plans.clear();  // row counts vary with the text; primitives are cheap to make
    const Layer& l = layers.front();
    const memory::data_type lowType = weightType;
    // Prefers the layout the weights were laid out in; another only if this row count cannot use it.
    auto make = [&](const Dense& d, memory::data_type dstType, bool addToDst, bool activate) {
        Step step{{}, {}, addToDst, activate};
        if (kernel == Kernel::Bfloat16Avx2) return step;
        const dnnl::algorithm* act = activate ? &activation : nullptr;
        dnnl::matmul::primitive_desc pd;
        try {
            pd = matmulDesc(engine, rows, d.in, d.out, lowType, d.layout, dstType, addToDst, act);
        } catch (const dnnl::error&) {
            pd = matmulDesc(engine, rows, d.in, d.out, lowType,
                            memory::desc({d.in, d.out}, lowType, Tag::any), dstType, addToDst, act);
        }
        step.primitive = dnnl::matmul(pd);
        step.layout = pd.weights_desc();
        return step;
    };
    Plan p;
    p.qkv = make(l.qkv, kF32, false, false);
    p.attentionOut = make(l.attentionOut, kF32, true, false);
    p.intermediate = make(l.intermediate, lowType, false, true);
    p.output = make(l.output, kF32, true, false);
    return plans.emplace(rows, std::move(p)).first->second;
}

void DnnlTextEncoder::Impl::product(const Step& step, Dense& d, void* src, memory::data_type srcType,
                                    void* dst, memory::data_type dstType, int64_t rows) {
    if (!d.widened.empty()) {
        // float32 throughout (the kernel's inputs and outputs); the activation as a pass over the result, in
        // place, with torch's own functions.
        d.widened.apply(static_cast<const float*>(src), rows, d.biasValues.data_ptr<float>(),
                        static_cast<float*>(dst), step.addToDst);
        if (!step.activate) return;
        auto values = torch::from_blob(dst, {rows, d.out});
        if (activation == dnnl::algorithm::eltwise_relu)
            values.relu_();
        else
            at::gelu_out(values, values, activation == dnnl::algorithm::eltwise_gelu_tanh ? "tanh" : "none");
        return;
    }
    memory s({{rows, d.in}, srcType, Tag::ab}, engine, src);
    memory o({{rows, d.out}, dstType, Tag::ab}, engine, dst);
    step.primitive.execute(stream, {{DNNL_ARG_SRC, s},
                                    {DNNL_ARG_WEIGHTS, d.weights.in(step.layout, stream)},
                                    {DNNL_ARG_BIAS, d.bias},
                                    {DNNL_ARG_DST, o}});
    stream.wait();
}

// Multi-head self-attention over `qkv` [n * len, 3 * hidden] (queries, keys, values side by side) into
// `context` [n * len, hidden], as AlignTextSelfAttention: softmax(q k^T / sqrt(d) + mask) v.
void DnnlTextEncoder::Impl::attention(const float* qkv, float* context, const std::vector<float>& additive,
                                      int64_t n, int64_t len) const {
    const int64_t stride = 3 * hidden;
    const auto scale = static_cast<float>(std::sqrt(static_cast<double>(headSize)));
    at::parallel_for(0, n * heads, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> p(static_cast<size_t>(len));
        for (int64_t job = begin; job < end; ++job) {
            const int64_t b = job / heads, h = job % heads;
            const float* rows = qkv + b * len * stride + h * headSize;
            for (int64_t i = 0; i < len; ++i) {
                const float* q = rows + i * stride;
                float top = -std::numeric_limits<float>::infinity();
                for (int64_t j = 0; j < len; ++j) {
                    const float* k = rows + j * stride + hidden;
                    float dot = 0;
                    for (int64_t t = 0; t < headSize; ++t) dot += q[t] * k[t];
                    p[j] = dot / scale + additive[b * len + j];
                    top = std::max(top, p[j]);
                }
                float sum = 0;
                for (int64_t j = 0; j < len; ++j) sum += (p[j] = std::exp(p[j] - top));
                float* out = context + (b * len + i) * hidden + h * headSize;
                std::fill(out, out + headSize, 0.f);
                for (int64_t j = 0; j < len; ++j) {
                    const float w = p[j] / sum;
                    const float* v = rows + j * stride + 2 * hidden;
                    for (int64_t t = 0; t < headSize; ++t) out[t] += w * v[t];
                }
            }
        }
    });
}

bool DnnlTextEncoder::supports(const AlignTextConfig& c) {
    return c.positionEmbeddingType == "absolute" && activationOf(c.hiddenAct).has_value() &&
           c.numHiddenLayers > 0 && c.numAttentionHeads > 0 && c.hiddenSize % c.numAttentionHeads == 0;
}

DnnlTextEncoder::DnnlTextEncoder(const AlignModelImpl& model, Kernel kernel) : d_(std::make_unique<Impl>()) {
    const AlignTextModelImpl& text = *model.textModel;
    const AlignTextConfig& c = text.config;
    if (!supports(c))
        throw AlignError("the oneDNN text encoder cannot run position embeddings '" +
                         c.positionEmbeddingType + "' with activation '" + c.hiddenAct + "'");
    Impl& d = *d_;
    if (kernel == Kernel::Bfloat16Avx2 && !Bf16Dense::cpuSupported())
        throw AlignError("the text encoder's AVX2 bfloat16 kernel needs a CPU with AVX2 and FMA");
    d.kernel = kernel;
    d.weightType = kernel == Kernel::Bfloat16 ? kBF16 : kF32;
    d.hidden = c.hiddenSize;
    d.intermediate = c.intermediateSize;
    d.heads = c.numAttentionHeads;
    d.headSize = c.hiddenSize / c.numAttentionHeads;
    d.maxPositions = c.maxPositionEmbeddings;
    d.activation = *activationOf(c.hiddenAct);
    d.words = floatValues(text.wordEmbeddings->weight);
    d.positions = floatValues(text.positionEmbeddings->weight);
    d.tokenTypes = floatValues(text.tokenTypeEmbeddings->weight);
    d.embeddingsNorm = normOf(text.embeddingsNorm);
    for (const auto& module : *text.layers) {
        const auto& l = *module->as<AlignTextLayer>();
        const auto& a = *l.selfAttention;
        Impl::Layer layer;
        layer.qkv =
            makeDense(torch::cat({a.query->weight, a.key->weight, a.value->weight}),
                      torch::cat({a.query->bias, a.key->bias, a.value->bias}), kernel, d.engine, d.stream);
        layer.attentionOut =
            makeDense(l.attentionDense->weight, l.attentionDense->bias, kernel, d.engine, d.stream);
        layer.intermediate =
            makeDense(l.intermediateDense->weight, l.intermediateDense->bias, kernel, d.engine, d.stream);
        layer.output = makeDense(l.outputDense->weight, l.outputDense->bias, kernel, d.engine, d.stream);
        layer.attentionNorm = normOf(l.attentionNorm);
        layer.outputNorm = normOf(l.outputNorm);
        d.layers.push_back(std::move(layer));
    }
    d.projectionWeight = floatValues(model.textProjection->weight);
    d.projectionBias = floatValues(model.textProjection->bias);
}

DnnlTextEncoder::~DnnlTextEncoder() = default;

torch::Tensor DnnlTextEncoder::features(const torch::Tensor& inputIds, const torch::Tensor& attentionMask,
                                        int layers) {
    Impl& d = *d_;
    std::lock_guard lock(d.mutex);
    const auto ids = inputIds.to(torch::kCPU, torch::kLong).contiguous();
    const auto mask = attentionMask.to(torch::kCPU, torch::kLong).contiguous();
    if (ids.dim() != 2 || mask.sizes() != ids.sizes() || ids.size(0) == 0 || ids.size(1) == 0)
        throw AlignError("text encoder: input ids and attention mask must be [texts, tokens] of one size");
    const int64_t n = ids.size(0), len = ids.size(1), rows = n * len, h = d.hidden;
    if (len > d.maxPositions)
        throw AlignError("text of " + std::to_string(len) +
                         " tokens is longer than max_position_embeddings " + std::to_string(d.maxPositions));
    const int64_t* id = ids.data_ptr<int64_t>();
    const int64_t* m = mask.data_ptr<int64_t>();

    // Embeddings: (word + token type 0) + position, then the layer norm.
    auto x = torch::empty({rows, h});
    float* xs = x.data_ptr<float>();
    const float* words = d.words.data_ptr<float>();
    const float* type0 = d.tokenTypes.data_ptr<float>();
    const float* positions = d.positions.data_ptr<float>();
    std::vector<float> additive(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
        if (id[r] < 0 || id[r] >= d.words.size(0))
            throw AlignError("text encoder: token id " + std::to_string(id[r]) +
                             " is outside the vocabulary");
        const float* w = words + id[r] * h;
        const float* p = positions + (r % len) * h;
        for (int64_t i = 0; i < h; ++i) xs[r * h + i] = (w[i] + type0[i]) + p[i];
        // Padding gets float's lowest added before the softmax, as Hugging Face does.
        additive[static_cast<size_t>(r)] = m[r] != 0 ? 0.f : std::numeric_limits<float>::lowest();
    }
    d.embeddingsNorm.apply(xs, rows, h);

    const bool low = d.weightType == kBF16;
    const auto lowOptions = torch::TensorOptions().dtype(low ? torch::kBFloat16 : torch::kFloat32);
    auto qkv = torch::empty({rows, 3 * h});
    auto context = torch::empty({rows, h});
    auto attended = torch::empty({rows, h});
    auto inner = torch::empty({rows, d.intermediate}, lowOptions);
    auto lowInput = low ? torch::empty({rows, h}, lowOptions) : torch::Tensor();
    // The input of a product in the weights' type: the tensor itself, or its bfloat16 rounding.
    auto asInput = [&](const torch::Tensor& t) -> void* {
        if (!low) return t.data_ptr();
        lowInput.copy_(t);
        return lowInput.data_ptr();
    };
    const int count =
        layers < 0 ? static_cast<int>(d.layers.size()) : std::min(layers, static_cast<int>(d.layers.size()));
    Impl::Plan& plan = d.planFor(rows);
    for (int li = 0; li < count; ++li) {
        Impl::Layer& l = d.layers[static_cast<size_t>(li)];
        d.product(plan.qkv, l.qkv, asInput(x), d.weightType, qkv.data_ptr(), kF32, rows);
        d.attention(qkv.data_ptr<float>(), context.data_ptr<float>(), additive, n, len);
        attended.copy_(x);  // the residual: the product adds itself to it
        d.product(plan.attentionOut, l.attentionOut, asInput(context), d.weightType, attended.data_ptr(),
                  kF32, rows);
        l.attentionNorm.apply(attended.data_ptr<float>(), rows, h);
        d.product(plan.intermediate, l.intermediate, asInput(attended), d.weightType, inner.data_ptr(),
                  d.weightType, rows);
        x.copy_(attended);
        d.product(plan.output, l.output, inner.data_ptr(), d.weightType, x.data_ptr(), kF32, rows);
        l.outputNorm.apply(xs, rows, h);
    }
    if (layers >= 0) return x.view({n, len, h});
    return torch::linear(x.view({n, len, h}).select(1, 0), d.projectionWeight, d.projectionBias);
}

}  // namespace photosearch
