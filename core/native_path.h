#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>

class QFile;

namespace photosearch {

// Linux file names are bytes (anything but '/' and NUL), not text: `caf\xe9.jpg` from an old camera or a
// Windows zip is a legal name that is not UTF-8. Qt decodes names as UTF-8 and loses such bytes, so the file
// could not be opened again. PhotoSearch keeps every name exactly: the bytes of a name that are not valid
// UTF-8 are carried in the QString as U+DC80..U+DCFF (one lone surrogate per byte, as Python's
// "surrogateescape" does), turned back into the same bytes when the file is opened or the path stored, and
// shown as \xNN. A name that is valid UTF-8 is an ordinary QString; nothing changes for it.
namespace native_path {

// The bytes of a name or path (from readdir, argv, the catalog) as a QString that keeps them all.
QString decode(const QByteArray& bytes);
QString decode(const char* bytes, qsizetype size);
// The exact bytes `decode` was given.
QByteArray encode(const QString& path);
// True when `path` carries bytes that are not UTF-8.
bool hasRawBytes(const QString& path);
// For people: the raw bytes as \xNN; everything else unchanged.
QString display(const QString& path);

struct Status {
    bool isDir = false, isFile = false, isSymLink = false;
    int64_t size = 0;
    int64_t mtimeMs = 0;
};
// stat() (following links), by the exact bytes; nullopt when the path does not lead to anything.
std::optional<Status> status(const QString& path);
// The link itself (lstat): a broken link still has one.
bool existsOrIsLink(const QString& path);
// Opens `file` for reading at the exact bytes of `path` (QFile::open(path) alone would look for the name
// Qt's decoding made). Returns why it could not, or an empty string.
QString openForReading(QFile& file, const QString& path);

}  // namespace native_path
}  // namespace photosearch
