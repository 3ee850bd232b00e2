// Parity with Hugging Face's AlignModel on the tiny fixture checkpoint: every stored output within
// 1e-4 * (1 + |reference|), loaded from model.safetensors and from pytorch_model.bin.
#include "align_config.h"
#include "align_embedder.h"
#include "align_error.h"
#include "align_model.h"
#include "bf16_dense.h"
#include "image_decoder.h"
#include "image_processor.h"
#include "model_weights.h"
#include "safetensors_file.h"
#include "testutils.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <QThread>

using namespace photosearch;

namespace {

constexpr double kTolerance = 1e-4;

torch::Tensor reference(const SafetensorsFile& st, const std::string& name) {
    const TensorView& v = st.tensor(name);
    if (v.dtype == DType::I64)
        return torch::from_blob(const_cast<uint8_t*>(v.data), v.shape, torch::kLong).clone();
    return toFloatTensor(v, name);
}

// Largest |ours - ref| / (1 + |ref|); +inf when the shapes differ.
double relativeError(const torch::Tensor& ours, const torch::Tensor& ref) {
    if (ours.sizes() != ref.sizes()) return INFINITY;
    return ((ours.to(torch::kFloat32) - ref).abs() / (1.0 + ref.abs())).max().item<double>();
}

#define COMPARE_TENSOR(ours, name)                                                                 \
    do {                                                                                           \
        const double err_ = relativeError((ours), reference(*expected_, (name)));                  \
        qInfo("%s: worst relative error %.3g", std::string(name).c_str(), err_);                   \
        QVERIFY2(err_ <= kTolerance,                                                               \
                 qPrintable(QStringLiteral("%1: relative error %2 (shape %3)")                     \
                                .arg(QString::fromStdString(name))                                 \
                                .arg(err_)                                                         \
                                .arg(QString::fromStdString(shapeString((ours).sizes().vec()))))); \
    } while (0)

}  // namespace

class TestAlignModel : public QObject {
    Q_OBJECT

    std::unique_ptr<SafetensorsFile> expected_;
    AlignConfig config_;
    QJsonObject cases_;
    torch::Tensor pixels_;  // all fixture images, preprocessed by our pipeline

    AlignModel loadModel(const QString& weightsFile) {
        AlignModel model(config_);
        ModelWeights::openFile(test::dataPath("align-tiny/model/" + weightsFile))->loadInto(*model);
        model->eval();
        return model;
    }

    void addFormats() {
        QTest::addColumn<QString>("weights");
        QTest::newRow("safetensors") << "model.safetensors";
        QTest::newRow("pytorch_model.bin") << "pytorch_model.bin";
    }

  private slots:
    void initTestCase() {
        torch::set_num_threads(2);
        expected_ = SafetensorsFile::open(test::dataPath("align-tiny/expected/expected.safetensors"));
        config_ = AlignConfig::fromFile(test::dataPath("align-tiny/model/config.json"));
        cases_ = test::readJson("align-tiny/expected/cases.json").object();
        const ImageProcessor processor = ImageProcessor::fromFolder(test::dataPath("align-tiny/model"));
        std::vector<torch::Tensor> images;
        for (const QJsonValue& name : cases_["images"].toArray()) {
            // The reference ignores EXIF orientation.
            const auto decoded = ImageDecoder::decodeFile(
                test::dataPath("align-tiny/expected/images/" + name.toString()), false);
            PixelValues p = processor.preprocess(decoded.rgb);
            images.push_back(torch::from_blob(p.data.data(), {3, p.height, p.width}).clone());
        }
        pixels_ = torch::stack(images);
    }

    void parametersHaveHuggingFaceNames() {
        AlignModel model(config_);
        const auto params = model->named_parameters(true);
        QVERIFY(params.contains("vision_model.encoder.blocks.3.depthwise_conv.depthwise_conv.weight"));
        QVERIFY(params.contains("vision_model.embeddings.convolution.weight"));
        QVERIFY(params.contains("text_model.encoder.layer.0.attention.self.query.weight"));
        QVERIFY(params.contains("text_model.encoder.layer.1.output.LayerNorm.bias"));
        QVERIFY(params.contains("text_projection.weight"));
        QVERIFY(params.contains("temperature"));
        QVERIFY(model->named_buffers(true).contains("vision_model.embeddings.batchnorm.running_var"));
    }

