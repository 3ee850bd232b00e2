#pragma once

#include "photo_catalog.h"
#include "photo_library.h"
#include "photo_scanner.h"

#include "image_processor.h"

#include <QElapsedTimer>
#include <QStringList>

#include <atomic>
#include <map>
#include <set>
#include <vector>

namespace photosearch {

// One incremental index run of a PhotoLibrary, as named stages:
//  1. scan: what is on disk now; a folder that is not there (an unplugged drive) keeps its photos, offline;
//  2. compare: with the catalog; same size and time means unchanged;
//  3. hashAndMatch: content hashes of what changed, so a moved or copied photo is not embedded again;
//  4. embed: decode and preprocess on worker threads, embed in batches, one transaction per batch;
//     3 and 4 run a chunk of the changed files at a time (64, then doubling to 1,024), so the first photos
//     are searchable within seconds of a run's start whatever the library's size;
//  5. forgetDeleted: what is gone (not on a cancelled run: its scan may be incomplete);
//  then finish: the vector cache saved, the catalog's backup kept.
// Every write is a command to the library's one writer (LibraryWriter), so searches and other writers
// interleave safely between batches; a run stops within a batch when cancelled and sleeps while paused.
class LibraryIndexer {
  public:
    LibraryIndexer(PhotoLibrary& library, const IndexCallbacks& callbacks, IndexControl& control,
                   IndexReport& report);
    void run();

    struct Candidate {
        ScannedFile file;
        QString hash;
        QString error;
    };
    // A file to embed, decoded and preprocessed.
    struct Prepared {
        size_t index = 0;
        PixelValues pixels;
        // A video: its later sampled frames (the first is `pixels`), and every frame's time.
        std::vector<PixelValues> laterFrames;
        std::vector<int64_t> frameTimesMs;
        PhotoRecord record;
        QStringList keywords;  // from its XMP/IPTC metadata and sidecars: confirmed tags
        QString error;
        bool vanished = false;  // gone since the scan (an unplugged drive): neither indexed nor failed
    };

  private:
    void scan();
    void compare();
    void hashAndMatch(size_t from,
                      size_t to);  // candidates_[from, to); toEmbed_ is what of them needs embedding
    void embed();                  // toEmbed_
    void prepare(size_t index, Prepared& p, std::atomic<int64_t>& decodeNs,
                 std::atomic<int64_t>& preprocessNs) const;
    void writeBatch(std::vector<Prepared>& batch, const std::vector<std::vector<float>>& features);
    void reportProgress(size_t more, const QString& currentPath);
    void forgetDeleted();
    void finish();
    void fail(const QString& path, const QString& error);
    double lap();  // seconds since the last lap

    PhotoLibrary& lib_;
    const IndexCallbacks& callbacks_;
    IndexControl& ctl_;
    IndexReport& report_;
    QElapsedTimer timer_, stage_, embedTimer_;
    IndexProgress progress_;  // of all candidates: embedded, or settled without embedding
    QString model_;
    int dim_ = 0, workers_ = 1, batchSize_ = 1;

    std::vector<ScannedFile> files_;
    std::set<int64_t> offlineFolders_;
    std::map<QString, PhotoRecord> known_;
    std::vector<Candidate> candidates_;
    std::vector<int64_t> backOnline_;
    std::map<QString, std::vector<PhotoRecord>> missingByHash_;
    std::vector<PhotoRecord> missing_, goneOffline_;
    std::vector<size_t> toEmbed_;
    std::set<int64_t> movedIds_;
};

}  // namespace photosearch
