#pragma once

#include <QSet>
#include <QString>

#include <atomic>
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

// Finds the photos under library folders: JPEG, PNG, WebP, TIFF, BMP, GIF by extension (any case),
// recursively, skipping hidden files and folders and the library's own folder, following symbolic
// links to folders but never into a loop or twice into the same folder.
class PhotoScanner {
  public:
    explicit PhotoScanner(QString excludedDir = {});
    static bool isPhotoName(const QString& fileName);

    // Scans one folder; `cancel` is checked once per folder.
    void scan(const QString& root, int64_t folderId, std::vector<ScannedFile>& out,
              const std::atomic<bool>* cancel = nullptr);

  private:
    void visit(const QString& dir, int64_t folderId, std::vector<ScannedFile>& out,
               const std::atomic<bool>* cancel);
    void reportUnrepresentableNames(const QString& dir, int64_t folderId, std::vector<ScannedFile>& out);
    QString excluded_;
    QSet<QString> visited_;  // canonical folder paths
};

}  // namespace photosearch
