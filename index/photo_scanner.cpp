#include "photo_scanner.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

namespace photosearch {

PhotoScanner::PhotoScanner(QString excludedDir)
    : excluded_(excludedDir.isEmpty() ? QString() : QFileInfo(excludedDir).canonicalFilePath()) {}

bool PhotoScanner::isPhotoName(const QString& fileName) {
    static const QSet<QString> suffixes{QStringLiteral("jpg"),  QStringLiteral("jpeg"), QStringLiteral("jpe"),
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
    if (canonical.isEmpty() || visited_.contains(canonical) || (!excluded_.isEmpty() && canonical == excluded_)) return;
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
            f.problem = QStringLiteral("broken symbolic link: %1 does not exist (or the links form a loop)").arg(entry.symLinkTarget());
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
}

}  // namespace photosearch
