// A broken model folder gives one clear error naming the file, key or tensor, never a crash.
#include "align_embedder.h"
#include "align_error.h"
#include "model_weights.h"
#include "safetensors_file.h"
#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using namespace photosearch;

using BreakFn = std::function<void(const QString&)>;
Q_DECLARE_METATYPE(BreakFn)

namespace {

using Tensors = std::vector<std::pair<std::string, test::RawTensor>>;

// The fixture checkpoint's tensors as raw records, in file order, to edit and write back.
Tensors fixtureTensors() {
    const auto st = SafetensorsFile::open(test::dataPath("align-tiny/model/model.safetensors"));
    Tensors out;
    for (const auto& [name, v] : st->tensors())
        out.push_back(
            {name,
             {dtypeName(v.dtype), v.shape,
              QByteArray(reinterpret_cast<const char*>(v.data), static_cast<qsizetype>(v.byteSize))}});
    return out;
}

QByteArray toBf16(const QByteArray& f32) {
    QByteArray out;
    for (qsizetype i = 0; i + 4 <= f32.size(); i += 4)
        out += f32.mid(i + 2, 2);  // truncate: keep the high half
    return out;
}

}  // namespace

class TestModelLoading : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    int counter_ = 0;

    // A fresh copy of the fixture model folder.
    QString modelCopy() {
        const QString dir = tmp_.filePath(QStringLiteral("model%1").arg(counter_++));
        test::copyFolder(test::dataPath("align-tiny/model"), dir);
        return dir;
    }

    QString expectLoadError(const QString& dir) {
        try {
            AlignEmbedder::load({dir, QStringLiteral("cpu"), 1});
        } catch (const AlignError& e) {
            return QString::fromUtf8(e.what());
        }
        return QStringLiteral("<loaded without error>");
    }

  private slots:
    void brokenFoldersNameWhatIsWrong_data() {
        QTest::addColumn<std::function<void(const QString&)>>("breakIt");
        QTest::addColumn<QString>("mentions");
        using Break = std::function<void(const QString&)>;
        auto editWeights = [](std::function<void(Tensors&)> edit) {
            return Break([edit](const QString& dir) {
                Tensors t = fixtureTensors();
                edit(t);
                test::writeFile(dir + "/model.safetensors", test::makeSafetensors(t));
            });
        };
        QTest::newRow("missing tensor") << editWeights([](Tensors& t) {
            t.erase(std::remove_if(t.begin(), t.end(),
                                   [](auto& p) { return p.first == "text_projection.weight"; }),
                    t.end());
        }) << "model.safetensors: tensor text_projection.weight is missing (expected shape [80,32])";
        QTest::newRow("wrong shape") << editWeights([](Tensors& t) {
            for (auto& p : t)
                if (p.first == "text_projection.weight") p.second.shape = {40, 64};
        }) << "tensor text_projection.weight has shape [40,64], expected [80,32]";
        QTest::newRow("unknown tensor") << editWeights([](Tensors& t) {
            t.push_back({"vision_model.head.weight", {"F32", {1}, QByteArray(4, '\0')}});
        }) << "tensor vision_model.head.weight ([1]) is not part of the model";
        QTest::newRow("integer tensor") << editWeights([](Tensors& t) {
            for (auto& p : t)
                if (p.first == "temperature") p.second.dtype = "I32";
        }) << "tensor temperature is I32, expected F32, F16 or BF16";
        QTest::newRow("truncated safetensors") << Break([](const QString& dir) {
            const QByteArray all = test::readFile(dir + "/model.safetensors");
            test::writeFile(dir + "/model.safetensors", all.left(all.size() - 1000));
        }) << "(truncated?)";
        QTest::newRow("bad config.json") << Break([](const QString& dir) {
            test::writeFile(dir + "/config.json",
                            R"({"text_config": {"hidden_size": "big"}, "projection_dim": 80})");
        }) << "config.json: text_config.hidden_size: expected an integer";
        QTest::newRow("config.json not JSON")
            << Break([](const QString& dir) { test::writeFile(dir + "/config.json", "{"); })
            << "config.json: not valid JSON";
        QTest::newRow("projection mismatch") << Break([](const QString& dir) {
            QByteArray c = test::readFile(dir + "/config.json");
            test::writeFile(dir + "/config.json",
                            c.replace("\"projection_dim\": 80", "\"projection_dim\": 64"));
        }) << "projection_dim: is 64, but the vision model outputs 80 channels";
        QTest::newRow("no vocab.txt") << Break([](const QString& dir) { QFile::remove(dir + "/vocab.txt"); })
                                      << "vocab.txt: file not found";
        QTest::newRow("vocab size differs") << Break([](const QString& dir) {
            test::writeFile(dir + "/vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        }) << "vocab.txt: has 5 tokens, but config.json says vocab_size 30522";
        QTest::newRow("no weights") << Break([](const QString& dir) {
            QFile::remove(dir + "/model.safetensors");
            QFile::remove(dir + "/pytorch_model.bin");
        }) << "no weights found (expected model.safetensors or pytorch_model.bin)";
        QTest::newRow("no preprocessor config")
            << Break([](const QString& dir) { QFile::remove(dir + "/preprocessor_config.json"); })
            << "preprocessor_config.json: file not found";
        QTest::newRow("truncated pytorch_model.bin") << Break([](const QString& dir) {
            QFile::remove(dir + "/model.safetensors");
            const QByteArray all = test::readFile(dir + "/pytorch_model.bin");
            test::writeFile(dir + "/pytorch_model.bin", all.left(all.size() / 2));
        }) << "pytorch_model.bin: not a zip archive";
        QTest::newRow("pickle calling os.system") << Break([](const QString& dir) {
            QFile::remove(dir + "/model.safetensors");
            const QByteArray evil(
                "\x80\x02"
                "cos\nsystem\n"
                "X\x04\x00\x00\x00"
                "true"
                "\x85R.",
                25);
            test::writeFile(dir + "/pytorch_model.bin", test::makeStoredZip({{"archive/data.pkl", evil}}));
        }) << "refusing the pickled global os.system";
        QTest::newRow("pickle naming a non-storage as a storage type") << Break([](const QString& dir) {
            QFile::remove(dir + "/model.safetensors");
            // ('storage', collections.OrderedDict, '0', 'cpu', 4) as a persistent id (found by
            // fuzz_torch_bin).
            const QByteArray pid(
                "\x80\x02("
                "X\x07\x00\x00\x00storage"
                "ccollections\nOrderedDict\n"
                "X\x01\x00\x00\x00"
                "0"
                "X\x03\x00\x00\x00"
                "cpu"
                "K\x04"
                "tQ.",
                59);
            test::writeFile(dir + "/pytorch_model.bin", test::makeStoredZip({{"archive/data.pkl", pid}}));
        }) << "collections.OrderedDict is not a tensor storage type";
        QTest::newRow("pickle with a missing storage") << Break([](const QString& dir) {
            QFile::remove(dir + "/model.safetensors");
            const QByteArray bin = test::readFile(dir + "/pytorch_model.bin");
            // Keep only data.pkl: every tensor's storage record is gone.
            const qsizetype at = bin.indexOf("\x80\x02");
            const qsizetype end = bin.indexOf("PK\x03\x04", at);
            const QByteArray pkl = bin.mid(at, end - at);
            test::writeFile(dir + "/pytorch_model.bin",
                            test::makeStoredZip({{"pytorch_model/data.pkl", pkl}}));
        }) << "its storage record data/";
    }
    void brokenFoldersNameWhatIsWrong() {
        QFETCH(std::function<void(const QString&)>, breakIt);
        QFETCH(QString, mentions);
        const QString dir = modelCopy();
        breakIt(dir);
        const QString message = expectLoadError(dir);
        QVERIFY2(message.contains(mentions), qPrintable(message));
    }

    void missingFolderIsAnError() {
        const QString nowhere = tmp_.filePath(QStringLiteral("nowhere"));
        QCOMPARE(expectLoadError(nowhere), QStringLiteral("no ALIGN model at ") + nowhere);
        // An empty folder (a download never started) is no model either, said the same way.
        QVERIFY(QDir().mkpath(nowhere));
        QCOMPARE(expectLoadError(nowhere),
                 QStringLiteral("no ALIGN model at %1 (the folder has no config.json)").arg(nowhere));
    }

    void binIsUsedWhenThereIsNoSafetensors() {
        const QString dir = modelCopy();
        QFile::remove(dir + "/model.safetensors");
        auto embedder = AlignEmbedder::load({dir, QStringLiteral("cpu"), 1});
        QVERIFY(embedder->weightsPath().endsWith(QStringLiteral("pytorch_model.bin")));
    }

    // Half-precision checkpoints load; the values are the stored ones, widened exactly.
    void bfloat16CheckpointLoads() {
        const QString dir = modelCopy();
        Tensors t = fixtureTensors();
        for (auto& p : t)
            if (p.second.dtype == "F32") p.second = {"BF16", p.second.shape, toBf16(p.second.bytes)};
        test::writeFile(dir + "/model.safetensors", test::makeSafetensors(t));
        // float32: the weights are widened on load whatever the checkpoint stores (precision "auto" could
        // narrow the text weights again, on CPUs with AVX512_BF16).
        auto embedder = AlignEmbedder::load({dir, QStringLiteral("cpu"), 1, QStringLiteral("float32")});
        const auto original = SafetensorsFile::open(test::dataPath("align-tiny/model/model.safetensors"));
        const auto w = toFloatTensor(original->tensor("text_projection.weight"), "w")
                           .to(torch::kBFloat16)
                           .to(torch::kFloat32);
        // Truncation and round-to-nearest differ by at most one bfloat16 step (2^-7 relative).
        const auto ours = embedder->model()->textProjection->weight;
        QVERIFY(((ours - w).abs() <= w.abs() * (1.0 / 128) + 1e-30).all().item<bool>());
        QCOMPARE(test::typeName(ours.scalar_type()), test::typeName(torch::kFloat32));
    }

    // Checkpoints written without num_batches_tracked (some converters drop it) still load.
    void missingNumBatchesTrackedIsFine() {
        const QString dir = modelCopy();
        Tensors t = fixtureTensors();
        t.erase(
            std::remove_if(t.begin(), t.end(),
                           [](auto& p) { return p.first.find("num_batches_tracked") != std::string::npos; }),
            t.end());
        test::writeFile(dir + "/model.safetensors", test::makeSafetensors(t));
        AlignEmbedder::load({dir, QStringLiteral("cpu"), 1});
    }

    void unknownDeviceIsAnError() {
        QVERIFY_THROWS_EXCEPTION(AlignError, AlignEmbedder::resolveDevice(QStringLiteral("tpu")));
        if (!torch::cuda::is_available())
            QVERIFY_THROWS_EXCEPTION(AlignError, AlignEmbedder::resolveDevice(QStringLiteral("cuda")));
        QVERIFY(AlignEmbedder::resolveDevice(QStringLiteral("cpu")).type() == (torch::kCPU));
    }
};

QTEST_GUILESS_MAIN(TestModelLoading)
#include "tst_model_loading.moc"
