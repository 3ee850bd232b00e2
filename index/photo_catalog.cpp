#include "photo_catalog.h"

#include "library_error.h"

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QThread>

#include <QDateTime>

#include <functional>

namespace photosearch {

Q_LOGGING_CATEGORY(lcCatalog, "photosearch.library.catalog", QtWarningMsg)

namespace {

const char* const kMigrations[] = {
    // 0 -> 1
    R"(
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE folders(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, added_at INTEGER NOT NULL);
    CREATE TABLE photos(
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        content_hash TEXT,
        width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0,
        taken_at INTEGER NOT NULL DEFAULT 0,
        orientation INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL CHECK(status IN ('indexed', 'failed', 'offline')),
        error TEXT,
        indexed_at INTEGER NOT NULL);
    CREATE INDEX photos_hash ON photos(content_hash);
    CREATE INDEX photos_folder ON photos(folder_id);
    CREATE TABLE vectors(
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        data BLOB NOT NULL);
    CREATE TABLE tags(
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        label_set TEXT NOT NULL,
        tag TEXT NOT NULL,
        probabilities TEXT NOT NULL,
        PRIMARY KEY(photo_id, label_set));
    CREATE INDEX tags_tag ON tags(tag);
    INSERT INTO meta(key, value) VALUES ('generation', '0');
    )",
    // 1 -> 2: what a camera RAW file was embedded from ('preview': its JPEG preview; 'developed')
    R"(
    ALTER TABLE photos ADD COLUMN decoded_from TEXT NOT NULL DEFAULT '';
    )",
    // 2 -> 3: a video's sampled frames, each with its time and vector (frame 0 is also its photos vector)
    R"(
    CREATE TABLE video_frames(
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        frame INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY(photo_id, frame));
    )",
    // 3 -> 4: labels that learn from a person's corrections (#18): each label's prompt embedding, the photos
    // a person said do not show it, and the photos it is suggested for
    R"(
    CREATE TABLE labels(
        name TEXT PRIMARY KEY,
        prompt TEXT NOT NULL,
        model TEXT NOT NULL,
        text_vector BLOB NOT NULL,
        neutral_vector BLOB NOT NULL);
    CREATE TABLE tag_rejections(
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY(photo_id, tag));
    CREATE TABLE tag_suggestions(
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        standing REAL NOT NULL,
        PRIMARY KEY(photo_id, tag));
    CREATE INDEX tag_suggestions_tag ON tag_suggestions(tag);
    )",
};

const char* kPhotoColumns =
    "id, path, folder_id, size, mtime_ms, content_hash, width, height, taken_at, orientation, status, error, "
    "decoded_from";

}  // namespace

const char* toString(PhotoStatus status) {
    switch (status) {
        case PhotoStatus::Indexed:
            return "indexed";
        case PhotoStatus::Failed:
            return "failed";
        case PhotoStatus::Offline:
            return "offline";
    }
    return "failed";
}

PhotoStatus photoStatusFromString(const QString& text) {
    if (text == QLatin1String("indexed")) return PhotoStatus::Indexed;
    if (text == QLatin1String("offline")) return PhotoStatus::Offline;
    return PhotoStatus::Failed;  // the schema allows nothing else
}

PhotoRecord readPhoto(const SqliteStatement& s) {
    PhotoRecord p;
    p.id = s.integer(0);
    p.path = s.text(1);
    p.folderId = s.integer(2);
    p.size = s.integer(3);
    p.mtimeMs = s.integer(4);
    p.contentHash = s.text(5);
    p.width = static_cast<int>(s.integer(6));
    p.height = static_cast<int>(s.integer(7));
    p.takenAt = s.integer(8);
    p.orientation = static_cast<int>(s.integer(9));
    p.status = photoStatusFromString(s.text(10));
    p.error = s.text(11);
    p.decodedFrom = s.text(12);
    return p;
}

