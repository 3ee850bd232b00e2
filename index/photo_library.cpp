#include "photo_library.h"

#include "file_hash.h"
#include "model_weights.h"

#include "align_embedder.h"
#include "align_error.h"
#include "library_error.h"
#include "library_lock.h"
#include "library_repair.h"
#include "library_writer.h"
#include "model_identity.h"
#include "native_path.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <algorithm>
#include <cmath>
#include <future>
#include <numeric>
#include <set>

Q_LOGGING_CATEGORY(lcLibrary, "photosearch.library", QtWarningMsg)

namespace photosearch {

namespace {

const char* kVectorsFile = "vectors.faiss";

// An emptied catalog beside a vector cache is a library that lost its catalog (truncated by a crash of
// the file system, overwritten), never a new library: starting afresh would silently drop its folders.
void refuseEmptiedCatalog(const QString& dir, const QString& catalogPath) {
    const QFileInfo catalogFile(catalogPath);
    if (catalogFile.isFile() && catalogFile.size() == 0 &&
        QFileInfo::exists(dir + QLatin1Char('/') + QLatin1String(kVectorsFile)))
        throw LibraryError(
            LibraryErrorKind::CatalogDamaged,
            catalogPath.toStdString() +
                ": the catalog is empty (0 bytes) but the library holds a vector cache: it was "
                "truncated or overwritten; run 'photosearch-cli repair' to restore the copy kept "
                "after the last successful run");
}

}  // namespace

std::optional<int64_t> parseExifDateTime(const QString& value) {
    const QDateTime t = QDateTime::fromString(value.left(19), QStringLiteral("yyyy:MM:dd HH:mm:ss"));
    if (!t.isValid()) return std::nullopt;
    return t.toSecsSinceEpoch();
}

PhotoLibrary::~PhotoLibrary() = default;

std::unique_ptr<PhotoLibrary> PhotoLibrary::open(const LibraryOptions& options) {
    auto lib = std::unique_ptr<PhotoLibrary>(new PhotoLibrary);
    lib->options_ = options;
    lib->dir_ = QDir::cleanPath(QFileInfo(options.libraryDir).absoluteFilePath());
    lib->exactUpTo_ = VectorIndex::exactUpToFor(options.indexKind);
    const std::string dir = lib->dir_.toStdString();
    const QString catalogPath = lib->dir_ + QStringLiteral("/catalog.sqlite");
    if (!options.writable) {
        // Reading never creates a library: a mistyped --library must not answer "0 results".
        if (!QFileInfo(catalogPath).isFile())
            throw LibraryError(LibraryErrorKind::NoLibrary,
                               dir +
                                   ": no PhotoSearch library here; index a folder into it first "
                                   "(photosearch-cli index FOLDER --library " +
                                   dir + ")");
        refuseEmptiedCatalog(lib->dir_, catalogPath);
    } else {
        if (!QDir().mkpath(lib->dir_)) {
            const QFileInfo parent(QFileInfo(lib->dir_).absolutePath());
            if (parent.exists() && !parent.isWritable())
                throw LibraryError(LibraryErrorKind::ReadOnly, dir + ": cannot create the library folder: " +
                                                                   parent.absoluteFilePath().toStdString() +
                                                                   " is read-only");
            throw AlignError(dir + ": cannot create the library folder");
        }
        lib->lock_ = acquireWriterLock(lib->dir_, &lib->removedStaleLock_);
        refuseEmptiedCatalog(lib->dir_, catalogPath);
        auto writable = std::make_unique<PhotoCatalog>(catalogPath);  // creates or migrates the schema
        if (options.verifyCatalog)
            if (const QString problems = writable->db().quickCheck(); problems != QLatin1String("ok"))
                throw LibraryError(LibraryErrorKind::CatalogDamaged,
                                   catalogPath.toStdString() + ": the catalog is damaged (" +
                                       problems.left(300).toStdString() +
                                       "); run 'photosearch-cli repair' to restore the copy kept after the "
                                       "last successful run");
        lib->writer_ = std::make_unique<LibraryWriter>(std::move(writable));
    }
    // Searches, status, tag previews and the indexer's comparison read through their own connection: they
    // see only committed data, never a batch the writer has not finished.
    lib->reader_ = std::make_unique<PhotoCatalog>(catalogPath, PhotoCatalog::Access::ReadOnly);
    lib->search_ = std::make_unique<LibrarySearch>(*lib);
    lib->search_->refreshPaths();
    return lib;
}

std::shared_ptr<VectorIndex> PhotoLibrary::vectors() const {
    std::lock_guard lock(vectorsMutex_);
    return vectors_;
}

void PhotoLibrary::dropVectors() {
    std::lock_guard lock(vectorsMutex_);
    vectors_.reset();  // searches still holding the old snapshot finish with it
}

void PhotoLibrary::requireWritable() const {
    if (!writer_)
        throw LibraryError(LibraryErrorKind::ReadOnly,
                           dir_.toStdString() + ": the library was opened read-only");
}

AlignEmbedder& PhotoLibrary::embedder() {
    std::lock_guard lock(loadMutex_);
    if (!embedder_)
        embedder_ =
            AlignEmbedder::load({options_.modelDir, options_.device, options_.threads, options_.precision});
    return *embedder_;
}

bool PhotoLibrary::modelLoaded() {
    std::lock_guard lock(loadMutex_);
    return embedder_ != nullptr;
}

int PhotoLibrary::modelDim() {
    std::lock_guard lock(loadMutex_);
    if (embedder_) return embedder_->config().projectionDim;
    if (modelDim_ == 0) {
        const QString config = QDir(options_.modelDir).filePath(QStringLiteral("config.json"));
        // Without one, the load says what is missing and what to do.
        modelDim_ = QFileInfo::exists(config) ? AlignConfig::fromFile(config).projectionDim
                                              : embedder().config().projectionDim;
    }
    return modelDim_;
}

QString PhotoLibrary::modelId(bool loadModel) {
    std::lock_guard lock(loadMutex_);
    if (!modelId_.isEmpty()) {
        if (loadModel) embedder();
        return modelId_;
    }
    const PhotoCatalog& catalog = *reader_;
    const ModelIdentity::Result identity =
        ModelIdentity::compute(options_.modelDir, catalog.meta(QStringLiteral("weights_key")),
                               catalog.meta(QStringLiteral("weights_sha256")), [&](bool hashing) {
                                   if (loadModel || hashing) embedder();
                               });
    const QString& id = identity.id;
    const QString stored = catalog.meta(QStringLiteral("model_id"));
    if (!stored.isEmpty() && stored != id && catalog.vectorCount() > 0)
        throw LibraryError(
            LibraryErrorKind::ModelMismatch,
            dir_.toStdString() + ": this library was indexed with another model (" +
                catalog.meta(QStringLiteral("model_name")).toStdString() + ", id " + stored.toStdString() +
                ") than " + options_.modelDir.toStdString() + " (id " + id.toStdString() +
                "); vectors of two models never mix: use --model with the original "
                "model, or re-index everything with this one (photosearch-cli index --reindex)");
    const int dim = modelDim();  // here: the writer thread must not wait for the load lock
    if (writer_)
        writer_->write([&](PhotoCatalog& c) {
            c.setMeta(QStringLiteral("weights_key"), identity.weightsKey);
            c.setMeta(QStringLiteral("weights_sha256"), identity.weightsSha);
            c.setMeta(QStringLiteral("model_id"), id);
            c.setMeta(QStringLiteral("model_name"), QFileInfo(options_.modelDir).fileName());
            c.setMeta(QStringLiteral("model_dim"), QString::number(dim));
        });
    modelId_ = id;
    return id;
}

void PhotoLibrary::resetVectors() {
    requireWritable();
    std::lock_guard load(loadMutex_);
    writer_->write(
        [](PhotoCatalog& c) {
            c.deleteAllVectors();
            c.setMeta(QStringLiteral("model_id"), QString());
            c.bumpGeneration();
        },
        [this] { dropVectors(); });
    modelId_.clear();
}

std::shared_ptr<VectorIndex> PhotoLibrary::ensureVectors() {
    std::lock_guard lock(loadMutex_);
    if (auto current = vectors()) return current;
    const QString id = modelId(false);
    const int dim = modelDim();
    if (!writer_) return loadOrBuildVectors(*reader_, id, dim, nullptr);
    // On the writer thread, between two commands: every batch committed before is in what it reads, and every
    // later batch is added to what it publishes, so none is missed or added twice.
    bool built = false;
    auto current = writer_->run([&](PhotoCatalog& c) { return loadOrBuildVectors(c, id, dim, &built); });
    if (built) saveVectors();
    return current;
}

std::shared_ptr<VectorIndex> PhotoLibrary::loadOrBuildVectors(PhotoCatalog& catalog, const QString& id,
                                                              int dim, bool* built) {
    const QString file = dir_ + QLatin1Char('/') + QLatin1String(kVectorsFile);
    const int64_t generation = catalog.generation();
    const int64_t count = catalog.vectorCount();
    const QString sha = catalog.meta(QStringLiteral("vectors_sha256"));
    // Only a cache saved at this generation with a recorded checksum is trusted; anything else (damaged in
    // the middle, copied from another library, a forged size, an older PhotoSearch's) is rebuilt.
    if (catalog.meta(QStringLiteral("vectors_generation")).toLongLong() == generation && !sha.isEmpty()) {
        try {
            auto loaded = VectorIndex::load(file, dim, sha, VectorIndex::maxFileBytes(count, dim));
            // The kind follows the library's size; an exact index that grew well past the limit, or an
            // approximate one that shrank well below it, is rebuilt as the other kind.
            if (loaded->size() == count && !VectorIndex::wantsOtherKind(loaded->kind(), count, exactUpTo_)) {
                std::lock_guard swap(vectorsMutex_);
                vectors_ = std::move(loaded);
                return vectors_;
            }
        } catch (const AlignError& e) {
            qCInfo(lcLibrary, "rebuilding the vector cache from the catalog: %s", e.what());
        }
    }
    const QString dbPath = catalog.db().path();
    std::shared_ptr<VectorIndex> index = VectorIndex::build(
        dim, count,
        [&](const std::function<void(int64_t, const float*)>& visit) {
            const auto checked = [&](int64_t vectorId, const float* v, int d) {
                if (d != dim)
                    throw AlignError(dbPath.toStdString() + ": a stored vector has " + std::to_string(d) +
                                     " values, the model " + std::to_string(dim));
                visit(vectorId, v);
            };
            catalog.forEachVector(id, checked);
            catalog.forEachFrameVector(id, checked);  // a video's later frames
        },
        exactUpTo_);
    if (built) *built = true;
    std::lock_guard swap(vectorsMutex_);
    vectors_ = index;
    return index;
}

void PhotoLibrary::keepBackup() {
    if (!writer_) return;
    try {
        writer_->run([&](PhotoCatalog& c) { c.db().backupTo(LibraryRepair::backupPath(dir_)); });
    } catch (const AlignError& e) {
        qCWarning(lcLibrary, "%s; the previous backup is kept", e.what());
    }
}

void PhotoLibrary::saveVectors() {
    const auto current = vectors();
    if (!current || !writer_) return;
    // In one command: no batch commits between reading the generation and writing the file.
    writer_->write([&](PhotoCatalog& c) {
        const int64_t generation = c.generation();
        QString sha;
        try {
            sha = current->save(dir_ + QLatin1Char('/') + QLatin1String(kVectorsFile));
        } catch (const AlignError& e) {
            // Only a cache: the catalog holds every vector, and the next start rebuilds it.
            qCWarning(lcLibrary, "%s; the vector cache will be rebuilt from the catalog next time", e.what());
            return;
        }
        c.setMeta(QStringLiteral("vectors_generation"), QString::number(generation));
        c.setMeta(QStringLiteral("vectors_sha256"), sha);
    });
}

QString PhotoLibrary::addFolder(const QString& path) {
    requireWritable();
    const auto status = native_path::status(path);  // by the name's exact bytes
    const std::string shown = native_path::display(path).toStdString();
    if (!status) throw AlignError(shown + ": folder not found");
    if (!status->isDir) throw AlignError(shown + ": not a folder");
    const QString folder = canonicalFolder(path);
    if (folder == QFileInfo(dir_).canonicalFilePath())
        throw AlignError(shown + ": is the library's own folder");
    writer_->write([&](PhotoCatalog& c) { c.addFolder(folder); });
    return folder;
}

bool PhotoLibrary::removeFolder(const QString& path) {
    requireWritable();
    bool removed = false;
    writer_->write(
        [&](PhotoCatalog& c) {
            removed = c.removeFolder(canonicalFolder(path)) || c.removeFolder(QDir::cleanPath(path));
        },
        [&] {
            if (removed) dropVectors();  // rebuilt without the folder's photos on next use
        });
    if (removed) search_->refreshPaths();
    return removed;
}

std::vector<FolderRecord> PhotoLibrary::folders() const { return reader_->folders(); }

std::vector<SearchResult> PhotoLibrary::search(const QString& text, const SearchOptions& options) {
    return search_->search(text, options);
}

QueryContext PhotoLibrary::queryContext() { return search_->queryContext(); }
void PhotoLibrary::prepareQueryContext() { search_->prepareNames(); }
bool PhotoLibrary::queryContextPrepared() { return search_->namesPrepared(); }

namespace {
const QString kSavedPrefix = QStringLiteral("saved_search:");
}

std::vector<SavedSearch> PhotoLibrary::savedSearches() const {
    std::vector<SavedSearch> out;
    for (const auto& [name, json] : reader_->metaStartingWith(kSavedPrefix))
        out.push_back(SavedSearch::fromJson(name, QJsonDocument::fromJson(json.toUtf8()).object()));
    std::sort(out.begin(), out.end(), [](const SavedSearch& a, const SavedSearch& b) {
        return QString::localeAwareCompare(a.name, b.name) < 0;
    });
    return out;
}

std::optional<SavedSearch> PhotoLibrary::savedSearch(const QString& name) const {
    const QString json = reader_->meta(kSavedPrefix + name.trimmed());
    if (json.isEmpty()) return std::nullopt;
    return SavedSearch::fromJson(name.trimmed(), QJsonDocument::fromJson(json.toUtf8()).object());
}

void PhotoLibrary::saveSearch(const SavedSearch& search) {
    requireWritable();
    const QString name = search.name.trimmed();
    if (name.isEmpty() || name.size() > 200 ||
        std::any_of(name.begin(), name.end(), [](QChar c) { return c.category() == QChar::Other_Control; }))
        throw LibraryError(LibraryErrorKind::InvalidRequest,
                           "a saved search needs a name of 1 to 200 characters, without control characters");
    if (search.query.trimmed().isEmpty() && search.image.isEmpty() && search.folder.isEmpty() &&
        search.tag.isEmpty() && search.after.isEmpty() && search.until.isEmpty())
        throw LibraryError(LibraryErrorKind::InvalidRequest, "there is nothing to save: the search is empty");
    const QString json = QString::fromUtf8(QJsonDocument(search.toJson()).toJson(QJsonDocument::Compact));
    writer_->write([&](PhotoCatalog& c) { c.setMeta(kSavedPrefix + name, json); });
}

bool PhotoLibrary::deleteSavedSearch(const QString& name) {
    requireWritable();
    if (!savedSearch(name)) return false;
    writer_->write([&](PhotoCatalog& c) { c.setMeta(kSavedPrefix + name.trimmed(), QString()); });
    return true;
}

std::vector<SearchResult> PhotoLibrary::similar(const QString& path, const SearchOptions& options) {
    return search_->similar(path, options);
}

std::vector<SearchResult> PhotoLibrary::browse(const SearchOptions& options) {
    return search_->browse(options);
}

std::vector<std::vector<SearchResult>> PhotoLibrary::duplicates(float threshold) {
    return search_->duplicates(threshold);
}

std::vector<TaggedPhoto> PhotoLibrary::tag(const QString& folderPath, const QStringList& labels,
                                           const QString& promptTemplate) {
    requireWritable();
    auto tagged = computeTags(folderPath, labels, promptTemplate);
    saveTags(labels, tagged);
    // A tag run is worth a fresh copy of the catalog. (The window's saveTags alone does not take one: copying
    // a 100,000-photo catalog takes about 1.4 s here, too long on the GUI thread; the next run copies them.)
    keepBackup();
    return tagged;
}

QStringList PhotoLibrary::allTags() const { return reader_->allTags(); }

std::vector<std::pair<QString, int64_t>> PhotoLibrary::tagCounts() const { return reader_->tagCounts(); }

namespace {
QString checkedTag(const QString& tag) {
    const QString t = tag.simplified();  // one line, single spaces
    if (t.isEmpty()) throw AlignError("a tag needs a name");
    if (t.size() > 200) throw AlignError("a tag name is at most 200 characters");
    return t;
}
}  // namespace

void PhotoLibrary::setTag(const QStringList& paths, const QString& tag, bool on) {
    requireWritable();
    const QString t = on ? checkedTag(tag) : tag;
    std::vector<int64_t> ids;
    for (const QString& path : paths)
        if (const auto photo = reader_->photoByPath(path)) ids.push_back(photo->id);
    writer_->write([&](PhotoCatalog& c) { on ? c.addTag(ids, t) : c.removeTag(ids, t); });
}

void PhotoLibrary::renameTag(const QString& from, const QString& to) {
    requireWritable();
    const QString t = checkedTag(to);
    writer_->write([&](PhotoCatalog& c) { c.renameTag(from, t); });
}

void PhotoLibrary::deleteTag(const QString& tag) {
    requireWritable();
    writer_->write([&](PhotoCatalog& c) { c.deleteTag(tag); });
}

void PhotoLibrary::saveTags(const QStringList& labels, const std::vector<TaggedPhoto>& tagged) {
    requireWritable();
    const QString labelSet = ZeroShotTagger::labelSet(labels);
    const auto records = ZeroShotTagger::records(labelSet, tagged);
    writer_->write([&](PhotoCatalog& c) { c.replaceTags(labelSet, records); });
}

std::vector<TaggedPhoto> PhotoLibrary::computeTags(const QString& folderPath, const QStringList& labels,
                                                   const QString& promptTemplate) {
    if (labels.isEmpty()) throw AlignError("give at least one label");
    modelId();
    return ZeroShotTagger(embedder(), *reader_).compute(canonicalFolder(folderPath), labels, promptTemplate);
}

std::vector<std::pair<QString, QString>> PhotoLibrary::failures() const { return reader_->failures(); }

std::vector<std::pair<QString, int64_t>> PhotoLibrary::directoryCounts() const {
    return reader_->directoryCounts();
}

LibraryStatus PhotoLibrary::status() {
    LibraryStatus s;
    const PhotoCatalog& catalog = *reader_;
    const PhotoCatalog::Counts c = catalog.counts();
    s.photos = c.photos;
    s.indexed = c.indexed;
    s.failed = c.failed;
    s.offline = c.offline;
    s.folders = catalog.folderCounts();
    s.modelId = catalog.meta(QStringLiteral("model_id"));
    s.modelName = catalog.meta(QStringLiteral("model_name"));
    s.dim = catalog.meta(QStringLiteral("model_dim")).toInt();
    s.vectors = catalog.vectorCount();
    const auto loaded = vectors();
    s.approximateIndex = loaded
                             ? loaded->kind() == VectorIndex::Kind::Approximate
                             : s.vectors > std::max<int64_t>(exactUpTo_, 1);  // as VectorIndex::build decides
    return s;
}

}  // namespace photosearch
