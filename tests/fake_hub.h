#pragma once

#include <QByteArray>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QTcpServer>

// A local stand-in for the Hugging Face Hub on 127.0.0.1: the model info API, resolve URLs that
// redirect large files to a blob URL with X-Linked-Etag / X-Linked-Size, Range requests, and ways
// to misbehave (drop a connection mid-file, serve corrupted bytes, answer 404).
class FakeHub : public QObject {
    Q_OBJECT
  public:
    FakeHub(const QString& repo, const QString& modelDir, QObject* parent = nullptr);
    QString endpoint() const;

    QString commit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    QString dropFile;            // cut the connection of the first download of this file ...
    qint64 dropAfter = 0;        // ... after this many bytes
    QString corruptFile;         // serve this file with one byte changed (checksum header unchanged)
    QString missingFile;         // listed, but 404 on download
    bool throttle = false;       // send blobs in 64 KB pieces a few milliseconds apart, like a slow link
    QStringList rangeRequests;   // "file bytes=N-" for every ranged download
    QStringList authorizations;  // Authorization headers seen

  private:
    void serve(class QTcpSocket* socket, const QByteArray& request);
    QTcpServer server_;
    QString repo_;
    QMap<QString, QByteArray> files_;
    QMap<QString, QString> sha256_;
    bool dropped_ = false;
};
