#include "model_downloader.h"

#include "file_hash.h"
#include "model_identity.h"

#include "align_error.h"
#include "library_paths.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>

namespace photosearch {

namespace {

const char* const kRequired[] = {"config.json", "preprocessor_config.json", "vocab.txt"};
const char* const kOptional[] = {"tokenizer_config.json", "special_tokens_map.json"};
const char* kMarker = ".photosearch-model.json";

[[noreturn]] void fail(const QString& message) { throw AlignError(message.toStdString()); }

bool hasWeights(const QDir& d) {
    return QFileInfo::exists(d.filePath(QStringLiteral("model.safetensors"))) ||
           QFileInfo::exists(d.filePath(QStringLiteral("pytorch_model.bin")));
}

// Waits for a reply while keeping an eye on the cancel flag.
void wait(QNetworkReply* reply, const std::atomic<bool>* cancel) {
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (cancel && *cancel) reply->abort();
    });
    poll.start(100);
    if (!reply->isFinished()) loop.exec();
}

QString etagValue(QNetworkReply* reply) {
    QByteArray tag = reply->rawHeader("X-Linked-Etag");
    if (tag.isEmpty()) tag = reply->rawHeader("ETag");
    tag = tag.trimmed();
    if (tag.startsWith("W/")) tag = tag.mid(2);
    return QString::fromLatin1(tag).remove(QLatin1Char('"')).toLower();
}

// SHA-256 for LFS files, else the git blob SHA-1 ("blob <size>\0" + content), as the Hub reports them.
QString checksumOf(const QString& path, const QString& expected) {
    const bool gitBlob = expected.size() == 40;
    Digest h(gitBlob ? Digest::Sha1 : Digest::Sha256);
    if (gitBlob)
        h.add(QByteArray("blob ") + QByteArray::number(QFileInfo(path).size()) + QByteArray(1, '\0'));
    QString error;
    if (!h.addFile(path, &error)) fail(path + QStringLiteral(": ") + error);
    return QString::fromLatin1(h.hex());
}

}  // namespace

ModelDownloader::ModelDownloader(ModelFetchOptions options) : options_(std::move(options)) {
    if (options_.endpoint.isEmpty())
        options_.endpoint = qEnvironmentVariable("HF_ENDPOINT", QStringLiteral("https://huggingface.co"));
    while (options_.endpoint.endsWith(QLatin1Char('/'))) options_.endpoint.chop(1);
    if (options_.token.isEmpty()) options_.token = qEnvironmentVariable("HF_TOKEN");
    if (options_.destination.isEmpty()) options_.destination = defaultDestination(options_.repo);
    static const QRegularExpression repoPattern(QStringLiteral("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"));
    if (!repoPattern.match(options_.repo).hasMatch())
        fail(QStringLiteral("--repo: expected OWNER/NAME, got '%1'").arg(options_.repo));
}

ModelDownloader::~ModelDownloader() = default;

QString ModelDownloader::defaultDestination(const QString& repo) {
    return LibraryPaths::dataHome() + QStringLiteral("/photosearch/models/") +
           QString(repo).replace(QLatin1Char('/'), QStringLiteral("--"));
}

bool ModelDownloader::isCompleteModelDir(const QString& dir) {
    const QDir d(dir);
    for (const char* f : kRequired)
        if (!QFileInfo::exists(d.filePath(QLatin1String(f)))) return false;
    return hasWeights(d);
}

QString ModelDownloader::findInHfCache(const QString& repo, const QString& revision) {
    QString hub = qEnvironmentVariable("HF_HUB_CACHE");
    if (hub.isEmpty()) hub = qEnvironmentVariable("HUGGINGFACE_HUB_CACHE");
    if (hub.isEmpty() && qEnvironmentVariableIsSet("HF_HOME"))
        hub = qEnvironmentVariable("HF_HOME") + QStringLiteral("/hub");
    if (hub.isEmpty()) hub = QDir::homePath() + QStringLiteral("/.cache/huggingface/hub");
    const QDir base(hub + QStringLiteral("/models--") +
                    QString(repo).replace(QLatin1Char('/'), QStringLiteral("--")));
    if (!base.exists()) return {};
    QString commit = revision;
    QFile ref(base.filePath(QStringLiteral("refs/") + revision));
    if (ref.open(QIODevice::ReadOnly)) commit = QString::fromLatin1(ref.readAll()).trimmed();
    const QString snapshot = base.filePath(QStringLiteral("snapshots/") + commit);
    return isCompleteModelDir(snapshot) ? snapshot : QString();
}

