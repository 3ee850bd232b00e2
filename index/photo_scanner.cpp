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
    const QFileInfoList entries =
        QDir(dir).entryInfoList(QDir::Dirs | QDir::Files | QDir::NoDotAndDotDot | QDir::Readable, QDir::Name);
    for (const QFileInfo& entry : entries) {
        if (entry.isDir()) {
            visit(entry.absoluteFilePath(), folderId, out, cancel);
        } else if (entry.isFile() && isPhotoName(entry.fileName())) {
            out.push_back({entry.absoluteFilePath(), folderId, entry.size(),
                           entry.lastModified().toMSecsSinceEpoch()});
        }
    }
}

}  // namespace photosearch
