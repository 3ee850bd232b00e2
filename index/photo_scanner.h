#pragma once

#include <QString>

#include <sys/types.h>

#include <atomic>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace photosearch {

struct ScannedFile {
    QString path;  // absolute, as reached from the library folder
    int64_t folderId = 0;
    int64_t size = 0;
    int64_t mtimeMs = 0;
    // Why the file cannot be read at all (a broken symbolic link or a loop of them, a pipe or device
    // with a photo's name, no read permission); it is then recorded as failed without being opened.
    QString problem;
};

// Finds the photos under library folders: JPEG, PNG, WebP, TIFF, BMP, GIF, HEIF/AVIF, JPEG XL, camera RAW and
// videos (MP4, MOV, M4V, MKV, WebM, AVI, 3GP) by extension (any case),
// recursively, skipping hidden files and folders and the library's own folder, following symbolic
// links to folders but never into a loop or twice into the same folder. Names are kept as the file system
// has them, UTF-8 or not (native_path).
class PhotoScanner {
  public:
    explicit PhotoScanner(const QString& excludedDir = {});
    static bool isPhotoName(const QString& fileName);

    // Scans one folder; `cancel` is checked once per folder.
    void scan(const QString& root, int64_t folderId, std::vector<ScannedFile>& out,
              const std::atomic<bool>* cancel = nullptr);

  private:
    void visit(const QString& dir, int64_t folderId, std::vector<ScannedFile>& out,
               const std::atomic<bool>* cancel);
    std::optional<std::pair<dev_t, ino_t>> excluded_;  // the library's own folder
    std::set<std::pair<dev_t, ino_t>> visited_;        // folders read in this scan
};

// The video of a Live Photo: a MOV beside the HEIC/JPEG `stillPath` with the same name; empty when none.
QString livePhotoVideo(const QString& stillPath);

}  // namespace photosearch
