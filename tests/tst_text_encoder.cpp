// The text model on oneDNN directly (DnnlTextEncoder) computes what the LibTorch module computes: the same
// float32 weights, summed in another order, with GELU and the residual additions fused into the products.
// Every layer's output agrees with the module's within 1e-5 * (1 + |value|) on the fixture checkpoint (its
// values are of order 1; float32 rounding over a few hundred products is ~1e-7 there), padding included,
// and the features agree with Hugging Face's within the parity tolerance, 1e-4 * (1 + |value|). The
// embedder uses it by default on the CPU, with PHOTOSEARCH_TEXT_ENGINE=libtorch as the way back.
// On CPUs without bfloat16 instructions, bfloat16 weights go through our AVX2 kernel (Bf16Dense): that is the
// float32 model with its dense weights rounded to bfloat16, so it is held to the same 1e-5 against the module
// with those weights rounded.
#include "align_config.h"
#include "align_embedder.h"
#include "align_error.h"
#include "align_model.h"
#include "bf16_dense.h"
#include "dnnl_text_encoder.h"
#include "model_weights.h"
#include "safetensors_file.h"
#include "testutils.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace photosearch;

namespace {

constexpr double kAgainstModule = 1e-5;
constexpr double kAgainstReference = 1e-4;

double relativeError(const torch::Tensor& ours, const torch::Tensor& ref) {
    if (ours.sizes() != ref.sizes()) return INFINITY;
    return ((ours - ref).abs() / (1.0 + ref.abs())).max().item<double>();
}

torch::Tensor reference(const SafetensorsFile& st, const std::string& name) {
    const TensorView& v = st.tensor(name);
    if (v.dtype == DType::I64)
        return torch::from_blob(const_cast<uint8_t*>(v.data), v.shape, torch::kLong).clone();
    return toFloatTensor(v, name);
}

}  // namespace

class TestTextEncoder : public QObject {
    Q_OBJECT

    std::unique_ptr<SafetensorsFile> expected_;
    AlignConfig config_;
    AlignModel model_{nullptr};
    torch::Tensor ids_, mask_;  // every fixture text, padded to the longest as the reference ran them

  private Q_SLOTS:
    void initTestCase() {
        torch::set_num_threads(2);
        expected_ = SafetensorsFile::open(test::dataPath("align-tiny/expected/expected.safetensors"));
        config_ = AlignConfig::fromFile(test::dataPath("align-tiny/model/config.json"));
        model_ = AlignModel(config_);
        ModelWeights::openFile(test::dataPath("align-tiny/model/model.safetensors"))->loadInto(*model_);
        model_->eval();
        ids_ = reference(*expected_, "input_ids");
        mask_ = reference(*expected_, "attention_mask");
        QVERIFY(ids_.size(0) >= 2);
        // Some texts are padded: the comparison covers the mask.
        QVERIFY(mask_.min().item<int64_t>() == 0);
    }

    // The embeddings and every layer, every text and every position, padding included.
    void everyLayerMatchesTheModel() {
        DnnlTextEncoder encoder(*model_, DnnlTextEncoder::Kernel::Float32);
        torch::InferenceMode guard;
        const TextOutput out = model_->textModel->forward(ids_, mask_, {}, true);
        QCOMPARE(out.hiddenStates.size(), size_t(config_.text.numHiddenLayers + 1));
        for (int layers = 0; layers <= config_.text.numHiddenLayers; ++layers) {
            const double err = relativeError(encoder.features(ids_, mask_, layers),
                                             out.hiddenStates[static_cast<size_t>(layers)]);
            qInfo("after %d layers: worst relative error %.3g", layers, err);
            QVERIFY2(err <= kAgainstModule,
                     qPrintable(QStringLiteral("after %1 layers: %2").arg(layers).arg(err)));
        }
        // And the first text's states against the reference's own.
        for (int layers = 0; layers <= config_.text.numHiddenLayers; ++layers) {
            const auto ours = encoder.features(ids_.slice(0, 0, 1), mask_.slice(0, 0, 1), layers)[0];
            const auto ref = reference(*expected_, "text.hidden_states." + std::to_string(layers) + ".0");
            QVERIFY(relativeError(ours, ref) <= kAgainstReference);
        }
    }

