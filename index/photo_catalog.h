#pragma once

#include "sqlite_database.h"

#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace photosearch {

struct FolderRecord {
    int64_t id = 0;
    QString path;
};

// Where a photo stands: embedded and searchable; failed (its error says why; retried when the file changes);
// offline (under a folder that is not there now, an unplugged drive; kept with its vector).
enum class PhotoStatus { Indexed, Failed, Offline };
const char* toString(PhotoStatus status);  // the catalog's spelling: "indexed", "failed", "offline"
PhotoStatus photoStatusFromString(const QString& text);

struct PhotoRecord {
    int64_t id = 0;
    QString path;
    int64_t folderId = 0;
    int64_t size = 0;
    int64_t mtimeMs = 0;
    QString contentHash;
    int width = 0;
    int height = 0;
    int64_t takenAt = 0;  // seconds since the epoch: EXIF DateTimeOriginal, else the file time
    int orientation = 1;
    PhotoStatus status = PhotoStatus::Indexed;
    QString error;
    // A camera RAW file: "preview" (its embedded JPEG) or "developed"; a video: "video"; else empty.
    QString decodedFrom{};
    bool isVideo() const { return decodedFrom == QLatin1String("video"); }
};

// A video is searched by several frames. Frame 0's vector is the video's own (keyed by the photo id, as any
// photo's); frame n > 0 is keyed in the vector index by frameVectorId(photo, n).
constexpr int kFrameIdShift = 40;
constexpr int64_t frameVectorId(int64_t photoId, int frame) {
    return photoId | (static_cast<int64_t>(frame) << kFrameIdShift);
}
constexpr int64_t photoOfVector(int64_t vectorId) { return vectorId & ((int64_t(1) << kFrameIdShift) - 1); }
constexpr int frameOfVector(int64_t vectorId) { return static_cast<int>(vectorId >> kFrameIdShift); }

struct FrameVector {
    int64_t timeMs = 0;
    std::vector<float> vector;
};

struct TagRecord {
    QString labelSet;
    QString tag;
    QString probabilitiesJson;  // [{"label", "probability"}] in the order the labels were given
};

// A label that learns from a person's corrections (#18): its prompt's and the neutral prompt's text
// embeddings under `model`, kept so that re-scoring after a correction needs no model.
struct LabelRecord {
    QString name, prompt, model;
    std::vector<float> text, neutral;
};

// The SQLite catalog: the library's source of truth (folders, photos, vectors, tags). WAL, foreign
// keys on, schema versioned by PRAGMA user_version with forward migrations.
class PhotoCatalog {
  public:
    static constexpr int kSchemaVersion = 4;

    // ReadOnly never writes: no schema, no journal mode; a catalog in a folder that cannot be written (a
    // read-only mount, permissions) is opened as immutable. It must already be a PhotoSearch catalog.
    enum class Access { ReadWrite, ReadOnly };
    explicit PhotoCatalog(const QString& databasePath, Access access = Access::ReadWrite);
    SqliteDatabase& db() { return *db_; }

    QString meta(const QString& key) const;
    void setMeta(const QString& key, const QString& value);  // an empty value removes the key
    // Every key starting with `prefix` (the prefix taken off) and its value, by key.
    std::vector<std::pair<QString, QString>> metaStartingWith(const QString& prefix) const;

    int64_t addFolder(const QString& path);
    bool removeFolder(const QString& path);
    bool hasFolder(int64_t id) const;
    std::vector<FolderRecord> folders() const;

    std::vector<PhotoRecord> photos() const;
    std::optional<PhotoRecord> photo(int64_t id) const;
    std::optional<PhotoRecord> photoByPath(const QString& path) const;
    std::vector<PhotoRecord> photosWithHash(const QString& hash) const;

    // Inserts or replaces the photo's row and its vector (unit length, float32). Call inside a transaction.
    int64_t putIndexed(const PhotoRecord& photo, const QString& model, const std::vector<float>& vector);
    int64_t putFailed(const PhotoRecord& photo);
    // A photo that moved or was touched: new path / size / time, same vector and tags.
    void updateFile(int64_t id, const QString& path, int64_t folderId, int64_t size, int64_t mtimeMs);
    void setStatus(int64_t id, PhotoStatus status);
    void removePhoto(int64_t id);

