#pragma once

#include "library_search.h"
#include "photo_catalog.h"
#include "saved_search.h"
#include "vector_index.h"
#include "xmp_sidecar.h"
#include "zero_shot_tagger.h"

#include <QJsonObject>
#include <QLockFile>
#include <QString>
#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace photosearch {

class AlignEmbedder;
class LibrarySearch;
class LibraryWriter;

struct LibraryOptions {
    QString libraryDir;
    QString modelDir;
    QString device = QStringLiteral("auto");
    int threads = 0;
    bool writable = false;  // takes the writer lock: index, tag, folders
    QString precision;      // EmbedderOptions::precision; empty: $PHOTOSEARCH_PRECISION, else auto
    // Check every page of the catalog at open (PRAGMA quick_check): damage anywhere is reported before a run
    // builds on it. About a second for 100,000 photos, so the command line's index run asks for it and the
    // window does not (damage it reads later is reported then).
    bool verifyCatalog = false;
    // The search index: "auto" (exact up to VectorIndex::kExactUpTo photos, approximate past it), "exact" or
    // "approximate". Empty: $PHOTOSEARCH_INDEX, else auto.
    QString indexKind{};
};

struct IndexProgress {
    int64_t done = 0;
    int64_t total = 0;
    double photosPerSecond = 0;
    double etaSeconds = -1;
    QString currentPath;
};

struct IndexReport {
    int64_t indexed = 0;  // embedded in this run
    int64_t unchanged = 0;
    int64_t moved = 0;   // found again at another path by content; vector and tags kept
    int64_t copies = 0;  // byte-identical to a photo already indexed; its vector reused
    int64_t removed = 0;
    int64_t offline = 0;  // under a folder that is not there now (unplugged drive); kept
    std::vector<std::pair<QString, QString>> failed;  // path, error
    int64_t total = 0;                                // photos searchable now
    double elapsedSeconds = 0;
    bool cancelled = false;
    // The image model's threads: the most and the fewest a batch ran with (fewer while other programs kept
    // CPUs busy, when the count is automatic). 0 when nothing was embedded.
    int modelThreadsMost = 0;
    int modelThreadsFewest = 0;
    // Where the time went, in seconds. decode and preprocess are summed over the worker threads, which
    // overlap with embedding; the others are wall time on the indexing thread.
    struct Stages {
        double loadModel = 0;  // model load and identity (checksum), vector cache load
        double scan = 0;       // folder walk and catalog comparison
        double hash = 0;       // content hashes of new and changed files
        double decode = 0;
        double preprocess = 0;
        double embed = 0;            // the image model
        double write = 0;            // SQLite transactions and the FAISS cache
        QJsonObject toJson() const;  // the same names in snake case ("load_model", ...), in seconds
    } stages;
};

// Pause, resume and cancel an index run from another thread; each takes effect within one batch. A paused
// run sleeps until it is resumed or cancelled (no polling).
class IndexControl {
  public:
    void setPaused(bool paused);
    void cancel();
    // For a signal handler (Ctrl-C): only sets the flag, which is async-signal-safe; the run sees it at the
    // next batch. (The command line never pauses, so nothing waits to be woken.)
    void cancelFromSignalHandler() noexcept { cancelled_.store(true); }
    // Ready for a new run: neither paused nor cancelled.
    void reset();
    bool isCancelled() const { return cancelled_.load(); }
    bool isPaused() const { return paused_.load(); }
    // Returns at once unless paused; then when resumed or cancelled.
    void waitWhilePaused();
    const std::atomic<bool>& cancelFlag() const { return cancelled_; }

  private:
    std::atomic<bool> cancelled_{false};
    std::atomic<bool> paused_{false};
    std::mutex mutex_;
    std::condition_variable resumed_;
};

struct IndexCallbacks {
    std::function<void(const IndexProgress&)> progress;
    std::function<void(const QString& path, const QString& error)> fileFailed;
};

struct LibraryStatus {
    int64_t photos = 0, indexed = 0, failed = 0, offline = 0;
    std::vector<std::pair<QString, int64_t>> folders;  // path, photos under it
    QString modelId, modelName;
    int dim = 0;
    int64_t vectors = 0;            // photos' vectors and videos' later frames
    bool approximateIndex = false;  // the search index kind for them (the loaded one, else by the setting)
};

// The photo library: a folder holding the SQLite catalog (the source of truth) and the FAISS vector
// cache, used by the command line and the window alike. Only one process writes at a time (a lock
// file); any number may search.
class PhotoLibrary {
  public:
    static std::unique_ptr<PhotoLibrary> open(const LibraryOptions& options);
    ~PhotoLibrary();

    QString addFolder(const QString& path);
    bool removeFolder(const QString& path);
    std::vector<FolderRecord> folders() const;
    // Every directory holding indexed photos (the folders and their subfolders) with the number directly in
    // it: what choosing it in the window shows.
    std::vector<std::pair<QString, int64_t>> directoryCounts() const;

    // Scans every folder and indexes what is new or changed; forgets what was deleted.
    IndexReport index(const IndexCallbacks& callbacks = {}, IndexControl* control = nullptr);
    // Drops every vector (made by another model) so the next index run re-embeds with this one.
    void resetVectors();

