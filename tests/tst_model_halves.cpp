// The model is read in two halves: the image half when it is loaded, the text half (BERT and its projection,
// 440 MB of the full-size model's 690) when a text is first embedded. Indexing never embeds a text, so it
// never reads that half. What a person relies on: the numbers are the reference's either way (1e-4 relative,
// the parity tolerance); a checkpoint whose text half is broken is still refused when the model is loaded;
// a weights file written over in place after the load is refused with a way out, never read half old and half
// new (and never read past its new end, which would crash); a file replaced by a rename, as downloads
// replace it, leaves the loaded model as it was.
#include "align_embedder.h"
#include "align_error.h"
#include "safetensors_file.h"
#include "testutils.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace photosearch;

namespace {

constexpr double kAgainstReference = 1e-4;

double relativeError(const torch::Tensor& ours, const torch::Tensor& ref) {
    if (ours.sizes() != ref.sizes()) return INFINITY;
    return ((ours - ref).abs() / (1.0 + ref.abs())).max().item<double>();
}

}  // namespace

class TestModelHalves : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::unique_ptr<SafetensorsFile> expected_;
    QStringList texts_;
    std::vector<PixelValues> images_;

    // A copy of the fixture model that a test may change.
    QString modelCopy(const QString& name) {
        const QString dir = tmp_.filePath(name);
        test::copyFolder(test::dataPath("align-tiny/model"), dir);
        QFile::remove(dir + QStringLiteral("/pytorch_model.bin"));  // model.safetensors is the one read
        return dir;
    }
    std::unique_ptr<AlignEmbedder> load(const QString& dir) {
        return AlignEmbedder::load({dir, QStringLiteral("cpu"), 2, QStringLiteral("float32")});
    }
    torch::Tensor referenceText(int i) const {
        return toFloatTensor(expected_->tensor("text_embeds_raw"), "text_embeds_raw")[i].unsqueeze(0);
    }
    // The fixture's checkpoint rewritten with `change` applied to its tensors.
    void rewriteCheckpoint(
        const QString& dir,
        const std::function<void(std::vector<std::pair<std::string, test::RawTensor>>&)>& change) {
        const QString path = dir + QStringLiteral("/model.safetensors");
        std::vector<std::pair<std::string, test::RawTensor>> tensors;
        {
            const auto original = SafetensorsFile::open(path);
            for (const auto& [name, view] : original->tensors())
                tensors.push_back({name,
                                   {dtypeName(view.dtype), view.shape,
                                    QByteArray(reinterpret_cast<const char*>(view.data),
                                               static_cast<qsizetype>(view.byteSize))}});
        }
        change(tensors);
        test::writeFile(path, test::makeSafetensors(tensors));
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        expected_ = SafetensorsFile::open(test::dataPath("align-tiny/expected/expected.safetensors"));
        const QJsonObject cases = test::readJson(QStringLiteral("align-tiny/expected/cases.json")).object();
        for (const QJsonValue& t : cases[QStringLiteral("texts")].toArray()) texts_ << t.toString();
        auto embedder = load(test::dataPath("align-tiny/model"));
        for (const QJsonValue& name : cases[QStringLiteral("images")].toArray())
            images_.push_back(embedder->processor().preprocessFile(
                test::dataPath("align-tiny/expected/images/" + name.toString())));
        QVERIFY(texts_.size() >= 4 && images_.size() >= 4);
    }

    void imagesNeverReadTheTextHalf() {
        auto embedder = load(modelCopy(QStringLiteral("images")));
        QVERIFY(!embedder->textLoaded());
        const auto ref = toFloatTensor(expected_->tensor("image_embeds_raw"), "image_embeds_raw");
        QVERIFY(relativeError(embedder->imageFeatures(images_), ref) <= kAgainstReference);
        QVERIFY(!embedder->textLoaded());
        // The first text reads it, and gets the reference's numbers.
        for (int i = 0; i < 4; ++i)
            QVERIFY2(
                relativeError(embedder->textFeatures({texts_[i]}), referenceText(i)) <= kAgainstReference,
                qPrintable(texts_[i]));
        QVERIFY(embedder->textLoaded());
        QVERIFY(relativeError(embedder->imageFeatures(images_), ref) <= kAgainstReference);
    }

    // Two searches typed at once, each the first text of its process: one reads the half, both get theirs.
    void firstTextsFromTwoThreadsAtOnce() {
        auto embedder = load(modelCopy(QStringLiteral("threads")));
        torch::Tensor a, b;
        std::thread other([&] { a = embedder->textFeatures({texts_[2]}); });
        b = embedder->textFeatures({texts_[3]});
        other.join();
        QVERIFY(relativeError(a, referenceText(2)) <= kAgainstReference);
        QVERIFY(relativeError(b, referenceText(3)) <= kAgainstReference);
    }

    void aBrokenTextHalfIsRefusedAtLoad() {
        const QString missing = modelCopy(QStringLiteral("missing"));
        rewriteCheckpoint(missing, [](auto& tensors) {
            tensors.erase(std::find_if(tensors.begin(), tensors.end(),
                                       [](const auto& t) { return t.first == "text_projection.weight"; }));
        });
        try {
            load(missing);
            QFAIL("a checkpoint without its text projection was loaded");
        } catch (const AlignError& e) {
            QVERIFY2(
                QString::fromUtf8(e.what()).contains(QStringLiteral("text_projection.weight is missing")),
                e.what());
        }
        const QString shape = modelCopy(QStringLiteral("shape"));
        rewriteCheckpoint(shape, [](auto& tensors) {
            for (auto& [name, t] : tensors)
                if (name == "text_projection.bias") {
                    t.shape = {t.shape[0] / 2};
                    t.bytes.truncate(t.bytes.size() / 2);
                }
        });
        QVERIFY_THROWS_EXCEPTION(AlignError, load(shape));
    }

    void aFileWrittenOverInPlaceIsRefused() {
        const QString dir = modelCopy(QStringLiteral("in-place"));
        auto embedder = load(dir);
        // Written again in place, as `cp other.safetensors model.safetensors` does (here: the same bytes).
        const QString path = dir + QStringLiteral("/model.safetensors");
        const QByteArray bytes = test::readFile(path);
        QTest::qWait(20);  // a later modification time, on any file system's clock
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QCOMPARE(f.write(bytes), bytes.size());
        }
        try {
            embedder->textFeatures({texts_[0]});
            QFAIL("a text was embedded from a weights file written over after the load");
        } catch (const AlignError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("restart PhotoSearch")), e.what());
        }
        QVERIFY(!embedder->textLoaded());
        // Images still embed: their half was read at load.
        const auto ref = toFloatTensor(expected_->tensor("image_embeds_raw"), "image_embeds_raw");
        QVERIFY(relativeError(embedder->imageFeatures(images_), ref) <= kAgainstReference);
        // A new load reads the file as it is now.
        QVERIFY(relativeError(load(dir)->textFeatures({texts_[0]}), referenceText(0)) <= kAgainstReference);
    }

    // Made read-only (or given another hard link) after the load: its change time moves, its content does
    // not, and the text half is read from it as usual.
    void aFileMadeReadOnlyLeavesTheLoadedModel() {
        const QString dir = modelCopy(QStringLiteral("read-only"));
        auto embedder = load(dir);
        const QString path = dir + QStringLiteral("/model.safetensors");
        QTest::qWait(20);
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
        QVERIFY(relativeError(embedder->textFeatures({texts_[1]}), referenceText(1)) <= kAgainstReference);
        QVERIFY(embedder->textLoaded());
    }

    void aFileReplacedByARenameLeavesTheLoadedModel() {
        const QString dir = modelCopy(QStringLiteral("renamed"));
        auto embedder = load(dir);
        const QString path = dir + QStringLiteral("/model.safetensors");
        test::writeFile(path + QStringLiteral(".part"), QByteArray(4096, 'x'));  // another file altogether
        QVERIFY(::rename(QFile::encodeName(path + QStringLiteral(".part")).constData(),
                         QFile::encodeName(path).constData()) == 0);
        QVERIFY(relativeError(embedder->textFeatures({texts_[1]}), referenceText(1)) <= kAgainstReference);
    }
};

QTEST_GUILESS_MAIN(TestModelHalves)
#include "tst_model_halves.moc"