namespace {

constexpr int64_t kSchemaVersion = static_cast<int64_t>(sizeof(kMigrations) / sizeof(kMigrations[0]));

// SQLite creates the -wal and -shm files with the catalog's permissions of the moment: a reader that came
// while the catalog was read-only (chmod a-w) leaves them read-only, and they would keep every writer out
// after the catalog is writable again. They are ours; make them as writable as the catalog. (Never deleted:
// the -wal may hold committed transactions.)
void matchSidecarPermissions(const QString& path) {
    const QFileInfo catalog(path);
    if (!catalog.exists() || !catalog.isWritable()) return;
    for (const char* suffix : {"-wal", "-shm"}) {
        QFile sidecar(path + QLatin1String(suffix));
        if (sidecar.exists() && !QFileInfo(sidecar).isWritable() &&
            sidecar.setPermissions(catalog.permissions()))
            qCInfo(lcCatalog, "%s was read-only; made writable like the catalog",
                   qUtf8Printable(sidecar.fileName()));
    }
}

std::unique_ptr<SqliteDatabase> openDatabase(const QString& path, PhotoCatalog::Access access) {
    if (access == PhotoCatalog::Access::ReadWrite) {
        matchSidecarPermissions(path);
        return std::make_unique<SqliteDatabase>(path);
    }
    // WAL readers need the -shm file, which a read-only folder cannot hold: there, nothing else can be
    // writing either, so the file is read as it stands.
    const bool folderWritable = QFileInfo(QFileInfo(path).absolutePath()).isWritable();
    return std::make_unique<SqliteDatabase>(
        path, folderWritable ? SqliteDatabase::Mode::ReadOnly : SqliteDatabase::Mode::Immutable);
}

void checkVersion(SqliteDatabase& db, int64_t version) {
    if (version > kSchemaVersion)
        throw AlignError(db.path().toStdString() + ": the catalog has schema version " +
                         std::to_string(version) + ", newer than this PhotoSearch understands (" +
                         std::to_string(kSchemaVersion) + "); update PhotoSearch");
}

}  // namespace

PhotoCatalog::PhotoCatalog(const QString& path, Access access) : db_(openDatabase(path, access)) {
    if (access == Access::ReadOnly) {
        const int64_t version = db_->scalar("PRAGMA user_version");
        checkVersion(*db_, version);
        if (version < kSchemaVersion)
            throw LibraryError(LibraryErrorKind::NoLibrary,
                               path.toStdString() + ": not a PhotoSearch catalog yet (schema version " +
                                   std::to_string(version) + "); index a folder into the library first");
        db_->exec("PRAGMA foreign_keys=ON");
        return;
    }
    // Switching to WAL takes an exclusive lock for a moment, and SQLite may answer busy at once when another
    // process opens the same new library: retry within the connection's own patience.
    for (int attempt = 0;; ++attempt) {
        try {
            db_->exec("PRAGMA journal_mode=WAL");
            break;
        } catch (const LibraryError& e) {
            if (e.kind() != LibraryErrorKind::Locked || attempt >= 200) throw;
            QThread::msleep(50);
        }
    }
    // In WAL mode NORMAL loses no committed transaction when the application dies; only a power cut
    // can roll back the last few, and never corrupts the file.
    db_->exec("PRAGMA synchronous=NORMAL");
    db_->exec("PRAGMA foreign_keys=ON");
    migrate();
}

void PhotoCatalog::migrate() {
    checkVersion(*db_, db_->scalar("PRAGMA user_version"));
    // The version is read again inside the write transaction: two processes creating one new library
    // at once must not both run the first migration ("table meta already exists").
    SqliteTransaction t(*db_);
    const int64_t version = db_->scalar("PRAGMA user_version");
    checkVersion(*db_, version);
    if (version == kSchemaVersion) return;  // rolled back: nothing was written
    for (int64_t v = version; v < kSchemaVersion; ++v) db_->exec(kMigrations[v]);
    db_->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    t.commit();
}

QString PhotoCatalog::meta(const QString& key) const {
    SqliteStatement s(*db_, "SELECT value FROM meta WHERE key = ?");
    s.bind(1, key);
    return s.step() ? s.text(0) : QString();
}

void PhotoCatalog::setMeta(const QString& key, const QString& value) {
    if (value.isEmpty()) {
        SqliteStatement(*db_, "DELETE FROM meta WHERE key = ?").bind(1, key).run();
        return;
    }
    SqliteStatement s(
        *db_,
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, key).bind(2, value).run();
}

int64_t PhotoCatalog::addFolder(const QString& path) {
    SqliteStatement s(*db_, "INSERT INTO folders(path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING");
    s.bind(1, path).bind(2, int64_t(QDateTime::currentSecsSinceEpoch())).run();
    SqliteStatement q(*db_, "SELECT id FROM folders WHERE path = ?");
    q.bind(1, path);
    q.step();
    return q.integer(0);
}

bool PhotoCatalog::removeFolder(const QString& path) {
    SqliteStatement s(*db_, "DELETE FROM folders WHERE path = ?");
    s.bind(1, path).run();
    const bool removed = db_->changes() > 0;
    if (removed) bumpGeneration();
    return removed;
}

bool PhotoCatalog::hasFolder(int64_t id) const {
    SqliteStatement s(*db_, "SELECT 1 FROM folders WHERE id = ?");
    s.bind(1, id);
    return s.step();
}

