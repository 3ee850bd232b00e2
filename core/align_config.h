#pragma once

#include "json_fields.h"

#include <QString>

#include <string>
#include <vector>

namespace photosearch {

// Hugging Face AlignTextConfig: a BERT encoder. Defaults are those of the Hugging Face class.
struct AlignTextConfig {
    int vocabSize = 30522;
    int hiddenSize = 768;
    int numHiddenLayers = 12;
    int numAttentionHeads = 12;
    int intermediateSize = 3072;
    std::string hiddenAct = "gelu";
    double hiddenDropoutProb = 0.1;
    double attentionProbsDropoutProb = 0.1;
    int maxPositionEmbeddings = 512;
    int typeVocabSize = 2;
    double initializerRange = 0.02;
    double layerNormEps = 1e-12;
    int padTokenId = 0;
    std::string positionEmbeddingType = "absolute";  // absolute, relative_key, relative_key_query
    bool useCache = true;

    // Reads the keys present; others keep their defaults. Errors name the file and key.
    static AlignTextConfig fromJson(const JsonFields& json);
    // Throws AlignError naming the offending key (as `names` would name it) when a value is impossible.
    void validate(const JsonFields& names) const;
};

// Hugging Face AlignVisionConfig: EfficientNet as ALIGN configures it.
struct AlignVisionConfig {
    int numChannels = 3;
    int imageSize = 600;
    double widthCoefficient = 2.0;
    double depthCoefficient = 3.1;
    int depthDivisor = 8;
    std::vector<int> kernelSizes{3, 3, 5, 3, 5, 5, 3};
    std::vector<int> inChannels{32, 16, 24, 40, 80, 112, 192};
    std::vector<int> outChannels{16, 24, 40, 80, 112, 192, 320};
    std::vector<int> depthwisePadding{};
    std::vector<int> strides{1, 2, 2, 2, 1, 2, 1};
    std::vector<int> numBlockRepeats{1, 2, 2, 3, 3, 4, 1};
    std::vector<int> expandRatios{1, 6, 6, 6, 6, 6, 6};
    double squeezeExpansionRatio = 0.25;
    std::string hiddenAct = "swish";
    int hiddenDim = 2560;
    std::string poolingType = "mean";  // mean or max
    double initializerRange = 0.02;
    double batchNormEps = 1e-3;
    double batchNormMomentum = 0.99;
    double dropConnectRate = 0.2;

    static AlignVisionConfig fromJson(const JsonFields& json);
    void validate(const JsonFields& names) const;

    // EfficientNet scaling, as the Hugging Face model computes it.
    int roundFilters(int channels) const;
    int roundRepeats(int repeats) const;
    // Channels of the last block, which is also the size of the image embedding.
    int outputChannels() const { return roundFilters(outChannels.back()); }
};

// Hugging Face AlignConfig: the two towers plus the text projection and temperature.
struct AlignConfig {
    AlignTextConfig text;
    AlignVisionConfig vision;
    int projectionDim = 640;
    double temperatureInitValue = 1.0;
    double initializerRange = 0.02;

    static AlignConfig fromTextVisionConfigs(const AlignTextConfig& text, const AlignVisionConfig& vision,
                                             int projectionDim = 640, double temperatureInitValue = 1.0);
    static AlignConfig fromJson(const JsonFields& json);
    // Reads a config.json; errors name the file and the key.
    static AlignConfig fromFile(const QString& path);
    void validate(const JsonFields& names) const;
    void validate() const;
};

// The activation names Hugging Face's ACT2FN knows and we implement.
bool isSupportedActivation(const std::string& name);

}  // namespace photosearch
