#include "native_path.h"

#include <QFile>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace photosearch::native_path {

namespace {

constexpr char16_t kFirstEscape = 0xDC80;  // byte 0x80
constexpr char16_t kLastEscape = 0xDCFF;   // byte 0xFF

// A carried byte is a low surrogate in U+DC80..U+DCFF with no high surrogate before it (after one, it is
// the second half of a character beyond U+FFFF, such as U+1F080).
bool isEscapeAt(QStringView s, qsizetype i) {
    const char16_t c = s[i].unicode();
    return c >= kFirstEscape && c <= kLastEscape && (i == 0 || !s[i - 1].isHighSurrogate());
}

// The length of the valid UTF-8 sequence at `p` (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), or 0 when the bytes there are not one.
int validSequence(const unsigned char* p, qsizetype left) {
    const unsigned char b = p[0];
    if (b < 0x80) return 1;
    int length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
        length = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        length = 3;
        if (b == 0xE0) low = 0xA0;   // overlong
        if (b == 0xED) high = 0x9F;  // U+D800..U+DFFF
    } else if (b >= 0xF0 && b <= 0xF4) {
        length = 4;
        if (b == 0xF0) low = 0x90;   // overlong
        if (b == 0xF4) high = 0x8F;  // past U+10FFFF
    } else {
        return 0;
    }
    if (left < length || p[1] < low || p[1] > high) return 0;
    for (int i = 2; i < length; ++i)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return length;
}

}  // namespace

QString decode(const char* bytes, qsizetype size) {
    if (QByteArrayView(bytes, size).isValidUtf8()) return QString::fromUtf8(bytes, size);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes);
    QString out;
    out.reserve(size);
    for (qsizetype i = 0; i < size;) {
        if (const int n = validSequence(p + i, size - i)) {
            out += QString::fromUtf8(bytes + i, n);
            i += n;
        } else {
            out += QChar(char16_t(0xDC00 + p[i]));  // p[i] >= 0x80: ASCII is always valid
            ++i;
        }
    }
    return out;
}

QString decode(const QByteArray& bytes) { return decode(bytes.constData(), bytes.size()); }

bool hasRawBytes(const QString& path) {
    for (qsizetype i = 0; i < path.size(); ++i)
        if (isEscapeAt(path, i)) return true;
    return false;
}

QByteArray encode(const QString& path) {
    if (!hasRawBytes(path)) return path.toUtf8();
    QByteArray out;
    out.reserve(path.size() * 2);
    qsizetype start = 0;
    for (qsizetype i = 0; i < path.size(); ++i) {
        if (!isEscapeAt(path, i)) continue;
        const char16_t c = path.at(i).unicode();
        out += QStringView(path).mid(start, i - start).toUtf8();
        out += char(c - 0xDC00);
        start = i + 1;
    }
    out += QStringView(path).mid(start).toUtf8();
    return out;
}

QString display(const QString& path) {
    if (!hasRawBytes(path)) return path;
    QString out;
    for (qsizetype i = 0; i < path.size(); ++i)
        out += isEscapeAt(path, i)
                   ? QStringLiteral("\\x%1").arg(path.at(i).unicode() - 0xDC00, 2, 16, QLatin1Char('0'))
                   : QString(path.at(i));
    return out;
}

std::optional<Status> status(const QString& path) {
    const QByteArray bytes = encode(path);
    struct stat st {};
    if (::stat(bytes.constData(), &st) != 0) return std::nullopt;
    Status s;
    s.isDir = S_ISDIR(st.st_mode);
    s.isFile = S_ISREG(st.st_mode);
    struct stat link {};
    s.isSymLink = ::lstat(bytes.constData(), &link) == 0 && S_ISLNK(link.st_mode);
    s.size = static_cast<int64_t>(st.st_size);
    s.mtimeMs = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    return s;
}

bool existsOrIsLink(const QString& path) {
    struct stat st {};
    return ::lstat(encode(path).constData(), &st) == 0;
}

QString openForReading(QFile& file, const QString& path) {
    if (!hasRawBytes(path)) {
        file.setFileName(path);
        return file.open(QIODevice::ReadOnly) ? QString() : file.errorString();
    }
    const int fd = ::open(encode(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return QString::fromLocal8Bit(std::strerror(errno));
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return file.errorString();
    }
    return {};
}

}  // namespace photosearch::native_path
