#pragma once

#include "photo_library.h"

#include <QObject>
#include <QStringList>
#include <QThread>
#include <QVector>

#include <atomic>
#include <functional>
#include <memory>

namespace photosearch {

struct SearchHit {
    QString path;
    float score = 0;     // cosine to the query; 0 when browsing
    qint64 takenAt = 0;  // seconds since the epoch
    double timeS = -1;   // a video: the moment shown (its best match, or its first sampled frame); else -1
    // Search results: the library's judgement (SearchResult): a good match or not, how far it stands out,
    // how many typed words its folder or file names hold, and its place in the library's ranking.
    bool good = false;
    double standing = 0;
    int nameMatches = 0;
    int rank = 0;
    bool suggested = false;  // shown for a tag filter because the tag is suggested, not given (#18)
    bool isVideo() const { return timeS >= 0; }
    // What its thumbnail is made of: the photo, or the video at that moment (photo_image.h).
    QString thumbnailKey() const;
};

// The window's one door into index/: owns the PhotoLibrary, runs searches on a search thread and
// indexing on an indexing thread, and reports back only through signals carrying values. A search
// request supersedes any older one still waiting; it is never queued behind it.
class LibrarySession : public QObject {
    Q_OBJECT
  public:
    explicit LibrarySession(QObject* parent = nullptr);
    ~LibrarySession() override;

    // Opens the library for writing when no other PhotoSearch writes to it, else read-only.
    // Returns an error text, or empty.
    QString open(const LibraryOptions& options);
    bool isOpen() const { return library_ != nullptr; }
    bool isWritable() const { return writable_; }
    PhotoLibrary* library() { return library_.get(); }

    int search(const QString& text, const SearchOptions& options);
    int similar(const QString& path, const SearchOptions& options);
    // No query: the photos that pass the options' filters, newest first.
    int browse(const SearchOptions& options);
    // Loads the model on the search thread, after what is already queued there (a first browse), and says
    // when it can search: modelLoaded, or modelFailed (modelMismatch: the library's vectors come from another
    // model). Supersedes no request.
    void loadModel();

    void startIndexing();
    bool isIndexing() const { return indexing_; }
    void setPaused(bool paused);
    void cancelIndexing();
    // Stops the indexing worker and waits for it (closing the window): committed batches are kept.
    void shutdown();

    QStringList folders() const;
    QString addFolder(const QString& path);  // error text or empty
    QString removeFolder(const QString& path);
    QStringList tags() const;
    // Tags by hand: given to or taken from photos, renamed, deleted. Each returns an error text or empty and
    // announces libraryChanged.
    QString setTag(const QStringList& paths, const QString& tag, bool on);
    QString renameTag(const QString& from, const QString& to);
    QString deleteTag(const QString& tag);
    // A person's verdict on photos for a label (#18), on the search thread (a new label's prompt needs the
    // model; re-scoring reads every vector): tagJudged or failed report back.
    void judgeTag(const QStringList& paths, const QString& label, bool accepted);
    // The labels suggested for the photo at `path`, best first (not yet confirmed).
    QStringList suggestedTagsOf(const QString& path) const;
    std::map<QString, int64_t> suggestionCounts() const;
    // Whether tags are written to XMP sidecars as they change, and in which style (the library's setting).
    std::optional<XmpSidecar::Style> automaticSidecars() const;
    QString setAutomaticSidecars(std::optional<XmpSidecar::Style> style);
    std::vector<std::pair<QString, int64_t>> tagCounts() const;
    // Saved searches (smart albums): listed by name; saving or deleting says what went wrong, if anything.
    std::vector<SavedSearch> savedSearches() const;
    QString saveSearch(const SavedSearch& search);
    QString deleteSavedSearch(const QString& name);
    // Every directory holding photos, with the photos directly in it.
    std::vector<std::pair<QString, int64_t>> directoryCounts() const;
    // The tags of the photo at `path` (empty when it is not in the library).
    QStringList tagsOf(const QString& path) const;
    // The catalog as committed now: counts by status and per folder (an empty status when not open).
    LibraryStatus status() const;
    // The files that failed, with why (for the Problems list, also after a restart).
    std::vector<std::pair<QString, QString>> failures() const;

    // Computes zero-shot tags on the search thread; tagsComputed / failed report back.
    void computeTags(const QString& folder, const QStringList& labels, const QString& promptTemplate);
    QString saveTags(const QStringList& labels, const std::vector<TaggedPhoto>& tagged);
    // What an index run changed, in words ("12 photos indexed, 1 removed"; "Up to date...").
    static QString runSummary(const IndexReport& report);

  signals:
    void searchFinished(int requestId, const QVector<photosearch::SearchHit>& hits, double elapsedMs);
    // modelMismatch: the library's vectors come from another model (offer to re-index).
    void searchFailed(int requestId, const QString& error, bool modelMismatch);
    void modelLoaded();
    void modelFailed(const QString& error, bool modelMismatch);
    void indexingStarted();
    void indexProgress(qint64 done, qint64 total, double photosPerSecond, double etaSeconds);
    void indexFileFailed(const QString& path, const QString& error);
    void indexingFinished(const QString& summary, bool cancelled);
    // A label's verdict was recorded (photos: how many; 0 when only re-scored) and it now suggests
    // `suggested` photos.
    void tagJudged(const QString& label, bool accepted, int photos, int suggested);
    void tagsComputed(const QStringList& labels, const std::vector<photosearch::TaggedPhoto>& tagged);
    void failed(const QString& error);
    void libraryChanged();

  private:
    int submit(std::function<std::vector<SearchResult>()> query);
    // Runs a change of the library's tags or saved searches: the failure's text (`failure` with %1 for what
    // went wrong) or empty, and libraryChanged after success.
    QString change(const std::function<void(PhotoLibrary&)>& change, const QString& failure);
    void relearn(const QString& label);  // a label's suggestions after photos were given it by hand
    QString notOpenMessage() const;
    std::unique_ptr<PhotoLibrary> library_;
    bool writable_ = false;
    QThread searchThread_, indexThread_;
    QObject* searchContext_ = nullptr;
    QObject* indexContext_ = nullptr;
    std::atomic<int> latestRequest_{0};
    std::atomic<bool> indexing_{false};
    IndexControl control_;
};

}  // namespace photosearch

Q_DECLARE_METATYPE(photosearch::SearchHit)
