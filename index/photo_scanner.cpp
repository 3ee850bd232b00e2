#include "photo_scanner.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace photosearch {

PhotoScanner::PhotoScanner(QString excludedDir)
    : excluded_(excludedDir.isEmpty() ? QString() : QFileInfo(excludedDir).canonicalFilePath()) {}

bool PhotoScanner::isPhotoName(const QString& fileName) {
    static const QSet<QString> suffixes{
        QStringLiteral("jpg"),  QStringLiteral("jpeg"), QStringLiteral("jpe"),
        QStringLiteral("png"),  QStringLiteral("webp"), QStringLiteral("tif"),
        QStringLiteral("tiff"), QStringLiteral("bmp"),  QStringLiteral("gif")};
    const qsizetype dot = fileName.lastIndexOf(QLatin1Char('.'));
    return dot > 0 && suffixes.contains(fileName.mid(dot + 1).toLower());
}

void PhotoScanner::scan(const QString& root, int64_t folderId, std::vector<ScannedFile>& out,
                        const std::atomic<bool>* cancel) {
    visit(root, folderId, out, cancel);
}

void PhotoScanner::visit(const QString& dir, int64_t folderId, std::vector<ScannedFile>& out,
                         const std::atomic<bool>* cancel) {
    if (cancel && cancel->load()) return;
    const QString canonical = QFileInfo(dir).canonicalFilePath();
    if (canonical.isEmpty() || visited_.contains(canonical) ||
        (!excluded_.isEmpty() && canonical == excluded_))
        return;
    visited_.insert(canonical);
    // No QDir::Hidden: dot-files and dot-folders are skipped, as a person expects of ~/.cache and friends.
    // QDir::System lists broken symbolic links, pipes and devices too: a file with a photo's name that
    // cannot be read is reported, not silently left out. A folder named like a photo (x.jpg/) is a folder.
    const QFileInfoList entries =
        QDir(dir).entryInfoList(QDir::Dirs | QDir::Files | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo& entry : entries) {
        if (entry.isDir()) {
            if (entry.isReadable()) visit(entry.absoluteFilePath(), folderId, out, cancel);
            continue;
        }
        if (!isPhotoName(entry.fileName())) continue;
        ScannedFile f{entry.absoluteFilePath(), folderId, 0, 0, {}};
        if (entry.isSymLink() && !entry.exists()) {
            f.problem = QStringLiteral("broken symbolic link: %1 does not exist (or the links form a loop)")
                            .arg(entry.symLinkTarget());
            f.mtimeMs = entry.lastModified().toMSecsSinceEpoch();
        } else if (!entry.isFile()) {
            f.problem = QStringLiteral("not a regular file (a pipe, socket or device)");
        } else {
            f.size = entry.size();
            f.mtimeMs = entry.lastModified().toMSecsSinceEpoch();
            if (!entry.isReadable()) f.problem = QStringLiteral("cannot read: permission denied");
        }
        out.push_back(f);
    }
    reportUnrepresentableNames(dir, folderId, out);
}

// Linux allows any bytes but '/' and NUL in a name; Qt turns names that are not UTF-8 into text that no
// longer names the file, and leaves them out of its listings. Such photos and folders are listed here from
// the raw directory, and recorded as failed with the reason, never skipped in silence.
void PhotoScanner::reportUnrepresentableNames(const QString& dir, int64_t folderId,
                                              std::vector<ScannedFile>& out) {
    const QByteArray rawDir = QFile::encodeName(dir);
    DIR* d = ::opendir(rawDir.constData());
    if (!d) return;
    while (const dirent* e = ::readdir(d)) {
        const QByteArray raw(e->d_name);
        if (raw.startsWith('.') || QFile::encodeName(QFile::decodeName(raw)) == raw) continue;
        struct stat st {};
        if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0) continue;
        const bool folder = S_ISDIR(st.st_mode);
        const QString shown = QFile::decodeName(raw);
        if (!folder && !isPhotoName(shown)) continue;
        ScannedFile f{dir + QLatin1Char('/') + shown,
                      folderId,
                      folder ? 0 : static_cast<int64_t>(st.st_size),
                      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000,
                      {}};
        QString bytes;
        for (const char c : raw) {
            const auto u = static_cast<unsigned char>(c);
            bytes += u >= 0x20 && u < 0x7f ? QString(QLatin1Char(c))
                                           : QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
        }
        f.problem = QStringLiteral(
                        "the %1 name \"%2\" is not valid UTF-8, so PhotoSearch cannot open it; rename it "
                        "(for example "
                        "with convmv) and it will be indexed")
                        .arg(folder ? QStringLiteral("folder") : QStringLiteral("file"), bytes);
        out.push_back(f);
    }
    ::closedir(d);
}

}  // namespace photosearch