    void featuresMatchReference_data() { addFormats(); }
    void featuresMatchReference() {
        QFETCH(QString, weights);
        AlignModel model = loadModel(weights);
        torch::InferenceMode guard;
        COMPARE_TENSOR(model->getImageFeatures(pixels_), std::string("image_embeds_raw"));
        const auto ids = reference(*expected_, "input_ids");
        const auto mask = reference(*expected_, "attention_mask");
        COMPARE_TENSOR(model->getTextFeatures(ids, mask), std::string("text_embeds_raw"));
    }

    void forwardMatchesReference_data() { addFormats(); }
    void forwardMatchesReference() {
        QFETCH(QString, weights);
        AlignModel model = loadModel(weights);
        torch::InferenceMode guard;
        const auto ids = reference(*expected_, "input_ids");
        const auto mask = reference(*expected_, "attention_mask");
        const AlignOutput out = model->forward(ids, mask, pixels_);
        COMPARE_TENSOR(out.imageEmbeds, std::string("image_embeds"));
        COMPARE_TENSOR(out.textEmbeds, std::string("text_embeds"));
        COMPARE_TENSOR(out.logitsPerImage, std::string("logits_per_image"));
        COMPARE_TENSOR(out.logitsPerText, std::string("logits_per_text"));

        const int64_t b = cases_["loss_batch"].toInt();
        const AlignOutput lossOut =
            model->forward(ids.slice(0, 0, b), mask.slice(0, 0, b), pixels_.slice(0, 0, b), true);
        COMPARE_TENSOR(lossOut.loss.reshape({1}), std::string("loss"));
    }

    // Layer by layer, for the first image and text: where a mismatch would start.
    void perLayerStatesMatchReference() {
        AlignModel model = loadModel("model.safetensors");
        torch::InferenceMode guard;
        const auto ids = reference(*expected_, "input_ids").slice(0, 0, 1);
        const auto mask = reference(*expected_, "attention_mask").slice(0, 0, 1);
        const AlignOutput out = model->forward(ids, mask, pixels_.slice(0, 0, 1), false, true, true);

        COMPARE_TENSOR(out.vision.hiddenStates.at(0)[0], std::string("vision.stem.0"));
        QCOMPARE(out.vision.hiddenStates.size(), size_t(11));
        for (size_t i = 0; i < out.vision.hiddenStates.size(); ++i)
            COMPARE_TENSOR(out.vision.hiddenStates[i][0], "vision.hidden_states." + std::to_string(i) + ".0");
        COMPARE_TENSOR(out.vision.lastHiddenState[0], std::string("vision.last_hidden_state.0"));
        COMPARE_TENSOR(out.vision.poolerOutput[0], std::string("vision.pooler_output.0"));

        QCOMPARE(out.text.hiddenStates.size(), size_t(3));
        for (size_t i = 0; i < out.text.hiddenStates.size(); ++i)
            COMPARE_TENSOR(out.text.hiddenStates[i][0], "text.hidden_states." + std::to_string(i) + ".0");
        for (size_t i = 0; i < out.text.attentions.size(); ++i)
            COMPARE_TENSOR(out.text.attentions[i][0], "text.attentions." + std::to_string(i) + ".0");
        COMPARE_TENSOR(out.text.lastHiddenState[0], std::string("text.last_hidden_state.0"));
        COMPARE_TENSOR(out.text.poolerOutput[0], std::string("text.pooler_output.0"));
    }

    // The embedder tokenizes and pads itself: unpadded, padded-to-longest and padded-to-64 agree.
    void embedderTextFeaturesDoNotDependOnPadding() {
        auto embedder = AlignEmbedder::load(
            {test::dataPath("align-tiny/model"), QStringLiteral("cpu"), 2, QStringLiteral("float32")});
        QCOMPARE(test::typeName(embedder->textWeightType()), test::typeName(torch::kFloat32));
        std::vector<QString> texts;
        for (const QJsonValue& t : cases_["texts"].toArray()) texts.push_back(t.toString());
        COMPARE_TENSOR(embedder->textFeatures(texts), std::string("text_embeds_raw"));
        const auto all = reference(*expected_, "text_embeds_raw");
        for (size_t i = 0; i < texts.size(); ++i) {
            const double err =
                relativeError(embedder->textFeatures({texts[i]})[0], all[static_cast<int64_t>(i)]);
            QVERIFY2(err <= kTolerance, qPrintable(QStringLiteral("text %1 alone: %2").arg(i).arg(err)));
        }
    }