    std::vector<SearchResult> search(const QString& text, const SearchOptions& options);
    // How to read a typed query against this library (its folder and file names); the clock is now.
    QueryContext queryContext();
    // Reads the folder and file names queryContext() matches words against now, off the thread that will
    // type: they are read on first use otherwise, and again after an index run or a removed folder.
    void prepareQueryContext();
    bool queryContextPrepared();
    // Saved searches (smart albums), by name. Saving under a name taken replaces that search.
    std::vector<SavedSearch> savedSearches() const;
    std::optional<SavedSearch> savedSearch(const QString& name) const;
    void saveSearch(const SavedSearch& search);
    bool deleteSavedSearch(const QString& name);
    // Photos like the image at `path` (in the library or not); the photo itself is left out.
    std::vector<SearchResult> similar(const QString& path, const SearchOptions& options);
    // No query: the photos that pass the filters, newest first (LibrarySearch::browse).
    std::vector<SearchResult> browse(const SearchOptions& options);
    // Zero-shot tags for the photos under `folder`: softmax over logits_per_image, best label stored.
    std::vector<TaggedPhoto> tag(const QString& folder, const QStringList& labels,
                                 const QString& promptTemplate = {});
    // The two halves of tag(): compute (read-only, for a preview) and store (replacing earlier tags of the
    // label set).
    std::vector<TaggedPhoto> computeTags(const QString& folder, const QStringList& labels,
                                         const QString& promptTemplate = {});
    void saveTags(const QStringList& labels, const std::vector<TaggedPhoto>& tagged);
    QStringList allTags() const;
    // Each tag with how many photos carry it.
    std::vector<std::pair<QString, int64_t>> tagCounts() const;
    // A tag given to (on) or taken from (off) the photos at `paths`, by hand; paths not in the library are
    // passed over. Throws on a tag without a name.
    void setTag(const QStringList& paths, const QString& tag, bool on);
    // Renames a tag everywhere (into an existing one: merged) or deletes it from every photo.
    void renameTag(const QString& from, const QString& to);
    void deleteTag(const QString& tag);
    std::vector<std::vector<SearchResult>> duplicates(float threshold);

    // XMP sidecars (#18, photo_library_sidecars.cpp): each photo under `folder` (every photo when empty) with
    // tags gets them added to its sidecar (XmpSidecar::addTags); confirmed tags, and suggested ones when
    // asked. A sidecar that cannot be written is reported and the others go on.
    struct SidecarReport {
        int64_t written = 0, upToDate = 0;
        QStringList failures;  // one message per photo
    };
    SidecarReport writeSidecars(const QString& folder, XmpSidecar::Style style, bool withSuggested);
    // Whether confirmed tags are written to sidecars as they change (Settings), and in which style.
    std::optional<XmpSidecar::Style> automaticSidecars() const;
    void setAutomaticSidecars(std::optional<XmpSidecar::Style> style);
    // After tags of the photos at `paths` changed: their sidecars, when automatic; the failures' messages.
    QStringList writeSidecarsIfAutomatic(const QStringList& paths);
    LibraryStatus status();
    // The files that could not be indexed, by path, with the reason (the window's Problems list).
    std::vector<std::pair<QString, QString>> failures() const;

    // The catalog as committed, through the read-only connection searches use. Writes go through writer().
    PhotoCatalog& catalog() const { return *reader_; }
    // The library's one writer; null when the library was opened read-only.
    LibraryWriter* writer() const { return writer_.get(); }
    AlignEmbedder& embedder();
    // The model this library's vectors come from; throws when it is not the model in use. With `loadModel`
    // false the model itself is loaded only if its weights must be hashed anyway (beside the hash): an index
    // run that finds nothing new never reads the weights.
    QString modelId(bool loadModel = true);
    // The model's embedding size, from its config.json (or the loaded model).
    int modelDim();
    // Whether the model's weights were read (by a search, or a run that had photos to embed).
    bool modelLoaded();
    const QString& dir() const { return dir_; }
    // The vector index as it stands now, or null before first use. A snapshot: it stays valid while held,
    // even when the library drops it (a removed folder) and builds another.
    std::shared_ptr<VectorIndex> vectors() const;
    // The vector index, loaded from the cache or built from the catalog on first use.
    std::shared_ptr<VectorIndex> ensureVectors();
    // The lock of a writer that died (kill -9, a crash) was found and removed when this library was opened.
    bool removedStaleLock() const { return removedStaleLock_; }

  private:
    PhotoLibrary() = default;
    // The cache when it is trusted, else built from `catalog`; published as the current index. `built` says
    // which.
    std::shared_ptr<VectorIndex> loadOrBuildVectors(PhotoCatalog& catalog, const QString& modelId, int dim,
                                                    bool* built);
    void dropVectors();
    void saveVectors();
    // The catalog's last good copy (LibraryRepair), after a successful index run or tag run.
    void keepBackup();
    void requireWritable() const;
    friend class LibraryIndexer;

    LibraryOptions options_;
    int64_t exactUpTo_ = VectorIndex::kExactUpTo;  // from options_.indexKind
    QString dir_;
    std::unique_ptr<QLockFile> lock_;
    std::unique_ptr<LibraryWriter> writer_;  // owns the write connection; null when read-only
    std::unique_ptr<PhotoCatalog>
        reader_;  // committed data only, for searches, status and the indexer's diff
    std::unique_ptr<LibrarySearch> search_;
    std::unique_ptr<AlignEmbedder> embedder_;
    std::shared_ptr<VectorIndex>
        vectors_;  // replaced whole under vectorsMutex_; VectorIndex locks its own contents
    mutable std::mutex vectorsMutex_;
    QString modelId_;
    int modelDim_ = 0;
    bool removedStaleLock_ = false;
    // Lock order: loadMutex_, then (waiting for) the writer, then vectorsMutex_. Commands running on the
    // writer thread take vectorsMutex_ only.
    std::recursive_mutex loadMutex_;  // the model and the vector cache load once, whichever thread asks first
};

// "YYYY:MM:DD HH:MM:SS" (EXIF, local time) to seconds since the epoch; nullopt when malformed.
std::optional<int64_t> parseExifDateTime(const QString& value);

}  // namespace photosearch
