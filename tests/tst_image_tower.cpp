// The image model on oneDNN directly (DnnlVisionTower) computes what the LibTorch module computes: the same
// folded float32 convolutions, only summed in another order and with swish fused into them, so every block's
// output agrees within 1e-5 * (1 + |value|) on the fixture checkpoint (its features are of order 1; the
// rounding of 32-bit floats over a few hundred products is ~1e-7 there). And the embedder uses it by default
// on the CPU, one copy of the weights, with PHOTOSEARCH_IMAGE_ENGINE=libtorch as the way back.
#include "align_config.h"
#include "align_embedder.h"
#include "align_error.h"
#include "align_model.h"
#include "dnnl_vision_tower.h"
#include "image_decoder.h"
#include "image_processor.h"
#include "model_weights.h"
#include "testutils.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace photosearch;

namespace {

constexpr double kTolerance = 1e-5;

double relativeError(const torch::Tensor& ours, const torch::Tensor& ref) {
    if (ours.sizes() != ref.sizes()) return INFINITY;
    return ((ours - ref).abs() / (1.0 + ref.abs())).max().item<double>();
}

}  // namespace

class TestImageTower : public QObject {
    Q_OBJECT

    AlignModel model_{nullptr};
    torch::Tensor pixels_;  // every fixture image, preprocessed

