#include "model_identity.h"

#include "align_error.h"
#include "file_hash.h"
#include "model_weights.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>

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

ModelIdentity::Result ModelIdentity::compute(const QString& modelDir, const QString& knownKey,
                                             const QString& knownSha,
                                             const std::function<void()>& meanwhile) {
    const QFileInfo weights(ModelWeights::weightsFileIn(modelDir));
    Result r;
    r.weightsKey = weights.absoluteFilePath() + QLatin1Char('|') + QString::number(weights.size()) +
                   QLatin1Char('|') + QString::number(weights.lastModified().toMSecsSinceEpoch());
    r.weightsSha = knownKey == r.weightsKey ? knownSha : QString();
    std::future<QByteArray> hashing;
    if (r.weightsSha.isEmpty() && weights.isFile())
        hashing = std::async(std::launch::async,
                             [path = weights.absoluteFilePath()] { return sha256OfFile(path); });
    if (meanwhile) meanwhile();
    if (hashing.valid()) r.weightsSha = QString::fromLatin1(hashing.get());
    const QByteArray configSha = sha256OfFile(QDir(modelDir).filePath(QStringLiteral("config.json")));
    r.id = QString::fromLatin1(
        QCryptographicHash::hash(configSha + r.weightsSha.toLatin1(), QCryptographicHash::Sha256)
            .toHex()
            .left(16));
    return r;
}

}  // namespace photosearch