    // bfloat16 text weights (what "auto" picks on the CPU): BERT's dense layers multiply in bfloat16 with
    // float accumulation (oneDNN, on CPUs with AVX512_BF16), or widen the bfloat16 weights to multiply
    // float32 rows (our AVX2 kernel, elsewhere); everything else stays float32. Each value then carries a
    // relative rounding error of about 2^-9, so parity is not 1e-4 per value; what a search relies on is the
    // direction of each text embedding (cosine >= 0.999, the bar reduced-scale decoding is held to) and the
    // texts each image matches best.
    // Both text engines: oneDNN with its own laid-out weights (the default) and the LibTorch module.
    void bfloat16TextWeightsKeepDirectionsAndRanking_data() {
        QTest::addColumn<QString>("engine");
        QTest::newRow("oneDNN") << QString();
        QTest::newRow("LibTorch") << QStringLiteral("libtorch");
    }
    void bfloat16TextWeightsKeepDirectionsAndRanking() {
        QFETCH(QString, engine);
        const test::ScopedEnv textEngine("PHOTOSEARCH_TEXT_ENGINE", engine.toUtf8());
        const bool widened =
            engine.isEmpty() && !AlignEmbedder::cpuHasNativeBFloat16() && Bf16Dense::cpuSupported();
        if (!widened && !AlignEmbedder::cpuCanRunBFloat16()) {
            // LibTorch's module with oneDNN capped below AVX-512 on an AVX-512 CPU (the @avx2 run): refused
            // with the reason, not a crash.
            try {
                AlignEmbedder::load({test::dataPath("align-tiny/model"), QStringLiteral("cpu"), 2,
                                     QStringLiteral("bfloat16")});
                QFAIL("bfloat16 was accepted where oneDNN has no kernel for it");
            } catch (const AlignError& e) {
                QVERIFY2(QString(e.what()).contains(QStringLiteral("ONEDNN_MAX_CPU_ISA")), e.what());
            }
            return;
        }
        auto embedder = AlignEmbedder::load(
            {test::dataPath("align-tiny/model"), QStringLiteral("cpu"), 2, QStringLiteral("bfloat16")});
        QCOMPARE(test::typeName(embedder->textWeightType()), test::typeName(torch::kBFloat16));
        QCOMPARE(embedder->textEncoderOnOneDnn(), engine.isEmpty());
        if (engine.isEmpty())
            QVERIFY(embedder->textKernel() ==
                    (widened ? DnnlTextEncoder::Kernel::Bfloat16Avx2 : DnnlTextEncoder::Kernel::Bfloat16));
        if (!engine.isEmpty()) {
            const auto& layer0 = *embedder->model()->textModel->layers[0]->as<AlignTextLayer>();
            QCOMPARE(test::typeName(layer0.intermediateDense->weight.scalar_type()),
                     test::typeName(torch::kBFloat16));
            QCOMPARE(test::typeName(layer0.intermediateDense->bias.scalar_type()),
                     test::typeName(torch::kFloat32));
            QCOMPARE(test::typeName(embedder->model()->textProjection->weight.scalar_type()),
                     test::typeName(torch::kBFloat16));
        }
        QCOMPARE(test::typeName(embedder->model()->textModel->wordEmbeddings->weight.scalar_type()),
                 test::typeName(torch::kFloat32));

        std::vector<QString> texts;
        for (const QJsonValue& t : cases_["texts"].toArray()) texts.push_back(t.toString());
        const auto ours = embedder->textFeatures(texts);
        const auto ref = reference(*expected_, "text_embeds_raw");
        const auto cosine = torch::cosine_similarity(ours, ref, 1);
        qInfo("bfloat16 text embeddings: cosine to the reference min %.6f, mean %.6f over %d texts",
              cosine.min().item<double>(), cosine.mean().item<double>(), static_cast<int>(texts.size()));
        for (int64_t i = 0; i < cosine.size(0); ++i)
            QVERIFY2(cosine[i].item<double>() >= 0.999, qPrintable(QStringLiteral("text %1 (%2): cosine %3")
                                                                       .arg(i)
                                                                       .arg(texts[i])
                                                                       .arg(cosine[i].item<double>())));
        // Single queries (unpadded, as a search runs them) agree too.
        for (size_t i = 0; i < texts.size(); ++i) {
            const double c = torch::cosine_similarity(embedder->textFeatures({texts[i]}),
                                                      ref[static_cast<int64_t>(i)].unsqueeze(0), 1)
                                 .item<double>();
            QVERIFY2(c >= 0.999, qPrintable(QStringLiteral("text %1 alone: cosine %2").arg(i).arg(c)));
        }
        // Every image's best-matching text is the reference's.
        const auto logits = embedder->logitsPerImage(reference(*expected_, "image_embeds_raw"), ours);
        const auto refLogits = reference(*expected_, "logits_per_image");
        QVERIFY(torch::equal(logits.argmax(1), refLogits.argmax(1)));
        qInfo("bfloat16 text embeddings: worst logit difference %.4g (logits span %.3g)",
              (logits - refLogits).abs().max().item<double>(),
              (refLogits.max() - refLogits.min()).item<double>());
    }

