// Getting the model: against a Hub stand-in on 127.0.0.1 that this test starts itself.
#include "align_embedder.h"
#include "align_error.h"
#include "fake_hub.h"
#include "file_hash.h"
#include "model_downloader.h"
#include "model_identity.h"
#include "testutils.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace photosearch;

namespace {

const QString kRepo = QStringLiteral("kakaobrain/align-base");

QString model() { return test::dataPath("align-tiny/model"); }

bool sameFiles(const QString& a, const QString& b, const QStringList& names) {
    for (const QString& n : names)
        if (test::readFile(a + QLatin1Char('/') + n) != test::readFile(b + QLatin1Char('/') + n))
            return false;
    return true;
}

const QStringList kFiles{"config.json",           "preprocessor_config.json", "vocab.txt",
                         "tokenizer_config.json", "special_tokens_map.json",  "model.safetensors"};

}  // namespace

class TestModelDownloader : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;

    ModelFetchOptions options(const FakeHub& hub) {
        ModelFetchOptions o;
        o.repo = kRepo;
        o.endpoint = hub.endpoint();
        o.destination = tmp_->filePath(QStringLiteral("models/align"));
        o.useHfCache = false;
        return o;
    }
    QString fetchError(ModelDownloader& d, const std::atomic<bool>* cancel = nullptr,
                       const ModelDownloader::ProgressFn& progress = {}) {
        try {
            d.fetch(progress, cancel);
        } catch (const AlignError& e) {
            return QString::fromUtf8(e.what());
        }
        return QStringLiteral("<no error>");
    }

  private slots:
    void init() {
        tmp_ = std::make_unique<QTemporaryDir>();
        qunsetenv("HF_TOKEN");
        qputenv("XDG_CACHE_HOME", tmp_->filePath(QStringLiteral("cache")).toUtf8());
    }

    void completeDownloadThenEmbedWorks() {
        FakeHub hub(kRepo, model());
        qputenv("HF_TOKEN", "hf_secret");
        ModelDownloader d(options(hub));
        int64_t lastDone = -1;
        const FetchResult r = d.fetch([&](const FetchProgress& p) {
            QVERIFY(p.done >= lastDone);
            lastDone = p.done;
        });
        QCOMPARE(r.modelDir, tmp_->filePath(QStringLiteral("models/align")));
        QCOMPARE(r.commit, hub.commit);
        QVERIFY(sameFiles(r.modelDir, model(), kFiles));
        QVERIFY(!QFile::exists(r.modelDir + QStringLiteral("/pytorch_model.bin")));  // safetensors preferred
        QVERIFY(!QFile::exists(r.modelDir + QStringLiteral("/README.md")));
        QVERIFY(!QFileInfo::exists(r.modelDir + QStringLiteral(".partial")));
        QVERIFY(hub.authorizations.contains(QStringLiteral("Bearer hf_secret")));
        // The weights' checksum, checked as they came, is remembered: a library's first use does not hash
        // them again.
        const QString weights = r.modelDir + QStringLiteral("/model.safetensors");
        QCOMPARE(ModelIdentity::remembered(weights),
                 Digest::sha256OfFile(model() + QStringLiteral("/model.safetensors")));

        auto downloaded = AlignEmbedder::load({r.modelDir, QStringLiteral("cpu"), 1});
        auto original = AlignEmbedder::load({model(), QStringLiteral("cpu"), 1});
        QVERIFY(torch::equal(downloaded->textFeatures({QStringLiteral("a photo of a cat")}),
                             original->textFeatures({QStringLiteral("a photo of a cat")})));
        // A second fetch finds it in place and downloads nothing.
        QVERIFY(ModelDownloader(options(hub)).fetch().alreadyPresent);
    }

    void droppedConnectionResumesWithRange() {
        FakeHub hub(kRepo, model());
        hub.dropFile = QStringLiteral("model.safetensors");
        hub.dropAfter = 1000000;
        ModelDownloader d(options(hub));
        const FetchResult r = d.fetch();
        QVERIFY(sameFiles(r.modelDir, model(), kFiles));
        QCOMPARE(hub.rangeRequests.size(), 1);
        QVERIFY2(hub.rangeRequests[0].startsWith(QStringLiteral("model.safetensors bytes=")),
                 qPrintable(hub.rangeRequests[0]));
        QVERIFY(hub.rangeRequests[0].mid(24).split(QLatin1Char('-'))[0].toLongLong() > 0);
    }

    void interruptedRunResumesNextTime() {
        FakeHub hub(kRepo, model());
        hub.throttle = true;
        std::atomic<bool> cancel{false};
        ModelDownloader first(options(hub));
        const QString error = fetchError(first, &cancel, [&](const FetchProgress& p) {
            if (p.file == QLatin1String("model.safetensors") && p.fileDone > 500000) cancel = true;
        });
        QVERIFY2(error.contains(QStringLiteral("interrupted")), qPrintable(error));
        QVERIFY(!QFileInfo::exists(tmp_->filePath(QStringLiteral("models/align"))));  // never half a model
        QVERIFY(
            QFileInfo(tmp_->filePath(QStringLiteral("models/align.partial/model.safetensors.part"))).size() >
            500000);

        ModelDownloader second(options(hub));
        const FetchResult r = second.fetch();
        QVERIFY(sameFiles(r.modelDir, model(), kFiles));
        QCOMPARE(hub.rangeRequests.size(), 1);
        QVERIFY(r.downloadedBytes > 0);
    }

    void corruptedFileIsRefusedAndNotInstalled() {
        FakeHub hub(kRepo, model());
        hub.corruptFile = QStringLiteral("model.safetensors");
        ModelDownloader d(options(hub));
        const QString error = fetchError(d);
        QVERIFY2(error.contains(QStringLiteral("model.safetensors: checksum mismatch")), qPrintable(error));
        const QString expected = QString::fromLatin1(
            QCryptographicHash::hash(test::readFile(model() + QStringLiteral("/model.safetensors")),
                                     QCryptographicHash::Sha256)
                .toHex());
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY(!QFileInfo::exists(tmp_->filePath(QStringLiteral("models/align"))));
        QVERIFY(!QFileInfo::exists(
            tmp_->filePath(QStringLiteral("models/align.partial/model.safetensors.part"))));
    }

    void missingFileIsAClearError() {
        FakeHub hub(kRepo, model());
        hub.missingFile = QStringLiteral("vocab.txt");
        ModelDownloader d(options(hub));
        const QString error = fetchError(d);
        QVERIFY2(error.contains(QStringLiteral("kakaobrain/align-base/vocab.txt: not found")) &&
                     error.contains(QStringLiteral("404")),
                 qPrintable(error));
        QVERIFY(!QFileInfo::exists(tmp_->filePath(QStringLiteral("models/align"))));
    }

    void unknownRepositoryIsAClearError() {
        FakeHub hub(QStringLiteral("someone/else"), model());
        ModelDownloader d(options(hub));
        const QString error = fetchError(d);
        QVERIFY2(error.contains(QStringLiteral("kakaobrain/align-base: not found")), qPrintable(error));
    }

    void huggingFaceCacheIsUsedInPlace() {
        const QString snapshot =
            tmp_->filePath(QStringLiteral("hf/hub/models--kakaobrain--align-base/snapshots/abc123"));
        QVERIFY(QDir().mkpath(snapshot));
        QVERIFY(QDir().mkpath(tmp_->filePath(QStringLiteral("hf/hub/models--kakaobrain--align-base/refs"))));
        test::writeFile(tmp_->filePath(QStringLiteral("hf/hub/models--kakaobrain--align-base/refs/main")),
                        "abc123");
        for (const QString& f : kFiles)
            QVERIFY(QFile::link(model() + QLatin1Char('/') + f, snapshot + QLatin1Char('/') + f));
        qputenv("HF_HOME", tmp_->filePath(QStringLiteral("hf")).toUtf8());
        ModelFetchOptions o;
        o.endpoint = QStringLiteral("http://127.0.0.1:9");  // nothing listens: the cache must be enough
        o.destination = tmp_->filePath(QStringLiteral("models/align"));
        const FetchResult r = ModelDownloader(o).fetch();
        qunsetenv("HF_HOME");
        QVERIFY(r.fromHfCache);
        QCOMPARE(r.modelDir, snapshot);
        AlignEmbedder::load({r.modelDir, QStringLiteral("cpu"), 1});
    }

    void commandLineFetchAndVerify() {
        FakeHub hub(kRepo, model());
        QProcess p;
        const QString dest = tmp_->filePath(QStringLiteral("cli-model"));
        p.start(QStringLiteral(PHOTOSEARCH_CLI),
                {"model", "fetch", "--endpoint", hub.endpoint(), "--dest", dest, "--no-hf-cache", "--json"});
        QEventLoop loop;  // the hub answers from this thread's event loop
        connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
        if (p.state() != QProcess::NotRunning) loop.exec();
        QCOMPARE(p.exitCode(), 0);
        const QJsonObject j = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QCOMPARE(j["model_dir"].toString(), dest);
        QCOMPARE(j["commit"].toString(), hub.commit);
        QVERIFY(sameFiles(dest, model(), kFiles));

        QProcess verify;
        verify.start(QStringLiteral(PHOTOSEARCH_CLI), {"model", "verify", dest, "--json"});
        QVERIFY(verify.waitForFinished(60000));
        QCOMPARE(verify.exitCode(), 0);
        QCOMPARE(QJsonDocument::fromJson(verify.readAllStandardOutput()).object()["ok"].toBool(), true);

        QFile::remove(dest + QStringLiteral("/vocab.txt"));
        verify.start(QStringLiteral(PHOTOSEARCH_CLI), {"model", "verify", dest});
        QVERIFY(verify.waitForFinished(60000));
        QCOMPARE(verify.exitCode(), 1);
        QVERIFY(QString::fromUtf8(verify.readAllStandardError())
                    .contains(QStringLiteral("vocab.txt: file not found")));
    }
};

QTEST_GUILESS_MAIN(TestModelDownloader)
#include "tst_model_downloader.moc"
