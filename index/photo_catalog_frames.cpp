// The catalog's video frames, the per-photo places searches read, and meta keys by prefix.
#include "photo_catalog.h"

#include "align_error.h"

#include <cstring>
#include <string>

namespace photosearch {

int64_t PhotoCatalog::vectorCount() const {
    return db_->scalar(
        "SELECT (SELECT count(*) FROM vectors) + (SELECT count(*) FROM video_frames WHERE frame > 0)");
}

void PhotoCatalog::putFrames(int64_t photoId, const QString& model, const std::vector<FrameVector>& frames) {
    SqliteStatement(*db_, "DELETE FROM video_frames WHERE photo_id = ?").bind(1, photoId).run();
    SqliteStatement s(
        *db_, "INSERT INTO video_frames(photo_id, frame, time_ms, model, dim, data) VALUES (?,?,?,?,?,?)");
    for (size_t i = 0; i < frames.size(); ++i) {
        const std::vector<float>& v = frames[i].vector;
        s.bind(1, photoId).bind(2, static_cast<int64_t>(i)).bind(3, frames[i].timeMs).bind(4, model);
        s.bind(5, static_cast<int64_t>(v.size()));
        s.bind(6, QByteArray(reinterpret_cast<const char*>(v.data()), static_cast<qsizetype>(v.size() * 4)));
        s.run();
    }
}

std::vector<std::vector<float>> PhotoCatalog::vectorsOf(const std::vector<int64_t>& vectorIds) const {
    std::vector<std::vector<float>> out(vectorIds.size());
    SqliteStatement photo(*db_, "SELECT data FROM vectors WHERE photo_id = ?");
    SqliteStatement frame(*db_, "SELECT data FROM video_frames WHERE photo_id = ? AND frame = ?");
    for (size_t i = 0; i < vectorIds.size(); ++i) {
        const int f = frameOfVector(vectorIds[i]);
        SqliteStatement& s = f == 0 ? photo : frame;
        s.bind(1, photoOfVector(vectorIds[i]));
        if (f != 0) s.bind(2, int64_t{f});
        if (s.step()) {
            const QByteArray b = s.blob(0);
            out[i].resize(static_cast<size_t>(b.size()) / sizeof(float));
            if (!out[i].empty()) std::memcpy(out[i].data(), b.constData(), out[i].size() * sizeof(float));
        }
        s.reset();
    }
    return out;
}

std::vector<int64_t> PhotoCatalog::frameVectorIds(int64_t photoId) const {
    std::vector<int64_t> out;
    SqliteStatement s(*db_, "SELECT frame FROM video_frames WHERE photo_id = ? AND frame > 0 ORDER BY frame");
    s.bind(1, photoId);
    while (s.step()) out.push_back(frameVectorId(photoId, static_cast<int>(s.integer(0))));
    return out;
}

void PhotoCatalog::forEachFrameVector(const QString& model,
                                      const std::function<void(int64_t, const float*, int)>& visit) const {
    SqliteStatement s(*db_,
                      "SELECT photo_id, frame, dim, data FROM video_frames WHERE model = ? AND frame > 0 "
                      "ORDER BY photo_id, frame");
    s.bind(1, model);
    while (s.step()) {
        const int dim = static_cast<int>(s.integer(2));
        const QByteArray b = s.blob(3);
        if (b.size() != static_cast<qsizetype>(dim * sizeof(float)))
            throw AlignError(db_->path().toStdString() + ": frame " + std::to_string(s.integer(1)) +
                             " of video " + std::to_string(s.integer(0)) + " has " +
                             std::to_string(b.size()) + " bytes, expected " + std::to_string(dim * 4));
        visit(frameVectorId(s.integer(0), static_cast<int>(s.integer(1))),
              reinterpret_cast<const float*>(b.constData()), dim);
    }
}

namespace {

// Frame `frame` of a video, at `timeMs`, after its earlier frames.
void addFrameTime(std::vector<int64_t>& times, int64_t frame, int64_t timeMs) {
    times.resize(static_cast<size_t>(frame) + 1);
    times.back() = timeMs;
}

}  // namespace

std::unordered_map<int64_t, std::vector<int64_t>> PhotoCatalog::frameTimes() const {
    std::unordered_map<int64_t, std::vector<int64_t>> out;
    SqliteStatement s(*db_, "SELECT photo_id, frame, time_ms FROM video_frames ORDER BY photo_id, frame");
    while (s.step()) addFrameTime(out[s.integer(0)], s.integer(1), s.integer(2));
    return out;
}

std::unordered_map<int64_t, std::vector<int64_t>> PhotoCatalog::frameTimesOf(
    const std::vector<int64_t>& photoIds) const {
    std::unordered_map<int64_t, std::vector<int64_t>> out;
    SqliteStatement s(*db_, "SELECT frame, time_ms FROM video_frames WHERE photo_id = ? ORDER BY frame");
    for (const int64_t id : photoIds) {
        s.bind(1, id);
        while (s.step()) addFrameTime(out[id], s.integer(0), s.integer(1));
        s.reset();
    }
    return out;
}

namespace {
constexpr const char* kPlaceColumns = "SELECT id, path, taken_at, status = 'indexed', decoded_from = 'video'";
PhotoCatalog::Place placeOf(const SqliteStatement& s) {
    return {s.text(1), s.integer(2), s.integer(3) != 0, s.integer(4) != 0};
}
}  // namespace

std::unordered_map<int64_t, PhotoCatalog::Place> PhotoCatalog::places() const {
    std::unordered_map<int64_t, Place> out;
    SqliteStatement s(*db_, (std::string(kPlaceColumns) + " FROM photos").c_str());
    while (s.step()) out.emplace(s.integer(0), placeOf(s));
    return out;
}

std::vector<std::pair<int64_t, PhotoCatalog::Place>> PhotoCatalog::placesAt(const QStringList& paths) const {
    std::vector<std::pair<int64_t, Place>> out;
    SqliteStatement s(*db_, (std::string(kPlaceColumns) + " FROM photos WHERE path = ?").c_str());
    for (const QString& path : paths) {
        s.bind(1, path);
        if (s.step()) out.emplace_back(s.integer(0), placeOf(s));
        s.reset();
    }
    return out;
}

std::vector<std::pair<QString, QString>> PhotoCatalog::metaStartingWith(const QString& prefix) const {
    SqliteStatement s(*db_, "SELECT key, value FROM meta WHERE substr(key, 1, ?) = ? ORDER BY key");
    s.bind(1, static_cast<int64_t>(prefix.size())).bind(2, prefix);
    std::vector<std::pair<QString, QString>> out;
    while (s.step()) out.emplace_back(s.text(0).mid(prefix.size()), s.text(1));
    return out;
}

}  // namespace photosearch
