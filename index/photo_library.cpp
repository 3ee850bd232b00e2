#include "photo_library.h"

#include "file_hash.h"
#include "model_weights.h"

#include "align_embedder.h"
#include "align_error.h"
#include "library_error.h"
#include "library_lock.h"
#include "library_repair.h"
#include "model_identity.h"

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

QString canonicalFolder(const QString& path) {
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

bool isUnder(const QString& path, const QString& folder) {
    return path.startsWith(folder) && (path.size() == folder.size() || path.at(folder.size()) == QLatin1Char('/') || folder.endsWith(QLatin1Char('/')));
}

// An emptied catalog beside a vector cache is a library that lost its catalog (truncated by a crash of
// the file system, overwritten), never a new library: starting afresh would silently drop its folders.
void refuseEmptiedCatalog(const QString& dir, const QString& catalogPath) {
    const QFileInfo catalogFile(catalogPath);
    if (catalogFile.isFile() && catalogFile.size() == 0 && QFileInfo::exists(dir + QLatin1Char('/') + QLatin1String(kVectorsFile)))
        throw LibraryError(LibraryErrorKind::CatalogDamaged,
                           catalogPath.toStdString() + ": the catalog is empty (0 bytes) but the library holds a vector cache: it was "
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
    const std::string dir = lib->dir_.toStdString();
    const QString catalogPath = lib->dir_ + QStringLiteral("/catalog.sqlite");
    if (!options.writable) {
        // Reading never creates a library: a mistyped --library must not answer "0 results".
        if (!QFileInfo(catalogPath).isFile())
            throw LibraryError(LibraryErrorKind::NoLibrary, dir + ": no PhotoSearch library here; index a folder into it first "
                                                                  "(photosearch-cli index FOLDER --library " + dir + ")");
        refuseEmptiedCatalog(lib->dir_, catalogPath);
        lib->catalog_ = std::make_unique<PhotoCatalog>(catalogPath, PhotoCatalog::Access::ReadOnly);
        lib->refreshPaths();
        return lib;
    }
    if (!QDir().mkpath(lib->dir_)) {
        const QFileInfo parent(QFileInfo(lib->dir_).absolutePath());
        if (parent.exists() && !parent.isWritable())
            throw LibraryError(LibraryErrorKind::ReadOnly, dir + ": cannot create the library folder: " + parent.absoluteFilePath().toStdString() +
                                                               " is read-only");
        throw AlignError(dir + ": cannot create the library folder");
    }
    lib->lock_ = acquireWriterLock(lib->dir_, &lib->removedStaleLock_);
    refuseEmptiedCatalog(lib->dir_, catalogPath);
    lib->catalog_ = std::make_unique<PhotoCatalog>(catalogPath);
    if (options.verifyCatalog)
        if (const QString problems = lib->catalog_->db().quickCheck(); problems != QLatin1String("ok"))
            throw LibraryError(LibraryErrorKind::CatalogDamaged,
                               catalogPath.toStdString() + ": the catalog is damaged (" + problems.left(300).toStdString() +
                                   "); run 'photosearch-cli repair' to restore the copy kept after the last successful run");
    // Searches, status and tag previews read through their own connection: they see only committed data,
    // never a batch the writer has not finished.
    lib->reader_ = std::make_unique<PhotoCatalog>(catalogPath, PhotoCatalog::Access::ReadOnly);
    lib->refreshPaths();
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
    if (!lock_) throw AlignError("the library was opened read-only");
}

AlignEmbedder& PhotoLibrary::embedder() {
    std::lock_guard lock(loadMutex_);
    if (!embedder_) embedder_ = AlignEmbedder::load({options_.modelDir, options_.device, options_.threads, options_.precision});
    return *embedder_;
}

QString PhotoLibrary::modelId() {
    std::lock_guard lock(loadMutex_);
    if (!modelId_.isEmpty()) return modelId_;
    AlignEmbedder* e = nullptr;
    const ModelIdentity::Result identity =
        ModelIdentity::compute(options_.modelDir, catalog_->meta(QStringLiteral("weights_key")), catalog_->meta(QStringLiteral("weights_sha256")),
                               [&] { e = &embedder(); });
    const QString& id = identity.id;
    const QString stored = catalog_->meta(QStringLiteral("model_id"));
    if (!stored.isEmpty() && stored != id && catalog_->vectorCount() > 0)
        throw LibraryError(LibraryErrorKind::ModelMismatch, dir_.toStdString() + ": this library was indexed with another model (" +
                         catalog_->meta(QStringLiteral("model_name")).toStdString() + ", id " + stored.toStdString() +
                         ") than " + options_.modelDir.toStdString() + " (id " + id.toStdString() +
                         "); vectors of two models never mix: use --model with the original model, or re-index "
                         "everything with this one (photosearch-cli index --reindex)");
    if (lock_) {
        WriteTransaction tx(*this);
        catalog_->setMeta(QStringLiteral("weights_key"), identity.weightsKey);
        catalog_->setMeta(QStringLiteral("weights_sha256"), identity.weightsSha);
        catalog_->setMeta(QStringLiteral("model_id"), id);
        catalog_->setMeta(QStringLiteral("model_name"), QFileInfo(options_.modelDir).fileName());
        catalog_->setMeta(QStringLiteral("model_dim"), QString::number(e->config().projectionDim));
        tx.commit();
    }
    modelId_ = id;
    return id;
}

void PhotoLibrary::resetVectors() {
    requireWritable();
    std::lock_guard load(loadMutex_);
    WriteTransaction t(*this);
    catalog_->deleteAllVectors();
    catalog_->setMeta(QStringLiteral("model_id"), QString());
    catalog_->bumpGeneration();
    t.commit();
    modelId_.clear();
    dropVectors();
}

std::shared_ptr<VectorIndex> PhotoLibrary::ensureVectors() {
    std::lock_guard lock(loadMutex_);
    if (auto current = vectors()) return current;
    // Writers add each batch to the current index right after committing it, holding writeMutex_: reading
    // the catalog under the same lock means no batch is missed or added twice.
    std::lock_guard write(writeMutex_);
    const QString id = modelId();
    const int dim = embedder().config().projectionDim;
    const QString file = dir_ + QLatin1Char('/') + QLatin1String(kVectorsFile);
    const int64_t generation = catalog_->generation();
    const int64_t count = catalog_->vectorCount();
    const QString sha = catalog_->meta(QStringLiteral("vectors_sha256"));
    // Only a cache saved at this generation with a recorded checksum is trusted; anything else (damaged in
    // the middle, copied from another library, a forged size, an older PhotoSearch's) is rebuilt.
    if (catalog_->meta(QStringLiteral("vectors_generation")).toLongLong() == generation && !sha.isEmpty()) {
        try {
            auto loaded = VectorIndex::load(file, dim, sha, VectorIndex::maxFileBytes(count, dim));
            // The kind follows the library's size; an exact index that grew well past the limit, or an
            // approximate one that shrank well below it, is rebuilt as the other kind.
            const bool grew = loaded->kind() == VectorIndex::Kind::Exact && count > VectorIndex::kExactUpTo * 3 / 2;
            const bool shrank = loaded->kind() == VectorIndex::Kind::Approximate && count < VectorIndex::kExactUpTo / 2;
            if (loaded->size() == count && !grew && !shrank) {
                std::lock_guard swap(vectorsMutex_);
                vectors_ = std::move(loaded);
                return vectors_;
            }
        } catch (const AlignError& e) {
            qCInfo(lcLibrary, "rebuilding the vector cache from the catalog: %s", e.what());
        }
    }
    const QString dbPath = catalog_->db().path();
    std::shared_ptr<VectorIndex> built = VectorIndex::build(dim, count, [&](const std::function<void(int64_t, const float*)>& visit) {
        catalog_->forEachVector(id, [&](int64_t photoId, const float* v, int d) {
            if (d != dim) throw AlignError(dbPath.toStdString() + ": a stored vector has " + std::to_string(d) + " values, the model " + std::to_string(dim));
            visit(photoId, v);
        });
    });
    {
        std::lock_guard swap(vectorsMutex_);
        vectors_ = built;
    }
    if (lock_) saveVectors();
    return built;
}

void PhotoLibrary::keepBackup() {
    if (!lock_) return;
    std::lock_guard write(writeMutex_);
    try {
        catalog_->db().backupTo(LibraryRepair::backupPath(dir_));
    } catch (const AlignError& e) {
        qCWarning(lcLibrary, "%s; the previous backup is kept", e.what());
    }
}

void PhotoLibrary::saveVectors() {
    const auto current = vectors();
    if (!current || !lock_) return;
    WriteTransaction tx(*this);  // no batch commits between reading the generation and writing the file
    const int64_t generation = catalog_->generation();
    QString sha;
    try {
        sha = current->save(dir_ + QLatin1Char('/') + QLatin1String(kVectorsFile));
    } catch (const AlignError& e) {
        // Only a cache: the catalog holds every vector, and the next start rebuilds it.
        qCWarning(lcLibrary, "%s; the vector cache will be rebuilt from the catalog next time", e.what());
        return;
    }
    catalog_->setMeta(QStringLiteral("vectors_generation"), QString::number(generation));
    catalog_->setMeta(QStringLiteral("vectors_sha256"), sha);
    tx.commit();
}

void PhotoLibrary::refreshPaths() {
    auto paths = reader().pathsAndDates();
    std::lock_guard lock(pathsMutex_);
    paths_ = std::move(paths);
}

QString PhotoLibrary::addFolder(const QString& path) {
    requireWritable();
    const QFileInfo info(path);
    if (!info.exists()) throw AlignError(path.toStdString() + ": folder not found");
    if (!info.isDir()) throw AlignError(path.toStdString() + ": not a folder");
    const QString folder = canonicalFolder(path);
    if (isUnder(QFileInfo(dir_).canonicalFilePath(), folder) && folder == QFileInfo(dir_).canonicalFilePath())
        throw AlignError(path.toStdString() + ": is the library's own folder");
    WriteTransaction tx(*this);
    catalog_->addFolder(folder);
    tx.commit();
    return folder;
}

bool PhotoLibrary::removeFolder(const QString& path) {
    requireWritable();
    WriteTransaction tx(*this);
    const bool removed = catalog_->removeFolder(canonicalFolder(path)) || catalog_->removeFolder(QDir::cleanPath(path));
    tx.commit();
    if (removed) {
        dropVectors();  // rebuilt without the folder's photos on next use
        refreshPaths();
    }
    return removed;
}

std::vector<FolderRecord> PhotoLibrary::folders() const { return reader().folders(); }

PhotoCatalog& PhotoLibrary::reader() const { return reader_ ? *reader_ : *catalog_; }

std::vector<float> PhotoLibrary::queryVector(const QString& text, const SearchOptions& o) {
    AlignEmbedder& e = embedder();
    const int dim = e.config().projectionDim;
    std::vector<float> q(static_cast<size_t>(dim), 0.0f);
    auto addScaled = [&](const std::vector<float>& v, float w) {
        for (int i = 0; i < dim; ++i) q[i] += w * v[i];
    };
    if (!text.trimmed().isEmpty()) addScaled(e.textEmbeddings({text})[0], o.textWeight);
    if (!o.imagePath.isEmpty()) addScaled(e.imageEmbeddings({e.processor().preprocessFile(o.imagePath)})[0], o.imageWeight);
    double norm = 0;
    for (float x : q) norm += double(x) * x;
    if (norm == 0) throw AlignError("nothing to search for: give a text or an image");
    for (float& x : q) x = static_cast<float>(x / std::sqrt(norm));
    // Scores become cos(photo, query) - w * cos(photo, not): a linear query, so one inner product.
    if (!o.notText.trimmed().isEmpty()) addScaled(e.textEmbeddings({o.notText})[0], -o.notWeight);
    return q;
}

std::vector<SearchResult> PhotoLibrary::rank(const std::vector<float>& query, const SearchOptions& o, int64_t excludeId) {
    const std::shared_ptr<VectorIndex> vectors = ensureVectors();
    if (o.minScore && !std::isfinite(*o.minScore)) throw LibraryError(LibraryErrorKind::InvalidRequest, "the minimum score is not a number");
    if (!std::isfinite(o.notWeight)) throw LibraryError(LibraryErrorKind::InvalidRequest, "the weight of the \"not\" text is not a number");
    const QString folder = o.folder.isEmpty() ? QString() : canonicalFolder(o.folder);
    // A filter naming what the library does not have is a mistake to report, not "no results".
    if (!folder.isEmpty()) {
        QStringList known;
        bool inLibrary = false;
        for (const FolderRecord& f : reader().folders()) {
            known << f.path;
            inLibrary |= isUnder(folder, f.path);
        }
        if (!inLibrary)
            throw LibraryError(LibraryErrorKind::InvalidRequest,
                               o.folder.toStdString() + ": not in the library (its folders: " +
                                   (known.isEmpty() ? std::string("none yet") : known.join(QStringLiteral(", ")).toStdString()) + ")");
    }
    std::set<int64_t> tagged;
    if (!o.tag.isEmpty()) {
        for (int64_t id : reader().photosTagged(o.tag)) tagged.insert(id);
        if (tagged.empty()) {
            const QStringList tags = allTags();
            throw LibraryError(LibraryErrorKind::InvalidRequest,
                               "no photo has the tag '" + o.tag.toStdString() + "' (tags in the library: " +
                                   (tags.isEmpty() ? std::string("none yet") : tags.join(QStringLiteral(", ")).toStdString()) + ")");
        }
    }
    const bool filtered = !folder.isEmpty() || o.after || o.before || !o.tag.isEmpty();
    // Exact search is cheap enough to score every photo when filters may drop most of the best ones.
    const int64_t k = filtered ? vectors->size() : o.limit + (excludeId ? 1 : 0);
    std::vector<SearchResult> out;
    std::lock_guard lock(pathsMutex_);
    for (const ScoredId& hit : vectors->search(query.data(), k)) {
        if (static_cast<int>(out.size()) >= o.limit) break;
        if (hit.id == excludeId) continue;
        if (o.minScore && hit.score < *o.minScore) break;
        const auto it = paths_.find(hit.id);
        if (it == paths_.end()) continue;
        const auto& [path, takenAt] = it->second;
        if (!folder.isEmpty() && !isUnder(path, folder)) continue;
        if (o.after && takenAt < *o.after) continue;
        if (o.before && takenAt >= *o.before) continue;
        if (!o.tag.isEmpty() && !tagged.count(hit.id)) continue;
        out.push_back({hit.id, path, hit.score});
    }
    return out;
}

std::vector<SearchResult> PhotoLibrary::search(const QString& text, const SearchOptions& options) {
    return rank(queryVector(text, options), options, 0);
}

std::vector<SearchResult> PhotoLibrary::similar(const QString& path, const SearchOptions& options) {
    const QFileInfo info(path);
    if (!info.exists()) throw AlignError(path.toStdString() + ": file not found");
    const QString absolute = info.absoluteFilePath();
    int64_t self = 0;
    std::vector<float> query;
    if (const auto known = reader().photoByPath(absolute);
        known && known->size == info.size() && known->mtimeMs == info.lastModified().toMSecsSinceEpoch()) {
        self = known->id;
        if (auto v = reader().vector(known->id)) query = std::move(*v);
    }
    if (query.empty()) {
        modelId();
        AlignEmbedder& e = embedder();
        query = e.imageEmbeddings({e.processor().preprocessFile(absolute)})[0];
    }
    SearchOptions o = options;
    if (!o.notText.trimmed().isEmpty()) {
        const std::vector<float> n = embedder().textEmbeddings({o.notText})[0];
        for (size_t i = 0; i < query.size(); ++i) query[i] -= o.notWeight * n[i];
    }
    return rank(query, o, self);
}

std::vector<TaggedPhoto> PhotoLibrary::tag(const QString& folderPath, const QStringList& labels, const QString& promptTemplate) {
    requireWritable();
    auto tagged = computeTags(folderPath, labels, promptTemplate);
    saveTags(labels, tagged);
    // A tag run is worth a fresh copy of the catalog. (The window's saveTags alone does not take one: copying
    // a 100,000-photo catalog takes about 1.4 s here, too long on the GUI thread; the next run copies them.)
    keepBackup();
    return tagged;
}

QStringList PhotoLibrary::allTags() const { return reader().allTags(); }

void PhotoLibrary::saveTags(const QStringList& labels, const std::vector<TaggedPhoto>& tagged) {
    requireWritable();
    QStringList sorted = labels;
    sorted.sort();
    sorted.removeDuplicates();
    const QString labelSet = sorted.join(QLatin1Char('\n'));
    std::vector<std::pair<int64_t, TagRecord>> records;
    for (const TaggedPhoto& t : tagged) {
        QJsonArray json;
        for (const auto& [label, p] : t.probabilities)
            json.append(QJsonObject{{QStringLiteral("label"), label}, {QStringLiteral("probability"), p}});
        records.push_back({t.id, {labelSet, t.tag, QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Compact))}});
    }
    WriteTransaction tx(*this);
    catalog_->replaceTags(labelSet, records);
    tx.commit();
}