FetchResult ModelDownloader::fetch(const ProgressFn& progress, const std::atomic<bool>* cancel) {
    FetchResult result;
    const QString dest = QDir::cleanPath(QFileInfo(options_.destination).absoluteFilePath());
    if (isCompleteModelDir(dest)) {
        result.modelDir = dest;
        result.alreadyPresent = true;
        return result;
    }
    if (options_.useHfCache) {
        const QString cached = findInHfCache(options_.repo, options_.revision);
        if (!cached.isEmpty()) {
            result.modelDir = cached;
            result.fromHfCache = true;
            return result;
        }
    }
    if (QFileInfo::exists(dest) && !QDir(dest).isEmpty())
        fail(dest +
             QStringLiteral(
                 ": exists and is not a complete model folder; move it away or choose another --dest"));

    if (!network_) network_ = std::make_unique<QNetworkAccessManager>();
    auto request = [&](const QUrl& url) {
        QNetworkRequest r(url);
        r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        r.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("photosearch"));
        if (!options_.token.isEmpty()) r.setRawHeader("Authorization", "Bearer " + options_.token.toUtf8());
        r.setTransferTimeout(60000);
        return r;
    };
    auto httpStatus = [](QNetworkReply* r) {
        return r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    };
    auto networkError = [&](QNetworkReply* r, const QString& what) {
        if (cancel && *cancel) fail(QStringLiteral("interrupted; run the same command again to resume"));
        const int status = httpStatus(r);
        if (status == 401 || status == 403)
            fail(QStringLiteral("%1: access denied (HTTP %2); set HF_TOKEN for a gated or private model")
                     .arg(what)
                     .arg(status));
        if (status == 404)
            fail(QStringLiteral("%1: not found on %2 (HTTP 404)").arg(what, options_.endpoint));
        fail(QStringLiteral("%1: %2").arg(what,
                                          status ? QStringLiteral("HTTP %1").arg(status) : r->errorString()));
    };

    // 1. The file list and the commit they belong to.
    QString api = options_.endpoint + QStringLiteral("/api/models/") + options_.repo;
    if (options_.revision != QLatin1String("main")) api += QStringLiteral("/revision/") + options_.revision;
    std::unique_ptr<QNetworkReply> info(network_->get(request(QUrl(api))));
    wait(info.get(), cancel);
    if (info->error() != QNetworkReply::NoError) networkError(info.get(), options_.repo);
    const QJsonObject meta = QJsonDocument::fromJson(info->readAll()).object();
    result.commit = meta.value(QStringLiteral("sha")).toString();
    QSet<QString> available;
    for (const QJsonValue& s : meta.value(QStringLiteral("siblings")).toArray())
        available.insert(s.toObject().value(QStringLiteral("rfilename")).toString());
    if (available.isEmpty())
        fail(options_.repo + QStringLiteral(": the Hub listed no files for revision ") + options_.revision);
    QStringList files;
    for (const char* f : kRequired) {
        if (!available.contains(QLatin1String(f)))
            fail(QStringLiteral("%1: has no %2; is it an ALIGN model?").arg(options_.repo, QLatin1String(f)));
        files << QLatin1String(f);
    }
    for (const char* f : kOptional)
        if (available.contains(QLatin1String(f))) files << QLatin1String(f);
    if (available.contains(QStringLiteral("model.safetensors")))
        files << QStringLiteral("model.safetensors");
    else if (available.contains(QStringLiteral("pytorch_model.bin")))
        files << QStringLiteral("pytorch_model.bin");
    else
        fail(options_.repo + QStringLiteral(": has neither model.safetensors nor pytorch_model.bin"));

    // 2. Each file: resolve (redirect + checksum), then download with resume into the staging folder.
    const QString staging = dest + QStringLiteral(".partial");
    if (!QDir().mkpath(staging)) fail(staging + QStringLiteral(": cannot create"));
    const QString rev = result.commit.isEmpty() ? options_.revision : result.commit;
    struct Plan {
        QString name, etag;
        QUrl url;
        int64_t size = -1;
    };
    std::vector<Plan> plans;
    std::map<QString, QString> verified;  // file name -> the SHA-256 its download was checked against
    FetchProgress p;
    p.total = 0;
    for (const QString& name : files) {
        const QUrl resolve(options_.endpoint + QLatin1Char('/') + options_.repo +
                           QStringLiteral("/resolve/") + rev + QLatin1Char('/') + name);
        std::unique_ptr<QNetworkReply> head(network_->head(request(resolve)));
        wait(head.get(), cancel);
        const int status = httpStatus(head.get());
        Plan plan{name, etagValue(head.get()), resolve, -1};
        if (status >= 300 && status < 400) {
            plan.url = resolve.resolved(head->header(QNetworkRequest::LocationHeader).toUrl());
        } else if (head->error() != QNetworkReply::NoError) {
            networkError(head.get(), options_.repo + QLatin1Char('/') + name);
        }
        const QByteArray linkedSize = head->rawHeader("X-Linked-Size");
        plan.size = !linkedSize.isEmpty() ? linkedSize.toLongLong()
                                          : head->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        if (plan.size > 0) p.total += plan.size;
        plans.push_back(plan);
    }

    QElapsedTimer timer;
    timer.start();
    int64_t resumedBytes = 0;
    for (const Plan& plan : plans) {
        const QString final = staging + QLatin1Char('/') + plan.name;
        const QString part = final + QStringLiteral(".part");
        p.file = plan.name;
        p.fileTotal = plan.size;
        if (QFileInfo::exists(final)) {  // verified in an earlier, interrupted run
            p.done += QFileInfo(final).size();
            resumedBytes += QFileInfo(final).size();
            continue;
        }
        QFile out(part);
        if (!out.open(QIODevice::Append)) fail(part + QStringLiteral(": cannot write: ") + out.errorString());
        int64_t have = out.size();
        resumedBytes += have;
        p.done += have;
        // A dropped connection gets a few more tries, each resuming where the last stopped.
        for (int attempt = 0;; ++attempt) {
            if (plan.size >= 0 && have >= plan.size) break;
            QNetworkRequest r = request(plan.url);
            r.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                           QNetworkRequest::NoLessSafeRedirectPolicy);
            if (have > 0) r.setRawHeader("Range", "bytes=" + QByteArray::number(have) + "-");
            std::unique_ptr<QNetworkReply> reply(network_->get(r));
            bool rangeChecked = false;
            auto drain = [&] {
                if (cancel && *cancel) {
                    reply->abort();
                    return;
                }
                if (!rangeChecked) {
                    rangeChecked = true;
                    // A server that ignores Range starts from byte 0: start the file over.
                    if (have > 0 && httpStatus(reply.get()) == 200) {
                        p.done -= have;
                        have = 0;
                        out.resize(0);
                    }
                }
                const QByteArray chunk = reply->readAll();
                if (out.write(chunk) != chunk.size()) reply->abort();
                have += chunk.size();
                p.done += chunk.size();
                p.fileDone = have;
                const double seconds = timer.elapsed() / 1000.0;
                p.bytesPerSecond = seconds > 0 ? (p.done - resumedBytes) / seconds : 0;
                p.etaSeconds =
                    p.bytesPerSecond > 0 && p.total > 0 ? (p.total - p.done) / p.bytesPerSecond : -1;
                if (progress) progress(p);
            };
            QObject::connect(reply.get(), &QNetworkReply::readyRead, reply.get(), drain);
            wait(reply.get(), cancel);
            // The reply may finish with its last bytes still unread (their readyRead not delivered yet,
            // seen on a loaded machine): read them, or the file ends short of what the server sent.
            if (reply->bytesAvailable() > 0) drain();
            out.flush();
            if (reply->error() == QNetworkReply::NoError) {
                // A connection closed early can still end without an error (seen when the server resets it
                // right after sending): short of the announced size, resume like any dropped connection.
                if (plan.size < 0 || have >= plan.size) break;
                if (attempt >= 4)
                    fail(QStringLiteral(
                             "%1: the connection kept closing early (%2 of %3 bytes); run again to resume")
                             .arg(plan.name)
                             .arg(have)
                             .arg(plan.size));
                continue;
            }
            if ((cancel && *cancel) || httpStatus(reply.get()) >= 400 || attempt >= 4)
                networkError(reply.get(), options_.repo + QLatin1Char('/') + plan.name);
        }
        out.close();
        if (!plan.etag.isEmpty() && (plan.etag.size() == 64 || plan.etag.size() == 40)) {
            const QString actual = checksumOf(part, plan.etag);
            if (actual != plan.etag) {
                QFile::remove(part);
                fail(QStringLiteral("%1: checksum mismatch: the Hub says %2, the download is %3; the file "
                                    "was discarded, run again to retry")
                         .arg(plan.name, plan.etag, actual));
            }
            if (plan.etag.size() == 64) verified[plan.name] = plan.etag;
        }
        if (!QFile::rename(part, final)) fail(final + QStringLiteral(": cannot finish the download"));
        result.downloadedBytes += have;
    }

    // 3. Complete: say where it came from, then move the folder into place in one rename.
    QFile marker(staging + QLatin1Char('/') + QLatin1String(kMarker));
    if (!marker.open(QIODevice::WriteOnly)) fail(marker.fileName() + QStringLiteral(": cannot write"));
    marker.write(QJsonDocument(QJsonObject{{QStringLiteral("repo"), options_.repo},
                                           {QStringLiteral("revision"), options_.revision},
                                           {QStringLiteral("commit"), result.commit},
                                           {QStringLiteral("endpoint"), options_.endpoint}})
                     .toJson());
    marker.close();
    QDir().mkpath(QFileInfo(dest).absolutePath());
    QDir(dest).removeRecursively();  // an empty leftover
    if (!QDir().rename(staging, dest))
        fail(dest + QStringLiteral(": cannot move the finished download into place"));
    result.modelDir = dest;
    // The large files' (the weights') checksums were just taken: the first library to use them need not
    // hash 690 MB again.
    for (const auto& [name, sha] : verified) {
        const QString file = dest + QLatin1Char('/') + name;
        ModelIdentity::remember(file, ModelIdentity::fileKey(file), sha);
    }
    return result;
}

}  // namespace photosearch