    // The features: Hugging Face's get_text_features, batched and one text at a time (unpadded).
    void featuresMatchTheReference() {
        DnnlTextEncoder encoder(*model_, DnnlTextEncoder::Kernel::Float32);
        torch::InferenceMode guard;
        const auto ref = reference(*expected_, "text_embeds_raw");
        const auto batched = encoder.features(ids_, mask_);
        QVERIFY(relativeError(batched, model_->getTextFeatures(ids_, mask_)) <= kAgainstModule);
        const double err = relativeError(batched, ref);
        qInfo("text_embeds_raw: worst relative error %.3g", err);
        QVERIFY(err <= kAgainstReference);
        for (int64_t i = 0; i < ids_.size(0); ++i) {
            const int64_t len = mask_[i].sum().item<int64_t>();
            const auto alone = encoder.features(ids_[i].slice(0, 0, len).unsqueeze(0),
                                                mask_[i].slice(0, 0, len).unsqueeze(0));
            QVERIFY2(relativeError(alone[0], ref[i]) <= kAgainstReference, qPrintable(QString::number(i)));
        }
    }

    // Every row count (1 to 13: one pass, uneven passes), output counts that fill panels or not, with and
    // without a bias, writing or adding: torch's product with the weights rounded to bfloat16.
    void bfloat16DenseIsTheProductWithRoundedWeights() {
        if (!Bf16Dense::cpuSupported())
            QSKIP("the kernel needs AVX2 with FMA, which this CPU lacks; it is never used here");
        for (const int64_t out : {1, 16, 37, 50})
            for (const int64_t in : {3, 32, 101}) {
                const auto weight = torch::randn({out, in});
                const auto rounded = weight.to(torch::kBFloat16).to(torch::kFloat);
                const auto bias = torch::randn({out});
                const Bf16Dense dense(weight.data_ptr<float>(), out, in);
                for (int64_t rows = 1; rows <= 13; ++rows) {
                    const auto x = torch::randn({rows, in});
                    const auto before = torch::randn({rows, out});
                    auto written = torch::full({rows, out}, NAN);
                    dense.apply(x.data_ptr<float>(), rows, nullptr, written.data_ptr<float>(), false);
                    QVERIFY2(relativeError(written, torch::matmul(x, rounded.t())) <= kAgainstModule,
                             qPrintable(QStringLiteral("%1 rows, %2 -> %3").arg(rows).arg(in).arg(out)));
                    auto added = before.clone();
                    dense.apply(x.data_ptr<float>(), rows, bias.data_ptr<float>(), added.data_ptr<float>(),
                                true);
                    QVERIFY2(
                        relativeError(added, before + torch::linear(x, rounded, bias)) <= kAgainstModule,
                        qPrintable(QStringLiteral("%1 rows, %2 -> %3, added").arg(rows).arg(in).arg(out)));
                }
            }
    }

