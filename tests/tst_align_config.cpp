#include "align_config.h"
#include "align_error.h"
#include "testutils.h"

#include <QTemporaryDir>
#include <QTest>

#include <numeric>

using namespace photosearch;

class TestAlignConfig : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir tmp_;

    QString writeConfig(const QByteArray& json) {
        const QString path = tmp_.filePath(QStringLiteral("config.json"));
        test::writeFile(path, json);
        return path;
    }

  private slots:
    void tinyConfigReadsKeysAndDefaults() {
        const AlignConfig c = AlignConfig::fromFile(test::dataPath("align-tiny/model/config.json"));
        QCOMPARE(c.projectionDim, 80);
        QCOMPARE(c.text.hiddenSize, 32);
        QCOMPARE(c.text.intermediateSize, 37);
        QCOMPARE(c.text.numAttentionHeads, 4);
        QCOMPARE(c.text.numHiddenLayers, 2);
        QCOMPARE(c.vision.widthCoefficient, 0.25);
        QCOMPARE(c.vision.depthCoefficient, 0.4);
        QCOMPARE(c.vision.hiddenDim, 80);
        QCOMPARE(c.vision.imageSize, 289);
        // Left out of the file because they equal the Hugging Face defaults:
        QCOMPARE(c.text.hiddenAct, std::string("gelu"));
        QCOMPARE(c.text.vocabSize, 30522);
        QCOMPARE(c.text.layerNormEps, 1e-12);
        QCOMPARE(c.text.positionEmbeddingType, std::string("absolute"));
        QCOMPARE(c.vision.hiddenAct, std::string("swish"));
        QCOMPARE(c.vision.kernelSizes, (std::vector<int>{3, 3, 5, 3, 5, 5, 3}));
        QCOMPARE(c.vision.strides, (std::vector<int>{1, 2, 2, 2, 1, 2, 1}));
        QCOMPARE(c.vision.batchNormEps, 1e-3);
        QCOMPARE(c.vision.poolingType, std::string("mean"));
        QCOMPARE(c.temperatureInitValue, 1.0);
    }

    void tinyScalingMatchesTheCheckpoint() {
        // The fixture's state dict has a stem of 8 channels and 10 blocks ending in 80 channels.
        const AlignConfig c = AlignConfig::fromFile(test::dataPath("align-tiny/model/config.json"));
        QCOMPARE(c.vision.roundFilters(32), 8);
        QCOMPARE(c.vision.outputChannels(), 80);
        int blocks = 0;
        for (int r : c.vision.numBlockRepeats) blocks += c.vision.roundRepeats(r);
        QCOMPARE(blocks, 10);
    }

    void alignBaseArchitecture() {
        // align-base: EfficientNet-B7 scaling, 55 blocks, 640-d image embedding, BERT-base.
        const AlignConfig c = AlignConfig::fromFile(test::dataPath("align-base-config/config.json"));
        int blocks = 0;
        for (int r : c.vision.numBlockRepeats) blocks += c.vision.roundRepeats(r);
        QCOMPARE(blocks, 55);
        QCOMPARE(c.vision.outputChannels(), 640);
        QCOMPARE(c.vision.roundFilters(32), 64);
        QCOMPARE(c.projectionDim, 640);
        QCOMPARE(c.text.hiddenSize, 768);
        QCOMPARE(c.text.numHiddenLayers, 12);
    }

    void unknownKeysAreIgnored() {
        const AlignConfig c = AlignConfig::fromFile(writeConfig(
            R"({"projection_dim": 640, "something_new": [1, 2], "text_config": {"future_flag": true}})"));
        QCOMPARE(c.projectionDim, 640);
    }

    void fromTextVisionConfigs() {
        AlignTextConfig text;
        text.hiddenSize = 64;
        text.numAttentionHeads = 4;
        AlignVisionConfig vision;
        vision.widthCoefficient = 0.25;  // last block: round_filters(320) = 80
        const AlignConfig c = AlignConfig::fromTextVisionConfigs(text, vision, 80);
        QCOMPARE(c.text.hiddenSize, 64);
        QCOMPARE(c.vision.outputChannels(), 80);
        QVERIFY_THROWS_EXCEPTION(AlignError, AlignConfig::fromTextVisionConfigs(text, vision, 64));
    }

    void badConfigsNameTheKey_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("string for an integer") << QByteArray(R"({"text_config": {"hidden_size": "768"}})")
                                               << "text_config.hidden_size: expected an integer";
        QTest::newRow("fraction for an integer")
            << QByteArray(R"({"text_config": {"num_hidden_layers": 2.5}})")
            << "text_config.num_hidden_layers";
        QTest::newRow("heads do not divide hidden size")
            << QByteArray(R"({"text_config": {"hidden_size": 30, "num_attention_heads": 4}})")
            << "text_config.hidden_size: 30 is not a multiple of num_attention_heads";
        QTest::newRow("negative size") << QByteArray(R"({"text_config": {"intermediate_size": -1}})")
                                       << "text_config.intermediate_size: must be positive";
        QTest::newRow("unknown activation") << QByteArray(R"({"vision_config": {"hidden_act": "wobble"}})")
                                            << "vision_config.hidden_act: unknown activation";
        QTest::newRow("list of wrong length") << QByteArray(R"({"vision_config": {"strides": [1, 2]}})")
                                              << "vision_config.strides: has 2 entries, expected 7";
        QTest::newRow("stride 3") << QByteArray(R"({"vision_config": {"strides": [1, 3, 2, 2, 1, 2, 1]}})")
                                  << "vision_config.strides: entries must be 1 or 2";
        QTest::newRow("list with a string")
            << QByteArray(R"({"vision_config": {"kernel_sizes": [3, "3", 5, 3, 5, 5, 3]}})")
            << "vision_config.kernel_sizes: expected a list of integers";
        QTest::newRow("pooling") << QByteArray(R"({"vision_config": {"pooling_type": "median"}})")
                                 << "vision_config.pooling_type";
        QTest::newRow("position embedding")
            << QByteArray(R"({"text_config": {"position_embedding_type": "rotary"}})")
            << "text_config.position_embedding_type";
        QTest::newRow("text_config not an object")
            << QByteArray(R"({"text_config": 3})") << "text_config: expected an object";
        QTest::newRow("projection mismatch") << QByteArray(R"({"projection_dim": 512})")
                                             << "projection_dim: is 512, but the vision model outputs 640";
        QTest::newRow("not JSON") << QByteArray("{\"projection_dim\": ") << "not valid JSON";
        QTest::newRow("a list at top level") << QByteArray("[1, 2]") << "expected a JSON object";
    }

    void badConfigsNameTheKey() {
        QFETCH(QByteArray, json);
        QFETCH(QString, mentions);
        const QString path = writeConfig(json);
        try {
            AlignConfig::fromFile(path);
            QFAIL("expected an AlignError");
        } catch (const AlignError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(mentions), qPrintable(message));
            QVERIFY2(message.contains(QStringLiteral("config.json")), qPrintable(message));
        }
    }

    void missingFileIsAnError() {
        try {
            AlignConfig::fromFile(tmp_.filePath(QStringLiteral("nothing/config.json")));
            QFAIL("expected an AlignError");
        } catch (const AlignError& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("file not found")));
        }
    }
};

QTEST_GUILESS_MAIN(TestAlignConfig)
#include "tst_align_config.moc"
