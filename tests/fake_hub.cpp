#include "fake_hub.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>

namespace {
bool isLarge(const QString& name) {
    return name.endsWith(QStringLiteral(".safetensors")) || name.endsWith(QStringLiteral(".bin"));
}
}  // namespace

FakeHub::FakeHub(const QString& repo, const QString& modelDir, QObject* parent)
    : QObject(parent), repo_(repo) {
    for (const QString& name : QDir(modelDir).entryList(QDir::Files)) {
        QFile f(QDir(modelDir).filePath(name));
        f.open(QIODevice::ReadOnly);
        files_[name] = f.readAll();
        sha256_[name] =
            QString::fromLatin1(QCryptographicHash::hash(files_[name], QCryptographicHash::Sha256).toHex());
    }
    files_[QStringLiteral("README.md")] = "# a model card\n";
    server_.listen(QHostAddress::LocalHost, 0);
    connect(&server_, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket* socket = server_.nextPendingConnection()) {
            auto* buffer = new QByteArray;
            connect(socket, &QTcpSocket::disconnected, socket, [socket, buffer] {
                delete buffer;
                socket->deleteLater();
            });
            connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                buffer->append(socket->readAll());
                const qsizetype end = buffer->indexOf("\r\n\r\n");
                if (end < 0) return;
                const QByteArray request = buffer->left(end);
                buffer->remove(0, end + 4);
                serve(socket, request);
            });
        }
    });
}

QString FakeHub::endpoint() const { return QStringLiteral("http://127.0.0.1:%1").arg(server_.serverPort()); }

void FakeHub::serve(QTcpSocket* socket, const QByteArray& request) {
    const QList<QByteArray> lines = request.split('\n');
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    const QByteArray method = first.value(0);
    const QString path = QString::fromUtf8(first.value(1));
    QMap<QByteArray, QByteArray> headers;
    for (int i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0) headers[lines[i].left(colon).trimmed().toLower()] = lines[i].mid(colon + 1).trimmed();
    }
    if (headers.contains("authorization")) authorizations << QString::fromLatin1(headers["authorization"]);

    auto reply = [&](int status, const QByteArray& reason, QList<QPair<QByteArray, QByteArray>> extra,
                     const QByteArray& body, qint64 declaredLength = -1, qint64 cutAfter = -1) {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
        extra.append(qMakePair(QByteArray("Content-Length"),
                               QByteArray::number(declaredLength >= 0 ? declaredLength : body.size())));
        extra.append(qMakePair(QByteArray("Connection"), QByteArray("close")));
        for (const auto& [k, v] : extra) head += k + ": " + v + "\r\n";
        socket->write(head + "\r\n");
        if (throttle && method != "HEAD" && cutAfter < 0 && body.size() > 65536) {
            QPointer<QTcpSocket> guarded(socket);
            auto send = std::make_shared<std::function<void(qint64)>>();
            *send = [guarded, body, send](qint64 at) {
                if (!guarded || guarded->state() != QAbstractSocket::ConnectedState) return;
                guarded->write(body.mid(at, 65536));
                if (at + 65536 < body.size())
                    QTimer::singleShot(5, guarded, [send, at] { (*send)(at + 65536); });
                else
                    guarded->disconnectFromHost();
            };
            (*send)(0);
            return;
        }
        if (method != "HEAD") socket->write(cutAfter >= 0 ? body.left(cutAfter) : body);
        socket->flush();
        if (cutAfter >= 0)
            socket->abort();
        else
            socket->disconnectFromHost();
    };

    if (path == QStringLiteral("/api/models/") + repo_) {
        QJsonArray siblings;
        for (const QString& name : files_.keys())
            siblings.append(QJsonObject{{QStringLiteral("rfilename"), name}});
        return reply(200, "OK", {{"Content-Type", "application/json"}},
                     QJsonDocument(QJsonObject{{QStringLiteral("id"), repo_},
                                               {QStringLiteral("sha"), commit},
                                               {QStringLiteral("siblings"), siblings}})
                         .toJson());
    }
    static const QRegularExpression resolve(QStringLiteral("^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$"));
    static const QRegularExpression blob(QStringLiteral("^/blobs/([0-9a-f]{64})$"));
    if (const auto m = resolve.match(path); m.hasMatch()) {
        const QString name = m.captured(3);
        if (m.captured(1) != repo_ || m.captured(2) != commit || !files_.contains(name) ||
            name == missingFile)
            return reply(404, "Not Found", {{"X-Error-Code", "EntryNotFound"}}, "Entry not found");
        if (isLarge(name))
            return reply(302, "Found",
                         {{"Location", ("/blobs/" + sha256_[name]).toLatin1()},
                          {"X-Linked-Etag", ('"' + sha256_[name] + '"').toLatin1()},
                          {"X-Linked-Size", QByteArray::number(files_[name].size())}},
                         {});
        const QByteArray& data = files_[name];
        const QByteArray gitSha =
            QCryptographicHash::hash("blob " + QByteArray::number(data.size()) + '\0' + data,
                                     QCryptographicHash::Sha1)
                .toHex();
        return reply(200, "OK", {{"ETag", '"' + gitSha + '"'}}, data);
    }
    if (const auto m = blob.match(path); m.hasMatch()) {
        const QString name = sha256_.key(m.captured(1));
        QByteArray data = files_[name];
        if (name == corruptFile) data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x5A);
        qint64 from = 0;
        if (headers.contains("range")) {
            rangeRequests << name + QLatin1Char(' ') + QString::fromLatin1(headers["range"]);
            from = QByteArray(headers["range"]).mid(6).split('-').value(0).toLongLong();
        }
        const QByteArray body = data.mid(from);
        QList<QPair<QByteArray, QByteArray>> extra{{"ETag", ('"' + sha256_[name] + '"').toLatin1()}};
        if (from > 0)
            extra.append(qMakePair(QByteArray("Content-Range"), "bytes " + QByteArray::number(from) + '-' +
                                                                    QByteArray::number(data.size() - 1) +
                                                                    '/' + QByteArray::number(data.size())));
        if (name == dropFile && !dropped_) {
            dropped_ = true;
            return reply(from > 0 ? 206 : 200, from > 0 ? "Partial Content" : "OK", extra, body, body.size(),
                         dropAfter);
        }
        return reply(from > 0 ? 206 : 200, from > 0 ? "Partial Content" : "OK", extra, body);
    }
    reply(404, "Not Found", {}, "no route");
}
