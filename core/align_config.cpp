#include "align_config.h"

#include "align_error.h"

#include <cmath>
#include <set>

namespace photosearch {

namespace {

const std::set<std::string>& activations() {
    static const std::set<std::string> names{
        "gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh", "quick_gelu", "relu",   "relu6",
        "silu", "swish",    "tanh",      "sigmoid",           "mish",       "linear", "gelu_python"};
    return names;
}

void requirePositive(const JsonFields& names, const char* key, double value) {
    if (!(value > 0)) names.fail(key, QStringLiteral("must be positive, got %1").arg(value));
}

void requireActivation(const JsonFields& names, const char* key, const std::string& value) {
    if (!isSupportedActivation(value))
        names.fail(key, QStringLiteral("unknown activation \"%1\"").arg(QString::fromStdString(value)));
}

}  // namespace

bool isSupportedActivation(const std::string& name) { return activations().count(name) > 0; }

AlignTextConfig AlignTextConfig::fromJson(const JsonFields& j) {
    AlignTextConfig c;
    c.vocabSize = j.integer("vocab_size", c.vocabSize);
    c.hiddenSize = j.integer("hidden_size", c.hiddenSize);
    c.numHiddenLayers = j.integer("num_hidden_layers", c.numHiddenLayers);
    c.numAttentionHeads = j.integer("num_attention_heads", c.numAttentionHeads);
    c.intermediateSize = j.integer("intermediate_size", c.intermediateSize);
    c.hiddenAct = j.string("hidden_act", c.hiddenAct);
    c.hiddenDropoutProb = j.number("hidden_dropout_prob", c.hiddenDropoutProb);
    c.attentionProbsDropoutProb = j.number("attention_probs_dropout_prob", c.attentionProbsDropoutProb);
    c.maxPositionEmbeddings = j.integer("max_position_embeddings", c.maxPositionEmbeddings);
    c.typeVocabSize = j.integer("type_vocab_size", c.typeVocabSize);
    c.initializerRange = j.number("initializer_range", c.initializerRange);
    c.layerNormEps = j.number("layer_norm_eps", c.layerNormEps);
    c.padTokenId = j.integer("pad_token_id", c.padTokenId);
    c.positionEmbeddingType = j.string("position_embedding_type", c.positionEmbeddingType);
    c.useCache = j.boolean("use_cache", c.useCache);
    c.validate(j);
    return c;
}

void AlignTextConfig::validate(const JsonFields& n) const {
    requirePositive(n, "vocab_size", vocabSize);
    requirePositive(n, "hidden_size", hiddenSize);
    requirePositive(n, "num_hidden_layers", numHiddenLayers);
    requirePositive(n, "num_attention_heads", numAttentionHeads);
    requirePositive(n, "intermediate_size", intermediateSize);
    requirePositive(n, "max_position_embeddings", maxPositionEmbeddings);
    requirePositive(n, "type_vocab_size", typeVocabSize);
    requirePositive(n, "layer_norm_eps", layerNormEps);
    if (hiddenSize % numAttentionHeads != 0)
        n.fail("hidden_size", QStringLiteral("%1 is not a multiple of num_attention_heads (%2)")
                                  .arg(hiddenSize)
                                  .arg(numAttentionHeads));
    if (padTokenId < 0 || padTokenId >= vocabSize)
        n.fail("pad_token_id",
               QStringLiteral("%1 is outside the vocabulary (size %2)").arg(padTokenId).arg(vocabSize));
    requireActivation(n, "hidden_act", hiddenAct);
    if (positionEmbeddingType != "absolute" && positionEmbeddingType != "relative_key" &&
        positionEmbeddingType != "relative_key_query")
        n.fail("position_embedding_type",
               QStringLiteral("expected absolute, relative_key or relative_key_query, got \"%1\"")
                   .arg(QString::fromStdString(positionEmbeddingType)));
}

AlignVisionConfig AlignVisionConfig::fromJson(const JsonFields& j) {
    AlignVisionConfig c;
    c.numChannels = j.integer("num_channels", c.numChannels);
    c.imageSize = j.integer("image_size", c.imageSize);
    c.widthCoefficient = j.number("width_coefficient", c.widthCoefficient);
    c.depthCoefficient = j.number("depth_coefficient", c.depthCoefficient);
    c.depthDivisor = j.integer("depth_divisor", c.depthDivisor);
    c.kernelSizes = j.integers("kernel_sizes", c.kernelSizes);
    c.inChannels = j.integers("in_channels", c.inChannels);
    c.outChannels = j.integers("out_channels", c.outChannels);
    c.depthwisePadding = j.integers("depthwise_padding", c.depthwisePadding);
    c.strides = j.integers("strides", c.strides);
    c.numBlockRepeats = j.integers("num_block_repeats", c.numBlockRepeats);
    c.expandRatios = j.integers("expand_ratios", c.expandRatios);
    c.squeezeExpansionRatio = j.number("squeeze_expansion_ratio", c.squeezeExpansionRatio);
    c.hiddenAct = j.string("hidden_act", c.hiddenAct);
    c.hiddenDim = j.integer("hidden_dim", c.hiddenDim);
    c.poolingType = j.string("pooling_type", c.poolingType);
    c.initializerRange = j.number("initializer_range", c.initializerRange);
    c.batchNormEps = j.number("batch_norm_eps", c.batchNormEps);
    c.batchNormMomentum = j.number("batch_norm_momentum", c.batchNormMomentum);
    c.dropConnectRate = j.number("drop_connect_rate", c.dropConnectRate);
    c.validate(j);
    return c;
}

void AlignVisionConfig::validate(const JsonFields& n) const {
    requirePositive(n, "num_channels", numChannels);
    requirePositive(n, "image_size", imageSize);
    requirePositive(n, "width_coefficient", widthCoefficient);
    requirePositive(n, "depth_coefficient", depthCoefficient);
    requirePositive(n, "depth_divisor", depthDivisor);
    requirePositive(n, "hidden_dim", hiddenDim);
    requirePositive(n, "batch_norm_eps", batchNormEps);
    if (!(squeezeExpansionRatio > 0 && squeezeExpansionRatio <= 1))
        n.fail("squeeze_expansion_ratio",
               QStringLiteral("must be in (0, 1], got %1").arg(squeezeExpansionRatio));
    if (inChannels.empty()) n.fail("in_channels", QStringLiteral("must not be empty"));
    const size_t stages = inChannels.size();
    const std::pair<const char*, const std::vector<int>*> lists[] = {{"kernel_sizes", &kernelSizes},
                                                                     {"out_channels", &outChannels},
                                                                     {"strides", &strides},
                                                                     {"num_block_repeats", &numBlockRepeats},
                                                                     {"expand_ratios", &expandRatios}};
    for (const auto& [key, list] : lists) {
        if (list->size() != stages)
            n.fail(key, QStringLiteral("has %1 entries, expected %2 (one per stage, as in_channels)")
                            .arg(list->size())
                            .arg(stages));
    }
    for (size_t i = 0; i < stages; ++i) {
        if (inChannels[i] <= 0) n.fail("in_channels", QStringLiteral("entries must be positive"));
        if (outChannels[i] <= 0) n.fail("out_channels", QStringLiteral("entries must be positive"));
        if (kernelSizes[i] <= 0 || kernelSizes[i] % 2 == 0)
            n.fail("kernel_sizes",
                   QStringLiteral("entries must be odd and positive, got %1").arg(kernelSizes[i]));
        if (strides[i] != 1 && strides[i] != 2)
            n.fail("strides", QStringLiteral("entries must be 1 or 2, got %1").arg(strides[i]));
        if (numBlockRepeats[i] <= 0) n.fail("num_block_repeats", QStringLiteral("entries must be positive"));
        if (expandRatios[i] <= 0) n.fail("expand_ratios", QStringLiteral("entries must be positive"));
    }
    requireActivation(n, "hidden_act", hiddenAct);
    if (poolingType != "mean" && poolingType != "max")
        n.fail("pooling_type",
               QStringLiteral("expected mean or max, got \"%1\"").arg(QString::fromStdString(poolingType)));
}

int AlignVisionConfig::roundFilters(int channels) const {
    const double scaled = channels * widthCoefficient;
    int rounded =
        std::max(depthDivisor, static_cast<int>(scaled + depthDivisor / 2.0) / depthDivisor * depthDivisor);
    if (rounded < 0.9 * scaled) rounded += depthDivisor;
    return rounded;
}

int AlignVisionConfig::roundRepeats(int repeats) const {
    return static_cast<int>(std::ceil(depthCoefficient * repeats));
}

AlignConfig AlignConfig::fromTextVisionConfigs(const AlignTextConfig& text, const AlignVisionConfig& vision,
                                               int projectionDim, double temperatureInitValue) {
    AlignConfig c;
    c.text = text;
    c.vision = vision;
    c.projectionDim = projectionDim;
    c.temperatureInitValue = temperatureInitValue;
    c.validate();
    return c;
}

AlignConfig AlignConfig::fromJson(const JsonFields& j) {
    AlignConfig c;
    c.text = AlignTextConfig::fromJson(j.object("text_config"));
    c.vision = AlignVisionConfig::fromJson(j.object("vision_config"));
    c.projectionDim = j.integer("projection_dim", c.projectionDim);
    c.temperatureInitValue = j.number("temperature_init_value", c.temperatureInitValue);
    c.initializerRange = j.number("initializer_range", c.initializerRange);
    c.validate(j);
    return c;
}

AlignConfig AlignConfig::fromFile(const QString& path) { return fromJson(JsonFields::fromFile(path)); }

void AlignConfig::validate(const JsonFields& n) const {
    text.validate(n.object("text_config"));
    vision.validate(n.object("vision_config"));
    requirePositive(n, "projection_dim", projectionDim);
    if (temperatureInitValue == 0) n.fail("temperature_init_value", QStringLiteral("must not be zero"));
    // ALIGN has no image projection: the image embedding is the pooled last block, so both towers
    // only meet in one space when the text projection has exactly that many outputs.
    if (projectionDim != vision.outputChannels())
        n.fail("projection_dim", QStringLiteral("is %1, but the vision model outputs %2 channels "
                                                "(round_filters(out_channels[-1])); ALIGN needs them equal")
                                     .arg(projectionDim)
                                     .arg(vision.outputChannels()));
}

void AlignConfig::validate() const { validate(JsonFields({}, QStringLiteral("AlignConfig"))); }

}  // namespace photosearch
