#pragma once

#include "photo_catalog.h"
#include "query_parser.h"
#include "vector_index.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace photosearch {

class PhotoLibrary;

struct SearchOptions {
    int limit = 20;
    std::optional<float> minScore;
    QString folder;                 // only photos under this folder
    std::optional<int64_t> after;   // taken at or after (seconds since the epoch)
    std::optional<int64_t> before;  // taken before
    QStringList tags;               // carries every one of them
    QStringList notTexts;           // push results away from each of these concepts
    // The photo's file or folder names (below the library's folder, its own name included) contain each
    // of these, in any case.
    QStringList names;
    // Words of folder or file names (lowercased; see nameWords()): photos whose names hold them rank higher,
    // fused with the semantic ranking by reciprocal rank fusion.
    QStringList folderWords;
    float notWeight = 0.5f;
    QString imagePath;  // combine the text with an image
    float textWeight = 1.0f;
    float imageWeight = 1.0f;
    // Ranked results: all of them best first (each says whether it is a good match), or the good matches
    // first in date order, then the rest best first; goodOnly leaves out the rest.
    enum class Order { Relevance, NewestFirst, OldestFirst } order = Order::Relevance;
    bool goodOnly = false;
};

struct SearchResult {
    int64_t id = 0;
    QString path;
    float score = 0;      // cosine to the query; 0 when browsing
    int64_t takenAt = 0;  // seconds since the epoch: EXIF DateTimeOriginal, else the file time
    double timeS = -1;    // a video: the time of its best-matching frame (seconds); -1 for a photo
    int nameMatches = 0;  // how many of the query's folder words its folder or file names hold
    // The good-match cut-off (GoodMatchCutoff): how far the photo stands out for this query, and whether it
    // is a good match (it stands out enough, or its names hold a query word). Ranked results only.
    double standing = 0;
    bool good = false;
    // Among photos filtered by tags: it passed only because a tag asked for is suggested for it, not given
    // (#18). A person answers such photos in the viewer.
    bool suggested = false;
    bool isVideo() const { return timeS >= 0; }
};

// Search over a library's published vector snapshot and its committed catalog: a text (with an image, a
// "not" text), photos like a photo, near-duplicate groups. Reads only; safe from any thread.
class LibrarySearch {
  public:
    explicit LibrarySearch(PhotoLibrary& library) : library_(library) {}

    std::vector<SearchResult> search(const QString& text, const SearchOptions& options);
    // Photos like the image at `path` (in the library or not); the photo itself is left out.
    std::vector<SearchResult> similar(const QString& path, const SearchOptions& options);
    // Groups of photos whose vectors are at least `threshold` alike (cosine), each group's first photo the
    // one the others were compared with.
    std::vector<std::vector<SearchResult>> duplicates(float threshold);
    // The photos that pass the options' filters (folder, tag, dates), newest first: the library without a
    // query, as a timeline. Scores are 0.
    std::vector<SearchResult> browse(const SearchOptions& options);
    // Re-reads every photo's path and date after the catalog changed (an index run, a removed folder).
    void refreshPaths();
    // Re-reads the paths and dates of the photos at these paths only: what an index run's batch just
    // committed, so that browsing and searching show a run's photos as they come, not when it ends.
    void refreshPaths(const QStringList& changed);
    // How to read a typed query against this library: which words name its folders and files.
    QueryContext queryContext();
    // Works out now which photos each folder and file-name word names (14 ms at 10,000 photos, growing with
    // the library), so that the first query holding a word does not wait for it. Until the paths change.
    void prepareNames();
    bool namesPrepared();

  private:
    using Place = PhotoCatalog::Place;
    // The options' filters, checked against the library (a folder or tag it does not have is an error).
    struct Filter {
        const SearchOptions* options = nullptr;
        QString folder;                           // canonical
        std::optional<std::set<int64_t>> tagged;  // carrying every tag asked for
        std::set<int64_t> suggested;              // of those, the ones carrying one only as a suggestion
        QStringList roots;                        // the library's folders, for name matches
        bool any = false;
        bool passes(int64_t id, const Place& place) const;
    };
    Filter filterFor(const SearchOptions& options);  // takes pathsMutex_ (the library's folders)
    std::vector<float> queryVector(const QString& text, const SearchOptions& options);
    std::vector<SearchResult> rank(const std::vector<float>& query, const SearchOptions& options,
                                   int64_t excludeId);
    // The catalog's float32 vectors, for the approximate index's re-rank.
    ExactVectors exactVectors() const;
    // A video's frame time in seconds (pathsMutex_ held).
    double posterTime(int64_t id, int frame = 0) const;
    // Re-orders semantically ranked results by reciprocal rank fusion with their folder/file-name matches.
    void fuseWithNames(std::vector<SearchResult>& ranked, const QStringList& words);
    // The photos whose names hold each name word (built on first use; pathsMutex_ held).
    const std::unordered_map<QString, std::vector<int64_t>>& photosByNameWord();
    // Adds an indexed photo's words to nameWords_; `folderWords` keeps each folder's words worked out once.
    void addNameWords(int64_t id, const Place& place, std::unordered_map<QString, QStringList>& folderWords);
    // The photos that pass the filters, newest first, leaving out those the negatives describe well.
    std::vector<SearchResult> browseWithout(const SearchOptions& options);
    // The options to rank with so that every good match is found (all results, when they are to be
    // re-ordered or cut to the good ones), and that re-ordering and cut.
    static SearchOptions everyGoodMatch(const SearchOptions& options);
    static std::vector<SearchResult> arrange(std::vector<SearchResult> results, const SearchOptions& options);
    // Sets each ranked result's standing and good-match flag (library_calibration.cpp).
    void judge(std::vector<SearchResult>& results, const std::vector<float>& query,
               const VectorIndex& vectors);
    // What the cut-off compares a query with: a sample of the library's vectors and every photo's score for
    // the neutral prompt. Made at the first search after the library changed.
    struct Calibration {
        int dim = 0;
        std::vector<float> sampleVectors;                // rows of dim
        std::vector<float> sampleNeutral;                // the neutral prompt's score of each sample row
        std::vector<std::pair<int64_t, float>> neutral;  // photo id -> its neutral score, by id
        double neutralMean = 0;
        // The index's size when it was made: a quarter more (a run adding) makes it anew.
        int64_t vectors = 0;
        float neutralOf(int64_t photoId) const;
    };
    std::shared_ptr<const Calibration> calibration(const VectorIndex& vectors);
    PhotoLibrary& library_;
    std::mutex pathsMutex_;
    std::unordered_map<int64_t, Place> paths_;
    std::unordered_map<int64_t, std::vector<int64_t>> frameTimes_;  // videos: each frame's time (ms)
    QStringList roots_;                                             // the library's folders
    std::optional<std::unordered_map<QString, std::vector<int64_t>>> nameWords_;
    std::mutex calibrationMutex_;
    std::shared_ptr<const Calibration> calibration_;
};

// The options a typed query asks for (dates, negatives, names, tags, folder words) added to `options`; the
// query's text is searched for separately.
void addParsedQuery(const ParsedQuery& query, SearchOptions& options);
// A photo's path as its names count: below the library folder holding it, that folder's own name first.
QString namedPart(const QString& path, const QStringList& roots);

// The folder a person named, as the catalog stores folders: canonical when it exists, else cleaned.
QString canonicalFolder(const QString& path);
// `path` is `folder` or lies under it.
bool isUnderFolder(const QString& path, const QString& folder);

}  // namespace photosearch