std::vector<FolderRecord> PhotoCatalog::folders() const {
    std::vector<FolderRecord> out;
    SqliteStatement s(*db_, "SELECT id, path FROM folders ORDER BY path");
    while (s.step()) out.push_back({s.integer(0), s.text(1)});
    return out;
}

std::vector<PhotoRecord> PhotoCatalog::photos() const {
    std::vector<PhotoRecord> out;
    SqliteStatement s(*db_, (std::string("SELECT ") + kPhotoColumns + " FROM photos ORDER BY id").c_str());
    while (s.step()) out.push_back(readPhoto(s));
    return out;
}

std::optional<PhotoRecord> PhotoCatalog::photo(int64_t id) const {
    SqliteStatement s(*db_, (std::string("SELECT ") + kPhotoColumns + " FROM photos WHERE id = ?").c_str());
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return readPhoto(s);
}

std::optional<PhotoRecord> PhotoCatalog::photoByPath(const QString& path) const {
    SqliteStatement s(*db_, (std::string("SELECT ") + kPhotoColumns + " FROM photos WHERE path = ?").c_str());
    s.bind(1, path);
    if (!s.step()) return std::nullopt;
    return readPhoto(s);
}

std::vector<PhotoRecord> PhotoCatalog::photosWithHash(const QString& hash) const {
    std::vector<PhotoRecord> out;
    SqliteStatement s(
        *db_,
        (std::string("SELECT ") + kPhotoColumns + " FROM photos WHERE content_hash = ? ORDER BY id").c_str());
    s.bind(1, hash);
    while (s.step()) out.push_back(readPhoto(s));
    return out;
}

namespace {

int64_t upsertPhoto(SqliteDatabase& db, const PhotoRecord& p, const char* status) {
    SqliteStatement s(
        db,
        "INSERT INTO photos(path, folder_id, size, mtime_ms, content_hash, width, height, taken_at, "
        "orientation, status, error, indexed_at, decoded_from) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(path) DO UPDATE SET folder_id = excluded.folder_id, size = excluded.size, "
        "mtime_ms = excluded.mtime_ms, content_hash = excluded.content_hash, width = excluded.width, "
        "height = excluded.height, taken_at = excluded.taken_at, orientation = excluded.orientation, "
        "status = excluded.status, error = excluded.error, indexed_at = excluded.indexed_at, "
        "decoded_from = excluded.decoded_from");
    s.bind(1, p.path).bind(2, p.folderId).bind(3, p.size).bind(4, p.mtimeMs);
    if (p.contentHash.isEmpty())
        s.bindNull(5);
    else
        s.bind(5, p.contentHash);
    s.bind(6, int64_t(p.width)).bind(7, int64_t(p.height)).bind(8, p.takenAt).bind(9, int64_t(p.orientation));
    s.bind(10, QString::fromLatin1(status));
    if (p.error.isEmpty())
        s.bindNull(11);
    else
        s.bind(11, p.error);
    s.bind(12, int64_t(QDateTime::currentSecsSinceEpoch()));
    s.bind(13, p.decodedFrom);
    s.run();
    SqliteStatement q(db, "SELECT id FROM photos WHERE path = ?");
    q.bind(1, p.path);
    q.step();
    return q.integer(0);
}

}  // namespace

int64_t PhotoCatalog::putIndexed(const PhotoRecord& photo, const QString& model,
                                 const std::vector<float>& vector) {
    const int64_t id = upsertPhoto(*db_, photo, "indexed");
    SqliteStatement s(*db_, "INSERT OR REPLACE INTO vectors(photo_id, model, dim, data) VALUES (?, ?, ?, ?)");
    s.bind(1, id).bind(2, model).bind(3, static_cast<int64_t>(vector.size()));
    s.bind(4, QByteArray(reinterpret_cast<const char*>(vector.data()),
                         static_cast<qsizetype>(vector.size() * sizeof(float))));
    s.run();
    return id;
}

int64_t PhotoCatalog::putFailed(const PhotoRecord& photo) {
    const int64_t id = upsertPhoto(*db_, photo, "failed");
    SqliteStatement s(*db_, "DELETE FROM vectors WHERE photo_id = ?");
    s.bind(1, id).run();
    SqliteStatement(*db_, "DELETE FROM video_frames WHERE photo_id = ?").bind(1, id).run();
    return id;
}

void PhotoCatalog::updateFile(int64_t id, const QString& path, int64_t folderId, int64_t size,
                              int64_t mtimeMs) {
    SqliteStatement s(*db_,
                      "UPDATE photos SET path = ?, folder_id = ?, size = ?, mtime_ms = ?, status = "
                      "CASE status WHEN 'offline' THEN 'indexed' ELSE status END WHERE id = ?");
    s.bind(1, path).bind(2, folderId).bind(3, size).bind(4, mtimeMs).bind(5, id).run();
}