std::vector<TaggedPhoto> PhotoLibrary::computeTags(const QString& folderPath, const QStringList& labels, const QString& promptTemplate) {
    if (labels.isEmpty()) throw AlignError("give at least one label");
    modelId();
    const QString folder = canonicalFolder(folderPath);
    if (!QFileInfo(folder).isDir()) throw AlignError(folderPath.toStdString() + ": folder not found");
    AlignEmbedder& e = embedder();
    std::vector<QString> prompts;
    for (const QString& l : labels)
        prompts.push_back(promptTemplate.contains(QStringLiteral("{}")) ? QString(promptTemplate).replace(QStringLiteral("{}"), l) : l);
    const std::vector<std::vector<float>> text = e.textEmbeddings(prompts);

    std::vector<PhotoRecord> photos;
    for (const PhotoRecord& p : reader().photos())
        if (p.status == PhotoStatus::Indexed && isUnder(p.path, folder)) photos.push_back(p);
    if (photos.empty()) throw AlignError(folderPath.toStdString() + ": no indexed photos under this folder (add it and run index first)");

    std::vector<TaggedPhoto> out;
    const double temperature = e.temperature();
    for (const PhotoRecord& p : photos) {
        const auto v = reader().vector(p.id);
        if (!v) continue;
        // softmax(cos / temperature), as logits_per_image and classify compute it; the stored vectors are unit.
        double norm = 0;
        for (float x : *v) norm += double(x) * x;
        norm = std::sqrt(norm);
        std::vector<double> logits;
        for (const std::vector<float>& t : text) {
            double dot = 0;
            for (size_t k = 0; k < t.size() && k < v->size(); ++k) dot += double((*v)[k]) * t[k];
            logits.push_back(dot / (norm > 0 ? norm : 1) / temperature);
        }
        const double top = *std::max_element(logits.begin(), logits.end());
        double sum = 0;
        for (double& l : logits) sum += (l = std::exp(l - top));
        const size_t best = static_cast<size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        TaggedPhoto t{p.id, p.path, labels[static_cast<int>(best)], {}};
        for (int i = 0; i < labels.size(); ++i) t.probabilities.emplace_back(labels[i], static_cast<float>(logits[static_cast<size_t>(i)] / sum));
        out.push_back(std::move(t));
    }
    return out;
}