    std::optional<std::vector<float>> vector(int64_t photoId) const;
    // The vectors of vector index ids (a photo's, or a video frame's: frameVectorId), in order; empty where
    // the catalog has none.
    std::vector<std::vector<float>> vectorsOf(const std::vector<int64_t>& vectorIds) const;
    // Every stored vector of `model`, ordered by photo id.
    void forEachVector(const QString& model,
                       const std::function<void(int64_t, const float*, int)>& visit) const;
    int64_t vectorCount() const;  // photos' vectors, and videos' frames after the first
    void deleteAllVectors();

    // A video's sampled frames (the first one's vector is also given to putIndexed). Call inside a
    // transaction, after putIndexed.
    void putFrames(int64_t photoId, const QString& model, const std::vector<FrameVector>& frames);
    // The vector index ids of a video's frames after the first (empty for a photo).
    std::vector<int64_t> frameVectorIds(int64_t photoId) const;
    // Every video frame after the first of `model`: visit(frameVectorId, values, dim).
    void forEachFrameVector(const QString& model,
                            const std::function<void(int64_t, const float*, int)>& visit) const;
    // Each video's frame times in milliseconds, by frame number.
    std::unordered_map<int64_t, std::vector<int64_t>> frameTimes() const;
    // The same for these photos only (those that are videos).
    std::unordered_map<int64_t, std::vector<int64_t>> frameTimesOf(
        const std::vector<int64_t>& photoIds) const;

    // Bumped by every change to the set of vectors; the FAISS cache records the value it was built at.
    int64_t generation() const;
    void bumpGeneration();

    // A record with an empty tag removes what that label set said of the photo ("none of these").
    void replaceTags(const QString& labelSet, const std::vector<std::pair<int64_t, TagRecord>>& tags);
    // Tags a person gives or takes away by hand (each its own label set, "manual:<tag>"), and the tag list
    // managed as a whole: rename (merging into an existing tag) and delete everywhere.
    static QString manualLabelSet(const QString& tag);
    void addTag(const std::vector<int64_t>& photos, const QString& tag);
    void removeTag(const std::vector<int64_t>& photos, const QString& tag);
    void renameTag(const QString& from, const QString& to);
    void deleteTag(const QString& tag);
    // Each tag with the number of photos carrying it, by name.
    std::vector<std::pair<QString, int64_t>> tagCounts() const;
    std::vector<TagRecord> tags(int64_t photoId) const;
    std::vector<int64_t> photosTagged(const QString& tag) const;
    QStringList allTags() const;

    // Labels that learn (#18). A confirmed photo is one given the tag by hand (manualLabelSet); a rejected
    // one is recorded apart; suggestions are replaced whole for a label at each re-scoring, never over a
    // photo a person judged. photosTagged, allTags and tagCounts count suggestions too.
    void putLabel(const LabelRecord& label);
    std::vector<LabelRecord> labels() const;
    std::optional<LabelRecord> label(const QString& name) const;
    std::vector<int64_t> photosConfirmed(const QString& tag) const;
    void setRejected(const std::vector<int64_t>& photos, const QString& tag, bool rejected);
    std::vector<int64_t> photosRejected(const QString& tag) const;
    void replaceSuggestions(const QString& tag, const std::vector<std::pair<int64_t, float>>& standings);
    std::vector<std::pair<QString, float>> suggestions(int64_t photoId) const;  // best first
    std::vector<std::pair<int64_t, float>> photosSuggested(const QString& tag) const;
    // Per label, how many photos it is suggested for and that do not carry it already.
    std::map<QString, int64_t> suggestionCounts() const;

    // Photos by status, read in one statement so that they add up.
    struct Counts {
        int64_t photos = 0, indexed = 0, failed = 0, offline = 0;
    };
    Counts counts() const;
    // The files that failed, by path, with the reason each failed.
    std::vector<std::pair<QString, QString>> failures() const;
    // Each folder with the number of photos under it, by path.
    std::vector<std::pair<QString, int64_t>> folderCounts() const;
    // Each directory holding indexed photos with the number of them directly in it, by path (failed and
    // offline photos are not shown when the directory is chosen, so they are not counted).
    std::vector<std::pair<QString, int64_t>> directoryCounts() const;
    // Every photo's id with its path, the time it was taken and whether it is indexed (not failed or
    // offline).
    struct Place {
        QString path;
        int64_t takenAt = 0;
        bool indexed = false;
        bool video = false;
    };
    std::unordered_map<int64_t, Place> places() const;
    // The same for the photos at these paths (those the catalog has).
    std::vector<std::pair<int64_t, Place>> placesAt(const QStringList& paths) const;

  private:
    void migrate();
    std::unique_ptr<SqliteDatabase> db_;
};

PhotoRecord readPhoto(const SqliteStatement& s);

}  // namespace photosearch