void PhotoCatalog::setStatus(int64_t id, PhotoStatus status) {
    SqliteStatement s(*db_, "UPDATE photos SET status = ? WHERE id = ?");
    s.bind(1, QString::fromLatin1(toString(status))).bind(2, id).run();
}

void PhotoCatalog::removePhoto(int64_t id) {
    SqliteStatement s(*db_, "DELETE FROM photos WHERE id = ?");
    s.bind(1, id).run();
}

std::optional<std::vector<float>> PhotoCatalog::vector(int64_t photoId) const {
    SqliteStatement s(*db_, "SELECT data FROM vectors WHERE photo_id = ?");
    s.bind(1, photoId);
    if (!s.step()) return std::nullopt;
    const QByteArray b = s.blob(0);
    std::vector<float> v(static_cast<size_t>(b.size()) / sizeof(float));
    if (!v.empty()) std::memcpy(v.data(), b.constData(), v.size() * sizeof(float));
    return v;
}

void PhotoCatalog::forEachVector(const QString& model,
                                 const std::function<void(int64_t, const float*, int)>& visit) const {
    SqliteStatement s(*db_, "SELECT photo_id, dim, data FROM vectors WHERE model = ? ORDER BY photo_id");
    s.bind(1, model);
    while (s.step()) {
        const int dim = static_cast<int>(s.integer(1));
        const QByteArray b = s.blob(2);
        if (b.size() != static_cast<qsizetype>(dim * sizeof(float)))
            throw AlignError(db_->path().toStdString() + ": the vector of photo " +
                             std::to_string(s.integer(0)) + " has " + std::to_string(b.size()) +
                             " bytes, expected " + std::to_string(dim * 4));
        visit(s.integer(0), reinterpret_cast<const float*>(b.constData()), dim);
    }
}

void PhotoCatalog::deleteAllVectors() {
    db_->exec("DELETE FROM vectors");
    db_->exec("DELETE FROM video_frames");
    db_->exec("DELETE FROM tags WHERE label_set NOT LIKE 'manual:%'");
    db_->exec("DELETE FROM tag_suggestions");
    // size -1 never matches the file on disk, so the next index run embeds every photo again.
    db_->exec(
        "UPDATE photos SET status = 'failed', error = 'not yet indexed with the current model', size = -1 "
        "WHERE status IN ('indexed', 'offline')");
}

int64_t PhotoCatalog::generation() const { return meta(QStringLiteral("generation")).toLongLong(); }

void PhotoCatalog::bumpGeneration() {
    db_->exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'");
}

PhotoCatalog::Counts PhotoCatalog::counts() const {
    SqliteStatement s(
        *db_,
        "SELECT count(*), coalesce(sum(status = 'indexed'), 0), coalesce(sum(status = 'failed'), 0), "
        "coalesce(sum(status = 'offline'), 0) FROM photos");
    s.step();
    return {s.integer(0), s.integer(1), s.integer(2), s.integer(3)};
}

std::vector<std::pair<QString, QString>> PhotoCatalog::failures() const {
    std::vector<std::pair<QString, QString>> out;
    SqliteStatement s(*db_, "SELECT path, error FROM photos WHERE status = 'failed' ORDER BY path");
    while (s.step()) out.emplace_back(s.text(0), s.text(1));
    return out;
}

std::vector<std::pair<QString, int64_t>> PhotoCatalog::folderCounts() const {
    std::vector<std::pair<QString, int64_t>> out;
    SqliteStatement s(*db_,
                      "SELECT f.path, count(p.id) FROM folders f LEFT JOIN photos p ON p.folder_id = f.id "
                      "GROUP BY f.id ORDER BY f.path");
    while (s.step()) out.emplace_back(s.text(0), s.integer(1));
    return out;
}

std::vector<std::pair<QString, int64_t>> PhotoCatalog::directoryCounts() const {
    std::vector<std::pair<QString, int64_t>> out;
    // rtrim by every character of the path but '/' leaves the path up to its last '/': the directory. Only
    // indexed photos count: a folder's count is what choosing it shows (failed and offline photos are not).
    SqliteStatement s(
        *db_,
        "SELECT substr(path, 1, length(rtrim(path, replace(path, '/', ''))) - 1) AS dir, count(*) "
        "FROM photos WHERE status = 'indexed' GROUP BY dir ORDER BY dir");
    while (s.step()) out.emplace_back(s.text(0), s.integer(1));
    return out;
}

}  // namespace photosearch