    // "auto" on the CPU: bfloat16 text weights where the CPU multiplies bfloat16 natively or runs our AVX2
    // kernel; asked-for precisions the device cannot run are refused by name.
    void precisionChoices() {
        const QString dir = test::dataPath("align-tiny/model");
        auto automatic = AlignEmbedder::load({dir, QStringLiteral("cpu"), 1, QStringLiteral("auto")});
        const bool bf16 = AlignEmbedder::cpuHasNativeBFloat16() || Bf16Dense::cpuSupported();
        QCOMPARE(test::typeName(automatic->textWeightType()),
                 test::typeName(bf16 ? torch::kBFloat16 : torch::kFloat32));
        QCOMPARE(test::typeName(automatic->dtype()),
                 test::typeName(torch::kFloat32));  // the image model always runs in float32 on the CPU
        try {
            AlignEmbedder::load({dir, QStringLiteral("cpu"), 1, QStringLiteral("float16")});
            QFAIL("float16 on the CPU was accepted");
        } catch (const AlignError& e) {
            QVERIFY2(QString(e.what()).contains("float16 needs a CUDA device"), e.what());
        }
        try {
            AlignEmbedder::load({dir, QStringLiteral("cpu"), 1, QStringLiteral("int4")});
            QFAIL("precision int4 was accepted");
        } catch (const AlignError& e) {
            QVERIFY2(
                QString(e.what()).contains("precision must be auto, float32, float16 or bfloat16, got int4"),
                e.what());
        }
    }

    // "auto" follows a cap on oneDNN's instruction sets as it follows the CPU itself.
    void isaCapDecidesAutoBFloat16_data() {
        QTest::addColumn<QByteArray>("cap");
        QTest::addColumn<bool>("allows");
        QTest::newRow("no cap") << QByteArray() << true;
        QTest::newRow("ALL") << QByteArray("ALL") << true;
        QTest::newRow("AMX") << QByteArray("avx512_core_amx") << true;
        QTest::newRow("AVX512_CORE_BF16") << QByteArray("AVX512_CORE_BF16") << true;
        QTest::newRow("AVX512_CORE_VNNI") << QByteArray("AVX512_CORE_VNNI") << false;
        QTest::newRow("AVX512_CORE") << QByteArray("AVX512_CORE") << false;
        QTest::newRow("AVX2") << QByteArray("AVX2") << false;
        QTest::newRow("SSE41") << QByteArray("SSE41") << false;
    }
    void isaCapDecidesAutoBFloat16() {
        QFETCH(QByteArray, cap);
        QFETCH(bool, allows);
        QCOMPARE(AlignEmbedder::isaCapAllowsBFloat16(cap), allows);
    }

    void embedderImageFeaturesMatchReference() {
        auto embedder = AlignEmbedder::load({test::dataPath("align-tiny/model"), QStringLiteral("auto"), 0});
        QVERIFY(embedder->device().type() == (torch::cuda::is_available() ? torch::kCUDA : torch::kCPU));
        QCOMPARE(torch::get_num_threads(), std::max(1, QThread::idealThreadCount()));
        std::vector<PixelValues> images;
        for (const QJsonValue& name : cases_["images"].toArray())
            images.push_back(embedder->processor().preprocessFile(
                test::dataPath("align-tiny/expected/images/" + name.toString())));
        COMPARE_TENSOR(embedder->imageFeatures(images), std::string("image_embeds_raw"));
        const auto logits = embedder->logitsPerImage(embedder->imageFeatures(images),
                                                     reference(*expected_, "text_embeds_raw"));
        COMPARE_TENSOR(logits, std::string("logits_per_image"));
    }
};

QTEST_GUILESS_MAIN(TestAlignModel)
#include "tst_align_model.moc"
