#include "model_identity.h"

#include "align_error.h"
#include "file_hash.h"
#include "file_stamp.h"
#include "model_weights.h"

#include "library_paths.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>

#include <future>

namespace photosearch {

namespace {

QByteArray sha256OfFile(const QString& path) {
    QString error;
    const QString sha = Digest::sha256OfFile(path, &error);
    if (sha.isEmpty()) throw AlignError((path + QStringLiteral(": ") + error).toStdString());
    return sha.toLatin1();
}

}  // namespace

QString ModelIdentity::fileKey(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const FileStamp stamp = FileStamp::of(absolute);
    if (!stamp.regular) return {};
    return absolute + QLatin1Char('|') + stamp.key();
}

namespace {

QJsonArray readMemory() {
    QFile f(ModelIdentity::memoryFile());
    if (!f.open(QIODevice::ReadOnly) || f.size() > (1 << 20)) return {};
    return QJsonDocument::fromJson(f.readAll()).array();  // damaged: empty
}

bool isSha256(const QString& s) {
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    return hex.match(s).hasMatch();
}

constexpr int kRemembered = 16;

}  // namespace

QString ModelIdentity::memoryFile() {
    return LibraryPaths::cacheHome() + QStringLiteral("/photosearch/model-checksums.json");
}

QString ModelIdentity::remembered(const QString& weightsFile) {
    const QString key = fileKey(weightsFile);
    if (key.isEmpty()) return {};
    for (const QJsonValue& v : readMemory()) {
        const QJsonObject o = v.toObject();
        const QString sha = o.value(QStringLiteral("sha256")).toString();
        if (o.value(QStringLiteral("file")).toString() == key && isSha256(sha)) return sha;
    }
    return {};
}

void ModelIdentity::remember(const QString& weightsFile, const QString& key, const QString& sha256) {
    if (key.isEmpty() || !isSha256(sha256)) return;
    const QString path = QFileInfo(weightsFile).absoluteFilePath();
    QJsonArray entries{QJsonObject{
        {QStringLiteral("path"), path}, {QStringLiteral("file"), key}, {QStringLiteral("sha256"), sha256}}};
    for (const QJsonValue& v : readMemory()) {
        // The same path's older states are dropped; other files stay, the most recent first.
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("path")).toString() == path || !o.contains(QStringLiteral("file")))
            continue;
        if (entries.size() < kRemembered) entries.append(o);
    }
    QDir().mkpath(QFileInfo(memoryFile()).absolutePath());
    QSaveFile out(memoryFile());
    if (out.open(QIODevice::WriteOnly)) {
        out.write(QJsonDocument(entries).toJson(QJsonDocument::Compact));
        out.commit();
    }
}

ModelIdentity::Result ModelIdentity::compute(const QString& modelDir, const QString& knownKey,
                                             const QString& knownSha,
                                             const std::function<void(bool hashing)>& meanwhile) {
    const QFileInfo weights(ModelWeights::weightsFileIn(modelDir));
    Result r;
    r.weightsKey = weights.absoluteFilePath() + QLatin1Char('|') + QString::number(weights.size()) +
                   QLatin1Char('|') + QString::number(weights.lastModified().toMSecsSinceEpoch());
    r.weightsSha = knownKey == r.weightsKey ? knownSha : QString();
    if (r.weightsSha.isEmpty() && weights.isFile()) r.weightsSha = remembered(weights.absoluteFilePath());
    std::future<QByteArray> hashing;
    const QString keyWhenHashed = fileKey(weights.absoluteFilePath());
    if (r.weightsSha.isEmpty() && weights.isFile())
        hashing = std::async(std::launch::async,
                             [path = weights.absoluteFilePath()] { return sha256OfFile(path); });
    if (meanwhile) meanwhile(hashing.valid());
    if (hashing.valid()) {
        r.weightsSha = QString::fromLatin1(hashing.get());
        if (fileKey(weights.absoluteFilePath()) == keyWhenHashed)
            remember(weights.absoluteFilePath(), keyWhenHashed, r.weightsSha);
    }
    const QByteArray configSha = sha256OfFile(QDir(modelDir).filePath(QStringLiteral("config.json")));
    r.id = QString::fromLatin1(
        QCryptographicHash::hash(configSha + r.weightsSha.toLatin1(), QCryptographicHash::Sha256)
            .toHex()
            .left(16));
    return r;
}

}  // namespace photosearch
