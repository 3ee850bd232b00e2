#pragma once

#include "photo_catalog.h"
#include "vector_index.h"

#include <QLockFile>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace photosearch {

class AlignEmbedder;

struct LibraryOptions {
    QString libraryDir;
    QString modelDir;
    QString device = QStringLiteral("auto");
    int threads = 0;
    bool writable = false;  // takes the writer lock: index, tag, folders
    QString precision;  // EmbedderOptions::precision; empty: $PHOTOSEARCH_PRECISION, else auto
    // Check every page of the catalog at open (PRAGMA quick_check): damage anywhere is reported before a run
    // builds on it. About a second for 100,000 photos, so the command line's index run asks for it and the
    // window does not (damage it reads later is reported then).
    bool verifyCatalog = false;
};

struct IndexProgress {
    int64_t done = 0;
    int64_t total = 0;
    double photosPerSecond = 0;
    double etaSeconds = -1;
    QString currentPath;
};

struct IndexReport {
    int64_t indexed = 0;    // embedded in this run
    int64_t unchanged = 0;
    int64_t moved = 0;      // found again at another path by content; vector and tags kept
    int64_t copies = 0;     // byte-identical to a photo already indexed; its vector reused
    int64_t removed = 0;
    int64_t offline = 0;    // under a folder that is not there now (unplugged drive); kept
    std::vector<std::pair<QString, QString>> failed;  // path, error
    int64_t total = 0;      // photos searchable now
    double elapsedSeconds = 0;
    bool cancelled = false;
    // Where the time went, in seconds. decode and preprocess are summed over the worker threads, which
    // overlap with embedding; the others are wall time on the indexing thread.
    struct Stages {
        double loadModel = 0;  // model load and identity (checksum), vector cache load
        double scan = 0;       // folder walk and catalog comparison
        double hash = 0;       // content hashes of new and changed files
        double decode = 0;
        double preprocess = 0;
        double embed = 0;      // the image model
        double write = 0;      // SQLite transactions and the FAISS cache
    } stages;
};

// Pause, resume and cancel an index run from another thread; each takes effect within one batch.
struct IndexControl {
    std::atomic<bool> cancel{false};
    std::atomic<bool> pause{false};
};

struct IndexCallbacks {
    std::function<void(const IndexProgress&)> progress;
    std::function<void(const QString& path, const QString& error)> fileFailed;
};

struct SearchOptions {
    int limit = 20;
    std::optional<float> minScore;
    QString folder;                 // only photos under this folder
    std::optional<int64_t> after;   // taken at or after (seconds since the epoch)
    std::optional<int64_t> before;  // taken before
    QString tag;
    QString notText;                // push results away from this concept
    float notWeight = 0.5f;
    QString imagePath;              // combine the text with an image
    float textWeight = 1.0f;
    float imageWeight = 1.0f;
};

struct SearchResult {
    int64_t id = 0;
    QString path;
    float score = 0;
};

struct TaggedPhoto {
    int64_t id = 0;
    QString path;
    QString tag;
    std::vector<std::pair<QString, float>> probabilities;  // in the order the labels were given
};

struct LibraryStatus {
    int64_t photos = 0, indexed = 0, failed = 0, offline = 0;
    std::vector<std::pair<QString, int64_t>> folders;  // path, photos under it
    QString modelId, modelName;
    int dim = 0;
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

    // Scans every folder and indexes what is new or changed; forgets what was deleted.
    IndexReport index(const IndexCallbacks& callbacks = {}, IndexControl* control = nullptr);
    // Drops every vector (made by another model) so the next index run re-embeds with this one.
    void resetVectors();

    std::vector<SearchResult> search(const QString& text, const SearchOptions& options);
    // Photos like the image at `path` (in the library or not); the photo itself is left out.
    std::vector<SearchResult> similar(const QString& path, const SearchOptions& options);
    // Zero-shot tags for the photos under `folder`: softmax over logits_per_image, best label stored.
    std::vector<TaggedPhoto> tag(const QString& folder, const QStringList& labels, const QString& promptTemplate = {});
    // The two halves of tag(): compute (read-only, for a preview) and store (replacing earlier tags of the label set).
    std::vector<TaggedPhoto> computeTags(const QString& folder, const QStringList& labels, const QString& promptTemplate = {});
    void saveTags(const QStringList& labels, const std::vector<TaggedPhoto>& tagged);
    QStringList allTags() const;
    std::vector<std::vector<SearchResult>> duplicates(float threshold);
    LibraryStatus status();

    PhotoCatalog& catalog() { return *catalog_; }
    AlignEmbedder& embedder();
    // The model this library's vectors come from; throws when it is not the model in use.
    QString modelId();
    const QString& dir() const { return dir_; }
    // The vector index as it stands now, or null before first use. A snapshot: it stays valid while held,
    // even when the library drops it (a removed folder) and builds another.
    std::shared_ptr<VectorIndex> vectors() const;
    // The lock of a writer that died (kill -9, a crash) was found and removed when this library was opened.
    bool removedStaleLock() const { return removedStaleLock_; }

private:
    PhotoLibrary() = default;
    // Every write to the catalog (an index batch, tags, folders, a reset) holds writeMutex_ for its
    // transaction, so writes from the window's threads never nest on the one connection, nor join a
    // transaction another thread will roll back.
    class WriteTransaction {
    public:
        explicit WriteTransaction(PhotoLibrary& library) : lock_(library.writeMutex_), tx_(library.catalog_->db()) {}
        void commit() { tx_.commit(); }

    private:
        std::unique_lock<std::recursive_mutex> lock_;
        SqliteTransaction tx_;
    };
    std::shared_ptr<VectorIndex> ensureVectors();
    void dropVectors();
    void saveVectors();
    // The catalog's last good copy (LibraryRepair), after a successful index run or tag run.
    void keepBackup();
    void requireWritable() const;
    std::vector<float> queryVector(const QString& text, const SearchOptions& options);
    std::vector<SearchResult> rank(const std::vector<float>& query, const SearchOptions& options, int64_t excludeId);
    void refreshPaths();
    friend class LibraryIndexer;

    LibraryOptions options_;
    QString dir_;
    std::unique_ptr<QLockFile> lock_;
    std::unique_ptr<PhotoCatalog> catalog_;  // the writer's connection (the only one of a read-only library)
    std::unique_ptr<PhotoCatalog> reader_;   // committed data only, for searches and status; null when read-only
    PhotoCatalog& reader() const;
    std::unique_ptr<AlignEmbedder> embedder_;
    std::shared_ptr<VectorIndex> vectors_;  // replaced whole under vectorsMutex_; VectorIndex locks its own contents
    mutable std::mutex vectorsMutex_;
    QString modelId_;
    bool removedStaleLock_ = false;
    std::mutex pathsMutex_;
    // Lock order: loadMutex_, then writeMutex_, then vectorsMutex_ or pathsMutex_.
    std::recursive_mutex loadMutex_;  // the model and the vector cache load once, whichever thread asks first
    std::recursive_mutex writeMutex_;
    std::unordered_map<int64_t, std::pair<QString, int64_t>> paths_;  // id -> path, taken_at
};

// "YYYY:MM:DD HH:MM:SS" (EXIF, local time) to seconds since the epoch; nullopt when malformed.
std::optional<int64_t> parseExifDateTime(const QString& value);

}  // namespace photosearch
