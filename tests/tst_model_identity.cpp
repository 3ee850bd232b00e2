// Which model a library's vectors come from, and what it costs to know. The id is taken from SHA-256 of the
// weights (690 MB, 0.7 s of a core for the full-size model). A checksum taken once is remembered for the
// person
// ($XDG_CACHE_HOME/photosearch/model-checksums.json), so a second library, or the first after a download,
// does not hash the same file again. What a person relies on: the id is the one the file's bytes give,
// always; a remembered checksum is used only for the very file it was taken of (a file written since, even
// with its old size and modification time put back, is hashed again); a damaged memory costs only the hash.
#include "file_hash.h"
#include "model_identity.h"
#include "testutils.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>

using namespace photosearch;

namespace {

// The id as its definition gives it: SHA-256(SHA-256(config.json) + SHA-256(weights)), 16 hex digits.
QString idOf(const QByteArray& configSha, const QByteArray& weightsSha) {
    return QString::fromLatin1(
        QCryptographicHash::hash(configSha + weightsSha, QCryptographicHash::Sha256).toHex().left(16));
}

QByteArray sha256(const QString& path) { return Digest::sha256OfFile(path).toLatin1(); }

// The memory's entry for `path` made to claim `sha` (as if the file had once hashed to it).
void claimInMemory(const QString& path, const QString& sha) {
    QFile f(ModelIdentity::memoryFile());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QJsonArray entries = QJsonDocument::fromJson(f.readAll()).array();
    f.close();
    bool found = false;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        QJsonObject o = entries[i].toObject();
        if (o[QStringLiteral("path")].toString() != path) continue;
        o[QStringLiteral("sha256")] = sha;
        entries[i] = o;
        found = true;
    }
    QVERIFY(found);
    test::writeFile(ModelIdentity::memoryFile(), QJsonDocument(entries).toJson());
}

}  // namespace

class TestModelIdentity : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> tmp_;
    QString model_, weights_;
    QByteArray configSha_, weightsSha_;
    const QString fake_ = QString(64, QLatin1Char('a'));

  private Q_SLOTS:
    void init() {
        tmp_ = std::make_unique<QTemporaryDir>();
        qputenv("XDG_CACHE_HOME", tmp_->filePath(QStringLiteral("cache")).toUtf8());
        model_ = tmp_->filePath(QStringLiteral("model"));
        test::copyFolder(test::dataPath("align-tiny/model"), model_);
        QFile::remove(model_ + QStringLiteral("/pytorch_model.bin"));
        weights_ = model_ + QStringLiteral("/model.safetensors");
        configSha_ = sha256(model_ + QStringLiteral("/config.json"));
        weightsSha_ = sha256(weights_);
    }

    void theIdIsTheFilesAndItsChecksumIsRemembered() {
        QVERIFY(!QFile::exists(ModelIdentity::memoryFile()));
        const auto r = ModelIdentity::compute(model_, {}, {});
        QCOMPARE(r.weightsSha.toLatin1(), weightsSha_);
        QCOMPARE(r.id, idOf(configSha_, weightsSha_));
        QCOMPARE(ModelIdentity::remembered(weights_).toLatin1(), weightsSha_);
        // Another library (no checksum of its own) takes it from the memory: shown by a memory that claims
        // another checksum for this very file.
        claimInMemory(weights_, fake_);
        QCOMPARE(ModelIdentity::compute(model_, {}, {}).id, idOf(configSha_, fake_.toLatin1()));
        // A library's own checksum for the file comes first.
        const auto own = ModelIdentity::compute(model_, r.weightsKey, r.weightsSha);
        QCOMPARE(own.id, r.id);
    }

    void aFileWrittenSinceIsHashedAgain() {
        ModelIdentity::compute(model_, {}, {});
        claimInMemory(weights_, fake_);
        // Written again in place with the same bytes, and its modification time put back as it was: only
        // the change time (which no one can set) and the write itself tell.
        struct stat before {};
        QCOMPARE(::stat(QFile::encodeName(weights_).constData(), &before), 0);
        const QByteArray bytes = test::readFile(weights_);
        QTest::qWait(20);
        test::writeFile(weights_, bytes);
        const struct timespec times[2] = {before.st_atim, before.st_mtim};
        QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(weights_).constData(), times, 0), 0);
        QVERIFY(ModelIdentity::remembered(weights_).isEmpty());
        const auto r = ModelIdentity::compute(model_, {}, {});
        QCOMPARE(r.id, idOf(configSha_, weightsSha_));
        QCOMPARE(ModelIdentity::remembered(weights_).toLatin1(), weightsSha_);
        // Another file put in its place by a rename is another file.
        claimInMemory(weights_, fake_);
        test::writeFile(weights_ + QStringLiteral(".new"), bytes);
        QVERIFY(QFile::remove(weights_));
        QVERIFY(QFile::rename(weights_ + QStringLiteral(".new"), weights_));
        QCOMPARE(ModelIdentity::compute(model_, {}, {}).id, idOf(configSha_, weightsSha_));
    }

    void aDamagedMemoryCostsOnlyTheHash() {
        QVERIFY(QDir().mkpath(QFileInfo(ModelIdentity::memoryFile()).absolutePath()));
        for (const QByteArray& damage :
             {QByteArray("{\"not\": \"a list\"}"), QByteArray("\x00\xff garbage", 10),
              QByteArray("[{\"path\": 3, \"file\": [], \"sha256\": \"../../etc\"}]")}) {
            test::writeFile(ModelIdentity::memoryFile(), damage);
            QCOMPARE(ModelIdentity::compute(model_, {}, {}).id, idOf(configSha_, weightsSha_));
            QCOMPARE(ModelIdentity::remembered(weights_).toLatin1(), weightsSha_);
        }
        // A memory that cannot be written (its folder is a file) is no error either.
        QVERIFY(QDir(QFileInfo(ModelIdentity::memoryFile()).absolutePath()).removeRecursively());
        test::writeFile(QFileInfo(ModelIdentity::memoryFile()).absolutePath(), "a file");
        QCOMPARE(ModelIdentity::compute(model_, {}, {}).id, idOf(configSha_, weightsSha_));
        QVERIFY(ModelIdentity::remembered(weights_).isEmpty());
    }

    // It keeps the latest 16 files, one entry per path.
    void theMemoryStaysSmall() {
        for (int i = 0; i < 20; ++i) {
            const QString file = tmp_->filePath(QStringLiteral("w%1.bin").arg(i));
            test::writeFile(file, QByteArray::number(i));
            ModelIdentity::remember(file, ModelIdentity::fileKey(file),
                                    QString(64, QLatin1Char('0' + i % 10)));
            ModelIdentity::remember(file, ModelIdentity::fileKey(file), sha256(file));
        }
        QFile f(ModelIdentity::memoryFile());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(f.readAll()).array().size(), qsizetype(16));
        QVERIFY(ModelIdentity::remembered(tmp_->filePath(QStringLiteral("w3.bin"))).isEmpty());
        const QString last = tmp_->filePath(QStringLiteral("w19.bin"));
        QCOMPARE(ModelIdentity::remembered(last).toLatin1(), sha256(last));
    }
};

QTEST_GUILESS_MAIN(TestModelIdentity)
#include "tst_model_identity.moc"