    // The fixture's images as the embedder takes them, one PixelValues each.
    std::vector<PixelValues> fixtureImages() const {
        std::vector<PixelValues> images;
        for (int64_t i = 0; i < pixels_.size(0); ++i) {
            const auto p = pixels_[i].contiguous();
            images.push_back({static_cast<int>(p.size(0)), static_cast<int>(p.size(1)),
                              static_cast<int>(p.size(2)),
                              std::vector<float>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel())});
        }
        return images;
    }

  private Q_SLOTS:
    void initTestCase() {
        torch::set_num_threads(2);
        const auto config = AlignConfig::fromFile(test::dataPath("align-tiny/model/config.json"));
        model_ = AlignModel(config);
        ModelWeights::openFile(test::dataPath("align-tiny/model/model.safetensors"))->loadInto(*model_);
        model_->eval();
        model_->visionModel->foldBatchNorms();
        const ImageProcessor processor = ImageProcessor::fromFolder(test::dataPath("align-tiny/model"));
        std::vector<torch::Tensor> images;
        for (const QJsonValue& name : test::readJson("align-tiny/expected/cases.json")["images"].toArray()) {
            PixelValues p = processor.preprocess(
                ImageDecoder::decodeFile(test::dataPath("align-tiny/expected/images/" + name.toString()),
                                         false)
                    .rgb);
            images.push_back(torch::from_blob(p.data.data(), {3, p.height, p.width}).clone());
        }
        pixels_ = torch::stack(images);
        QVERIFY(pixels_.size(0) >= 2);
    }

    // After the stem and after each block: the tower cut there, pooled, against the module's hidden state
    // pooled the same way (the fixture's config pools by mean).
    void everyBlockAgreesWithTheModule() {
        torch::InferenceMode guard;
        QCOMPARE(QString::fromStdString(model_->visionModel->config.poolingType), QStringLiteral("mean"));
        const auto out = model_->visionModel->forward(pixels_, /*outputHiddenStates=*/true);
        QVERIFY(out.hiddenStates.size() >= 4);
        for (size_t b = 0; b < out.hiddenStates.size(); ++b) {
            DnnlVisionTower tower(*model_->visionModel, static_cast<int>(b));
            const double err = relativeError(tower.pooled(pixels_), out.hiddenStates[b].mean({2, 3}));
            QVERIFY2(err <= kTolerance, qPrintable(QStringLiteral("after %1 blocks: %2").arg(b).arg(err)));
        }
        DnnlVisionTower whole(*model_->visionModel);
        QVERIFY(relativeError(whole.pooled(pixels_), out.poolerOutput) <= kTolerance);
    }

    // One plan per input shape: a batch, then single images, then the batch again give the same features
    // (the weights are laid out once and shared by every plan).
    void batchesAndSingleImagesAgree() {
        torch::InferenceMode guard;
        DnnlVisionTower tower(*model_->visionModel);
        const auto batch = tower.pooled(pixels_);
        for (int64_t i = 0; i < pixels_.size(0); ++i) {
            const auto single = tower.pooled(pixels_.narrow(0, i, 1));
            QVERIFY(relativeError(single, batch.narrow(0, i, 1)) <= kTolerance);
        }
        QVERIFY(torch::equal(tower.pooled(pixels_), batch));
    }

    void refusesWhatItCannotRun() {
        torch::InferenceMode guard;
        AlignModel unfolded(model_->config);
        QVERIFY(!DnnlVisionTower::supports(*unfolded->visionModel));
        QVERIFY_THROWS_EXCEPTION(AlignError, DnnlVisionTower{*unfolded->visionModel});
        DnnlVisionTower tower(*model_->visionModel);
        QVERIFY_THROWS_EXCEPTION(AlignError, tower.pooled(torch::zeros({1, 4, 32, 32})));
    }

    // The embedder on the CPU runs images through the tower and keeps one copy of the weights; the
    // environment variable brings back the LibTorch module, and both give the same features.
    void embedderUsesTheTowerOnTheCpu() {
        const std::vector<PixelValues> images = fixtureImages();
        const QString dir = test::dataPath("align-tiny/model");
        auto tower = AlignEmbedder::load({dir, QStringLiteral("cpu"), 2, QStringLiteral("float32")});
        QVERIFY(tower->imageTowerOnOneDnn());
        QVERIFY(tower->model()->visionModel->weightsReleased());
        QVERIFY(tower->model()->visionModel->parameters().front().numel() == 0);
        torch::Tensor viaLibTorch;
        {
            const test::ScopedEnv libtorch("PHOTOSEARCH_IMAGE_ENGINE", "libtorch");
            auto module = AlignEmbedder::load({dir, QStringLiteral("cpu"), 2, QStringLiteral("float32")});
            QVERIFY(!module->imageTowerOnOneDnn());
            QVERIFY(!module->model()->visionModel->weightsReleased());
            viaLibTorch = module->imageFeatures(images);
        }
        QVERIFY(relativeError(tower->imageFeatures(images), viaLibTorch) <= kTolerance);
        {
            torch::InferenceMode guard;
            QVERIFY_THROWS_EXCEPTION(AlignError, tower->model()->visionModel->forward(pixels_));
        }
    }

    // A longer list of photos (as the indexer hands over a batch with a video's frames) runs in the tower's
    // preferred batches and the rest one at a time; every photo gets its own embedding, in order, as when
    // embedded alone.
    void embedderRunsLongListsInItsBatches() {
        const QString dir = test::dataPath("align-tiny/model");
        auto embedder = AlignEmbedder::load({dir, QStringLiteral("cpu"), 2, QStringLiteral("float32")});
        QVERIFY(embedder->imageTowerOnOneDnn());
        QCOMPARE(embedder->preferredBatch(), 4);
        const std::vector<PixelValues> alone = fixtureImages();
        std::vector<PixelValues> list;  // two full batches and three left over, the fixture's images in turn
        for (size_t i = 0; i < 11; ++i) list.push_back(alone[i % alone.size()]);
        const auto embedded = embedder->imageEmbeddings(list);
        QCOMPARE(embedded.size(), list.size());
        for (size_t i = 0; i < list.size(); ++i) {
            const auto single = embedder->imageEmbeddings({list[i]});
            QCOMPARE(single.size(), size_t(1));
            const auto ours = torch::from_blob(const_cast<float*>(embedded[i].data()),
                                               {static_cast<int64_t>(embedded[i].size())});
            const auto ref = torch::from_blob(const_cast<float*>(single[0].data()),
                                              {static_cast<int64_t>(single[0].size())});
            QVERIFY2(relativeError(ours, ref) <= kTolerance, qPrintable(QStringLiteral("photo %1").arg(i)));
        }
    }
};

QTEST_GUILESS_MAIN(TestImageTower)
#include "tst_image_tower.moc"