    // The encoder with the AVX2 kernel, every layer and the features: the module with its dense weights
    // rounded to bfloat16 (the fixture's 37-wide intermediate layer fills its last panel partly).
    void widenedBfloat16IsTheModelWithRoundedWeights() {
        if (!Bf16Dense::cpuSupported())
            QSKIP("the kernel needs AVX2 with FMA, which this CPU lacks; it is never used here");
        DnnlTextEncoder encoder(*model_, DnnlTextEncoder::Kernel::Bfloat16Avx2);
        AlignModel rounded(config_);
        ModelWeights::openFile(test::dataPath("align-tiny/model/model.safetensors"))->loadInto(*rounded);
        rounded->eval();
        torch::InferenceMode guard;
        for (const auto& module : *rounded->textModel->layers) {
            const auto& l = *module->as<AlignTextLayer>();
            for (const auto* dense : {&l.selfAttention->query, &l.selfAttention->key, &l.selfAttention->value,
                                      &l.attentionDense, &l.intermediateDense, &l.outputDense})
                (*dense)->weight.copy_((*dense)->weight.to(torch::kBFloat16));
        }
        const TextOutput out = rounded->textModel->forward(ids_, mask_, {}, true);
        for (int layers = 0; layers <= config_.text.numHiddenLayers; ++layers) {
            const double err = relativeError(encoder.features(ids_, mask_, layers),
                                             out.hiddenStates[static_cast<size_t>(layers)]);
            QVERIFY2(err <= kAgainstModule,
                     qPrintable(QStringLiteral("after %1 layers: %2").arg(layers).arg(err)));
        }
        QVERIFY(relativeError(encoder.features(ids_, mask_), rounded->getTextFeatures(ids_, mask_)) <=
                kAgainstModule);
        // Rounding the weights is a real change: the float32 model's features differ by more.
        QVERIFY(relativeError(encoder.features(ids_, mask_), model_->getTextFeatures(ids_, mask_)) >
                kAgainstModule);
    }

    void embedderUsesTheEncoderOnTheCpu() {
        const QString dir = test::dataPath("align-tiny/model");
        const std::vector<QString> texts{QStringLiteral("a cat on a sofa"),
                                         QStringLiteral("kids on the beach at sunset, far away")};
        auto encoder = AlignEmbedder::load({dir, QStringLiteral("cpu"), 2, QStringLiteral("float32")});
        QVERIFY(encoder->textEncoderOnOneDnn());
        torch::Tensor viaLibTorch;
        {
            const test::ScopedEnv libtorch("PHOTOSEARCH_TEXT_ENGINE", "libtorch");
            auto module = AlignEmbedder::load({dir, QStringLiteral("cpu"), 2, QStringLiteral("float32")});
            QVERIFY(!module->textEncoderOnOneDnn());
            viaLibTorch = module->textFeatures(texts);
        }
        QVERIFY(relativeError(encoder->textFeatures(texts), viaLibTorch) <= kAgainstModule);
        // The module's dense weights were released: one copy in memory, and no silent wrong answer.
        torch::InferenceMode guard;
        QVERIFY_THROWS_EXCEPTION(std::exception, encoder->model()->getTextFeatures(ids_, mask_));
    }

    // Inputs it cannot take are refused with a reason, and models it cannot run go to LibTorch.
    void refusesWhatItCannotRun() {
        DnnlTextEncoder encoder(*model_, DnnlTextEncoder::Kernel::Float32);
        auto outside = ids_.clone();
        outside[0][1] = config_.text.vocabSize;
        QVERIFY_THROWS_EXCEPTION(AlignError, encoder.features(outside, mask_));
        outside[0][1] = -1;
        QVERIFY_THROWS_EXCEPTION(AlignError, encoder.features(outside, mask_));
        const auto tooLong = torch::ones({1, config_.text.maxPositionEmbeddings + 1}, torch::kLong);
        QVERIFY_THROWS_EXCEPTION(AlignError, encoder.features(tooLong, tooLong));
        QVERIFY_THROWS_EXCEPTION(AlignError, encoder.features(ids_, mask_.slice(0, 0, 1)));

        AlignTextConfig relative = config_.text;
        QVERIFY(DnnlTextEncoder::supports(relative));
        relative.positionEmbeddingType = "relative_key";
        QVERIFY(!DnnlTextEncoder::supports(relative));
        AlignTextConfig swish = config_.text;
        swish.hiddenAct = "quick_gelu";
        QVERIFY(!DnnlTextEncoder::supports(swish));
    }
};

QTEST_GUILESS_MAIN(TestTextEncoder)
#include "tst_text_encoder.moc"
