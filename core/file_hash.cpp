#include "file_hash.h"

#include "native_path.h"

#include <QFile>

#include <openssl/evp.h>

namespace photosearch {

struct Digest::State {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~State() { EVP_MD_CTX_free(ctx); }
};

Digest::Digest(Algorithm algorithm) : state_(std::make_unique<State>()) {
    EVP_DigestInit_ex(state_->ctx, algorithm == Sha1 ? EVP_sha1() : EVP_sha256(), nullptr);
}

Digest::~Digest() = default;

void Digest::add(const char* data, qint64 size) {
    if (size > 0) EVP_DigestUpdate(state_->ctx, data, static_cast<size_t>(size));
}

bool Digest::addFile(const QString& path, QString* error) {
    QFile f;
    if (const QString reason = native_path::openForReading(f, path); !reason.isEmpty()) {
        if (error) *error = QStringLiteral("cannot read: ") + reason;
        return false;
    }
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    for (;;) {
        const qint64 n = f.read(buffer.data(), buffer.size());
        if (n < 0) {
            if (error) *error = QStringLiteral("cannot read: ") + f.errorString();
            return false;
        }
        if (n == 0) return true;
        add(buffer.constData(), n);
    }
}

QByteArray Digest::hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(state_->ctx, digest, &length);
    return QByteArray(reinterpret_cast<const char*>(digest), static_cast<int>(length)).toHex();
}

QString Digest::sha256OfFile(const QString& path, QString* error) {
    Digest d(Sha256);
    if (!d.addFile(path, error)) return {};
    return QString::fromLatin1(d.hex());
}

}  // namespace photosearch