std::vector<std::vector<SearchResult>> PhotoLibrary::duplicates(float threshold) {
    const std::shared_ptr<VectorIndex> vectors = ensureVectors();
    std::vector<int64_t> ids;
    {
        std::lock_guard lock(pathsMutex_);
        for (const auto& [id, _] : paths_) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    std::unordered_map<int64_t, int64_t> parent;
    std::function<int64_t(int64_t)> find = [&](int64_t x) {
        auto it = parent.find(x);
        if (it == parent.end() || it->second == x) return x;
        return it->second = find(it->second);
    };
    std::vector<float> v;
    for (int64_t id : ids) {
        if (!vectors->reconstruct(id, v)) continue;
        for (const ScoredId& hit : vectors->search(v.data(), 32)) {
            if (hit.id == id || hit.score < threshold) continue;
            const int64_t a = find(id), b = find(hit.id);
            if (a != b) parent[std::max(a, b)] = std::min(a, b);
        }
    }
    // Every photo joins its root's group, the root included; singletons are dropped below.
    std::map<int64_t, std::vector<SearchResult>> groups;
    std::lock_guard lock(pathsMutex_);
    std::vector<float> rootVector;
    for (int64_t id : ids) {
        const int64_t root = find(id);
        if (!vectors->reconstruct(root, rootVector) || !vectors->reconstruct(id, v)) continue;
        const float score = static_cast<float>(std::inner_product(v.begin(), v.end(), rootVector.begin(), 0.0));
        groups[root].push_back({id, paths_[id].first, score});
    }
    std::vector<std::vector<SearchResult>> out;
    for (auto& [root, members] : groups)
        if (members.size() > 1) out.push_back(std::move(members));
    return out;
}

LibraryStatus PhotoLibrary::status() {
    LibraryStatus s;
    const PhotoCatalog& catalog = reader();
    const PhotoCatalog::Counts c = catalog.counts();
    s.photos = c.photos;
    s.indexed = c.indexed;
    s.failed = c.failed;
    s.offline = c.offline;
    s.folders = catalog.folderCounts();
    s.modelId = catalog.meta(QStringLiteral("model_id"));
    s.modelName = catalog.meta(QStringLiteral("model_name"));
    s.dim = catalog.meta(QStringLiteral("model_dim")).toInt();
    return s;
}

}  // namespace photosearch
