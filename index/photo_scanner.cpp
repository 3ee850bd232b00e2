#include "photo_scanner.h"

#include "native_path.h"
#include "raw_decoder.h"
#include "video_decoder.h"

#include <QSet>

#include <algorithm>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace photosearch {

PhotoScanner::PhotoScanner(const QString& excludedDir) {
    struct stat st {};
    if (!excludedDir.isEmpty() && ::stat(native_path::encode(excludedDir).constData(), &st) == 0)
        excluded_ = {st.st_dev, st.st_ino};
}

bool PhotoScanner::isPhotoName(const QString& fileName) {
    static const QSet<QString> suffixes{QStringLiteral("jpg"),  QStringLiteral("jpeg"), QStringLiteral("jpe"),
                                        QStringLiteral("png"),  QStringLiteral("webp"), QStringLiteral("tif"),
                                        QStringLiteral("tiff"), QStringLiteral("bmp"),  QStringLiteral("gif"),
                                        QStringLiteral("heic"), QStringLiteral("heif"), QStringLiteral("hif"),
                                        QStringLiteral("avif"), QStringLiteral("jxl")};
    const qsizetype dot = fileName.lastIndexOf(QLatin1Char('.'));
    return (dot > 0 && suffixes.contains(fileName.mid(dot + 1).toLower())) ||
           RawDecoder::isRawName(fileName) || VideoDecoder::isVideoName(fileName);
}

void PhotoScanner::scan(const QString& root, int64_t folderId, std::vector<ScannedFile>& out,
                        const std::atomic<bool>* cancel) {
    visit(root, folderId, out, cancel);
}

namespace {

int64_t milliseconds(const struct stat& st) {
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace

// The folder is read with the system's own calls, by bytes: a name that is not UTF-8 is kept exactly
// (native_path) and indexed like any other, where Qt's listing would leave it out.
void PhotoScanner::visit(const QString& dir, int64_t folderId, std::vector<ScannedFile>& out,
                         const std::atomic<bool>* cancel) {
    if (cancel && cancel->load()) return;
    const QByteArray nativeDir = native_path::encode(dir);
    struct stat self {};
    if (::stat(nativeDir.constData(), &self) != 0 || !S_ISDIR(self.st_mode)) return;
    // A folder reached twice (through a link, or a loop of links) is read once; the library's own folder
    // never.
    const std::pair<dev_t, ino_t> key{self.st_dev, self.st_ino};
    if ((excluded_ && key == *excluded_) || !visited_.insert(key).second) return;
    DIR* d = ::opendir(nativeDir.constData());
    if (!d) return;
    std::vector<std::pair<QString, QByteArray>> names;  // shown, exact
    while (const dirent* e = ::readdir(d))
        // Dot-files and dot-folders are skipped, as a person expects of ~/.cache and friends.
        if (e->d_name[0] != '.')
            names.emplace_back(native_path::decode(QByteArray(e->d_name)), QByteArray(e->d_name));
    std::sort(names.begin(), names.end());
    // RAW+JPEG shooting: a RAW file beside a JPEG of the same name is one photo, the JPEG (what the camera
    // made of it), not two near-duplicates.
    // A Live Photo (an iPhone's HEIC or JPEG with a MOV of the same name) is one item, the still; the
    // viewer plays its video (livePhotoVideo()).
    QSet<QString> jpegBases, stillBases;
    for (const auto& entry : names) {
        const QString lower = entry.first.toLower();
        for (const char* suffix : {".jpg", ".jpeg", ".jpe", ".heic", ".heif"})
            if (lower.endsWith(QLatin1String(suffix))) {
                const QString base = lower.left(lower.size() - qsizetype(std::strlen(suffix)));
                stillBases.insert(base);
                if (suffix[1] == 'j') jpegBases.insert(base);
            }
    }
    const int fd = ::dirfd(d);
    const QString prefix = dir.endsWith(QLatin1Char('/')) ? dir : dir + QLatin1Char('/');
    for (const auto& [name, raw] : names) {
        struct stat st {};
        const bool reached = ::fstatat(fd, raw.constData(), &st, 0) == 0;  // through a link to its target
        if (reached && S_ISDIR(st.st_mode)) {
            // A folder named like a photo (x.jpg/) is a folder.
            if (::faccessat(fd, raw.constData(), R_OK | X_OK, 0) == 0)
                visit(prefix + name, folderId, out, cancel);
            continue;
        }
        if (!isPhotoName(name)) continue;
        if (RawDecoder::isRawName(name) &&
            jpegBases.contains(name.toLower().section(QLatin1Char('.'), 0, -2)))
            continue;
        if (name.endsWith(QLatin1String(".mov"), Qt::CaseInsensitive) &&
            stillBases.contains(name.toLower().section(QLatin1Char('.'), 0, -2)))
            continue;
        ScannedFile f{prefix + name, folderId, 0, 0, {}};
        if (!reached) {
            struct stat link {};
            if (::fstatat(fd, raw.constData(), &link, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
            QByteArray target(4096, '\0');
            const ssize_t n = ::readlinkat(fd, raw.constData(), target.data(), target.size());
            target.resize(n > 0 ? n : 0);
            f.problem = QStringLiteral("broken symbolic link: %1 does not exist (or the links form a loop)")
                            .arg(native_path::display(native_path::decode(target)));
            f.mtimeMs = milliseconds(link);
        } else if (!S_ISREG(st.st_mode)) {
            // A broken link, pipe or device with a photo's name is reported, not silently left out.
            f.problem = QStringLiteral("not a regular file (a pipe, socket or device)");
        } else {
            f.size = static_cast<int64_t>(st.st_size);
            f.mtimeMs = milliseconds(st);
            if (::faccessat(fd, raw.constData(), R_OK, 0) != 0)
                f.problem = QStringLiteral("cannot read: permission denied");
        }
        out.push_back(std::move(f));
    }
    ::closedir(d);
}

QString livePhotoVideo(const QString& stillPath) {
    const QString lower = stillPath.toLower();
    if (!(lower.endsWith(QLatin1String(".heic")) || lower.endsWith(QLatin1String(".heif")) ||
          lower.endsWith(QLatin1String(".jpg")) || lower.endsWith(QLatin1String(".jpeg")) ||
          lower.endsWith(QLatin1String(".jpe"))))
        return {};
    const QString base = stillPath.section(QLatin1Char('.'), 0, -2);
    for (const char* suffix : {".MOV", ".mov", ".Mov"}) {
        const QString candidate = base + QLatin1String(suffix);
        if (const auto st = native_path::status(candidate); st && !st->isDir) return candidate;
    }
    return {};
}

}  // namespace photosearch
