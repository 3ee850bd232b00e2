#include "library_search.h"

#include "align_embedder.h"
#include "align_error.h"
#include "library_error.h"
#include "native_path.h"
#include "photo_library.h"
#include "search_relevance.h"
#include "vector_index.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>

namespace photosearch {

QString canonicalFolder(const QString& path) {
    // Qt resolves names as UTF-8: a folder whose name is not stays as given (absolute and clean), its bytes
    // kept.
    if (native_path::hasRawBytes(path))
        return QDir::cleanPath(QDir::isAbsolutePath(path) ? path
                                                          : QDir::currentPath() + QLatin1Char('/') + path);
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

bool isUnderFolder(const QString& path, const QString& folder) {
    return path.startsWith(folder) &&
           (path.size() == folder.size() || path.at(folder.size()) == QLatin1Char('/') ||
            folder.endsWith(QLatin1Char('/')));
}

QString namedPart(const QString& path, const QStringList& roots) {
    const QString* root = nullptr;
    for (const QString& r : roots)
        if (isUnderFolder(path, r) && (!root || r.size() > root->size())) root = &r;
    if (!root) return path;
    const int nameStart = static_cast<int>(root->lastIndexOf(QLatin1Char('/'))) + 1;
    return path.mid(nameStart);
}

void addParsedQuery(const ParsedQuery& q, SearchOptions& o) {
    if (q.fromDate) o.after = q.fromDate->startOfDay().toSecsSinceEpoch();  // local time, as EXIF dates are
    if (q.toDate) o.before = q.toDate->addDays(1).startOfDay().toSecsSinceEpoch();
    o.notTexts << q.negatives;
    o.names << q.names;
    o.tags << q.tags;
    o.folderWords << q.folderWords;
}

namespace {

QStringList folderPaths(const PhotoCatalog& catalog) {
    QStringList roots;
    for (const FolderRecord& f : catalog.folders()) roots << f.path;
    return roots;
}

}  // namespace

void LibrarySearch::refreshPaths() {
    auto paths = library_.catalog().places();
    auto times = library_.catalog().frameTimes();
    QStringList roots = folderPaths(library_.catalog());
    std::lock_guard lock(pathsMutex_);
    paths_ = std::move(paths);
    frameTimes_ = std::move(times);
    roots_ = std::move(roots);
    nameWords_.reset();
    std::lock_guard calibrating(calibrationMutex_);
    calibration_.reset();
}

void LibrarySearch::refreshPaths(const QStringList& changed) {
    if (changed.isEmpty()) return;
    const auto places = library_.catalog().placesAt(changed);
    std::vector<int64_t> ids;
    for (const auto& [id, _] : places) ids.push_back(id);
    auto times = library_.catalog().frameTimesOf(ids);
    QStringList roots = folderPaths(library_.catalog());  // a folder added while the run goes
    std::unordered_map<QString, QStringList> folderWords;
    std::lock_guard lock(pathsMutex_);
    if (roots != roots_) {
        roots_ = std::move(roots);
        nameWords_.reset();
    }
    for (const auto& [id, place] : places) {
        const auto known = paths_.find(id);
        const bool named = known != paths_.end() && known->second.indexed;  // its words are in nameWords_
        if (named && (known->second.path != place.path || !place.indexed))
            nameWords_.reset();  // moved or failed: worked out again when next asked
        else if (!named && place.indexed && nameWords_)
            addNameWords(id, place, folderWords);
        paths_[id] = place;
        if (const auto t = times.find(id); t != times.end())
            frameTimes_[id] = std::move(t->second);
        else
            frameTimes_.erase(id);
    }
}

void LibrarySearch::addNameWords(int64_t id, const Place& place,
                                 std::unordered_map<QString, QStringList>& folderWords) {
    const QString named = namedPart(place.path, roots_);
    const int slash = static_cast<int>(named.lastIndexOf(QLatin1Char('/')));
    const QString folder = named.left(std::max(slash, 0));
    auto it = folderWords.find(folder);
    if (it == folderWords.end()) it = folderWords.emplace(folder, nameWords(folder)).first;
    QStringList words = it->second;
    for (const QString& w : nameWords(named.mid(slash + 1).section(QLatin1Char('.'), 0, 0)))
        if (!words.contains(w)) words << w;
    for (const QString& w : words) (*nameWords_)[w].push_back(id);
}

const std::unordered_map<QString, std::vector<int64_t>>& LibrarySearch::photosByNameWord() {
    if (nameWords_) return *nameWords_;
    nameWords_.emplace();
    // Words are worked out once a folder (and once a file name); a library has far fewer folders than photos.
    std::unordered_map<QString, QStringList> folderWords;
    for (const auto& [id, place] : paths_)
        if (place.indexed) addNameWords(id, place, folderWords);
    return *nameWords_;
}

void LibrarySearch::prepareNames() {
    std::lock_guard lock(pathsMutex_);
    photosByNameWord();
}

bool LibrarySearch::namesPrepared() {
    std::lock_guard lock(pathsMutex_);
    return nameWords_.has_value();
}

QueryContext LibrarySearch::queryContext() {
    QueryContext c;
    c.isFolderWord = [this](const QString& word) {
        std::lock_guard lock(pathsMutex_);
        return photosByNameWord().count(word) > 0;
    };
    return c;
}

void LibrarySearch::fuseWithNames(std::vector<SearchResult>& ranked, const QStringList& words) {
    std::unordered_map<int64_t, int> matches;
    {
        std::lock_guard lock(pathsMutex_);
        const auto& index = photosByNameWord();
        for (const QString& w : words)
            if (const auto it = index.find(w); it != index.end())
                for (int64_t id : it->second) ++matches[id];
    }
    // Reciprocal rank fusion (Cormack et al. 2009, k = 60): 1/(60 + semantic rank) plus, for a photo whose
    // names hold query words, 1/(60 + its rank by how many they hold), photos holding as many sharing a rank.
    // A name match's share (at least 1/(60 + number of words)) outweighs most of the semantic ranking, so
    // photos whose names match come first, the semantically best of them first.
    std::vector<int> holding(static_cast<size_t>(words.size()) + 1, 0);
    for (SearchResult& r : ranked) {
        const auto it = matches.find(r.id);
        r.nameMatches = it == matches.end() ? 0 : it->second;
        ++holding[static_cast<size_t>(r.nameMatches)];
    }
    std::vector<double> fused(ranked.size());
    for (size_t i = 0; i < ranked.size(); ++i) {
        const int m = ranked[i].nameMatches;
        int nameRank = 1;
        for (int more = m + 1; more < static_cast<int>(holding.size()); ++more)
            nameRank += holding[size_t(more)];
        fused[i] = 1.0 / (60.0 + double(i + 1)) + (m > 0 ? 1.0 / (60.0 + nameRank) : 0.0);
    }
    std::vector<size_t> order(ranked.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return fused[a] > fused[b]; });
    std::vector<SearchResult> out;
    out.reserve(ranked.size());
    for (size_t i : order) out.push_back(std::move(ranked[i]));
    ranked = std::move(out);
}

std::vector<float> LibrarySearch::queryVector(const QString& text, const SearchOptions& o) {
    AlignEmbedder& e = library_.embedder();
    const int dim = e.config().projectionDim;
    std::vector<float> q(static_cast<size_t>(dim), 0.0f);
    auto addScaled = [&](const std::vector<float>& v, float w) {
        for (int i = 0; i < dim; ++i) q[i] += w * v[i];
    };
    if (!text.trimmed().isEmpty()) addScaled(e.textEmbeddings({text})[0], o.textWeight);
    if (!o.imagePath.isEmpty())
        addScaled(e.imageEmbeddings({e.processor().preprocessFile(o.imagePath)})[0], o.imageWeight);
    double norm = 0;
    for (float x : q) norm += double(x) * x;
    if (norm == 0) throw AlignError("nothing to search for: give a text or an image");
    for (float& x : q) x = static_cast<float>(x / std::sqrt(norm));
    // Scores become cos(photo, query) - w * cos(photo, not): a linear query, so one inner product.
    for (const QString& n : o.notTexts)
        if (!n.trimmed().isEmpty()) addScaled(e.textEmbeddings({n})[0], -o.notWeight);
    return q;
}

LibrarySearch::Filter LibrarySearch::filterFor(const SearchOptions& o) {
    const PhotoCatalog& catalog = library_.catalog();
    if (o.minScore && !std::isfinite(*o.minScore))
        throw LibraryError(LibraryErrorKind::InvalidRequest, "the minimum score is not a number");
    if (!std::isfinite(o.notWeight))
        throw LibraryError(LibraryErrorKind::InvalidRequest,
                           "the weight of the \"not\" text is not a number");
    Filter f;
    f.options = &o;
    f.folder = o.folder.isEmpty() ? QString() : canonicalFolder(o.folder);
    // A filter naming what the library does not have is a mistake to report, not "no results".
    if (!f.folder.isEmpty()) {
        QStringList known;
        bool inLibrary = false;
        for (const FolderRecord& folder : catalog.folders()) {
            known << native_path::display(folder.path);
            inLibrary |= isUnderFolder(f.folder, folder.path);
        }
        if (!inLibrary)
            throw LibraryError(LibraryErrorKind::InvalidRequest,
                               native_path::display(o.folder).toStdString() +
                                   ": not in the library (its folders: " +
                                   (known.isEmpty() ? std::string("none yet")
                                                    : known.join(QStringLiteral(", ")).toStdString()) +
                                   ")");
    }
    for (const QString& tag : o.tags) {
        for (const auto& [id, standing] : catalog.photosSuggested(tag)) f.suggested.insert(id);
        const std::vector<int64_t> ids = catalog.photosTagged(tag);
        std::set<int64_t> tagged;
        for (int64_t id : ids)
            if (!f.tagged || f.tagged->count(id)) tagged.insert(id);
        if (ids.empty()) {
            const QStringList tags = catalog.allTags();
            throw LibraryError(LibraryErrorKind::InvalidRequest,
                               "no photo has the tag '" + tag.toStdString() + "' (tags in the library: " +
                                   (tags.isEmpty() ? std::string("none yet")
                                                   : tags.join(QStringLiteral(", ")).toStdString()) +
                                   ")");
        }
        f.tagged = std::move(tagged);
    }
    if (!o.names.isEmpty()) {
        std::lock_guard lock(pathsMutex_);
        f.roots = roots_;  // as refreshPaths read them
    }
    f.any = !f.folder.isEmpty() || o.after || o.before || f.tagged || !o.names.isEmpty();
    return f;
}

bool LibrarySearch::Filter::passes(int64_t id, const Place& place) const {
    if (!folder.isEmpty() && !isUnderFolder(place.path, folder)) return false;
    if (options->after && place.takenAt < *options->after) return false;
    if (options->before && place.takenAt >= *options->before) return false;
    if (tagged && !tagged->count(id)) return false;
    if (!options->names.isEmpty()) {
        const QString named = namedPart(place.path, roots);
        for (const QString& name : options->names)
            if (!named.contains(name, Qt::CaseInsensitive)) return false;
    }
    return true;
}

std::vector<SearchResult> LibrarySearch::rank(const std::vector<float>& query, const SearchOptions& o,
                                              int64_t excludeId) {
    const std::shared_ptr<VectorIndex> vectors = library_.ensureVectors();
    const Filter filter = filterFor(o);
    // Exact search is cheap enough to score every photo when filters may drop most of the best ones.
    // (A limit of INT_MAX asks for every photo: the window pages through them.) A video's frames are
    // vectors of their own: it is returned once, at its best frame, so more are fetched while frames of
    // videos already found take places.
    // Fusing with name matches needs every photo's semantic rank.
    const bool fuse = !o.folderWords.isEmpty();
    const int limit = fuse ? std::numeric_limits<int>::max() : o.limit;
    int64_t k = filter.any || fuse ? vectors->size() : int64_t(o.limit) + (excludeId ? 1 : 0);
    std::vector<SearchResult> out;
    for (bool belowMinimum = false;;) {
        out.clear();
        std::set<int64_t> seen;
        // The scan runs without the paths' lock: the window reads typed words against the library's names
        // (queryContext) while a search runs.
        const std::vector<ScoredId> hits = vectors->search(query.data(), k, exactVectors());
        std::unique_lock lock(pathsMutex_);
        for (const ScoredId& hit : hits) {
            if (static_cast<int>(out.size()) >= limit) break;
            const int64_t id = photoOfVector(hit.id);
            if (id == excludeId || !seen.insert(id).second) continue;
            if (o.minScore && hit.score < *o.minScore) {
                belowMinimum = true;
                break;
            }
            const auto it = paths_.find(id);
            if (it == paths_.end() || !filter.passes(id, it->second)) continue;
            SearchResult r{id, it->second.path, hit.score, it->second.takenAt};
            if (it->second.video) r.timeS = posterTime(id, frameOfVector(hit.id));
            r.suggested = filter.suggested.count(id) > 0;
            out.push_back(std::move(r));
        }
        if (belowMinimum || static_cast<int>(out.size()) >= limit || k >= vectors->size() ||
            static_cast<int64_t>(hits.size()) < k)
            break;
        k = std::min<int64_t>(vectors->size(), k * 4);
    }
    if (fuse) {
        fuseWithNames(out, o.folderWords);
        if (out.size() > static_cast<size_t>(std::max(0, o.limit))) out.resize(static_cast<size_t>(o.limit));
    }
    judge(out, query, *vectors);
    return out;
}

ExactVectors LibrarySearch::exactVectors() const {
    return [this](const std::vector<int64_t>& ids) { return library_.catalog().vectorsOf(ids); };
}

double LibrarySearch::posterTime(int64_t id, int frame) const {
    const auto times = frameTimes_.find(id);
    const size_t f = static_cast<size_t>(frame);
    return times != frameTimes_.end() && f < times->second.size() ? double(times->second[f]) / 1000.0 : 0.0;
}

std::vector<SearchResult> LibrarySearch::browse(const SearchOptions& o) {
    const Filter filter = filterFor(o);
    std::vector<SearchResult> out;
    {
        std::lock_guard lock(pathsMutex_);
        for (const auto& [id, place] : paths_)
            if (place.indexed && filter.passes(id, place)) {
                out.push_back({id, place.path, 0, place.takenAt});
                if (place.video) out.back().timeS = posterTime(id);  // its first sampled frame
                out.back().suggested = filter.suggested.count(id) > 0;
            }
    }
    // Newest first; photos taken in the same second in the order they were added.
    const auto newer = [](const SearchResult& a, const SearchResult& b) {
        return a.takenAt != b.takenAt ? a.takenAt > b.takenAt : a.id > b.id;
    };
    const size_t keep = std::min(out.size(), static_cast<size_t>(std::max(0, o.limit)));
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end(), newer);
    out.resize(keep);
    return out;
}

std::vector<SearchResult> LibrarySearch::search(const QString& text, const SearchOptions& options) {
    const bool described = !text.trimmed().isEmpty() || !options.imagePath.isEmpty();
    const bool filtered = !options.folder.isEmpty() || options.after || options.before ||
                          !options.tags.isEmpty() || !options.names.isEmpty() || !options.notTexts.isEmpty();
    if (!described && filtered) return browseWithout(options);
    return arrange(rank(queryVector(text, options), everyGoodMatch(options), 0), options);
}

SearchOptions LibrarySearch::everyGoodMatch(const SearchOptions& o) {
    SearchOptions all = o;
    if (o.goodOnly || o.order != SearchOptions::Order::Relevance) all.limit = std::numeric_limits<int>::max();
    return all;
}

std::vector<SearchResult> LibrarySearch::arrange(std::vector<SearchResult> results, const SearchOptions& o) {
    if (!o.goodOnly && o.order == SearchOptions::Order::Relevance) return results;  // ranked by score
    const auto goodEnd =
        std::stable_partition(results.begin(), results.end(), [](const SearchResult& r) { return r.good; });
    if (o.order != SearchOptions::Order::Relevance) {
        const bool newest = o.order == SearchOptions::Order::NewestFirst;
        std::stable_sort(results.begin(), goodEnd, [newest](const SearchResult& a, const SearchResult& b) {
            return newest ? a.takenAt > b.takenAt : a.takenAt < b.takenAt;
        });
    }
    if (o.goodOnly) results.erase(goodEnd, results.end());
    if (results.size() > static_cast<size_t>(std::max(0, o.limit)))
        results.resize(static_cast<size_t>(o.limit));
    return results;
}

std::vector<SearchResult> LibrarySearch::browseWithout(const SearchOptions& options) {
    SearchOptions all = options;
    all.limit = std::numeric_limits<int>::max();
    std::vector<SearchResult> out = browse(all);
    QStringList negatives;
    for (const QString& n : options.notTexts)
        if (!n.trimmed().isEmpty()) negatives << n;
    if (!negatives.isEmpty() && !out.empty()) {
        // Only negatives ("-snow"): the photos the negatives describe at least possibly well (one standard
        // deviation above the library's average score, see RelevanceScale) are left out.
        AlignEmbedder& e = library_.embedder();
        std::vector<float> q(static_cast<size_t>(e.config().projectionDim), 0.0f);
        for (const QString& n : negatives) {
            const std::vector<float> v = e.textEmbeddings({n})[0];
            for (size_t i = 0; i < q.size(); ++i) q[i] += v[i];
        }
        const std::shared_ptr<VectorIndex> vectors = library_.ensureVectors();
        std::unordered_map<int64_t, float> best;
        for (const ScoredId& hit : vectors->search(q.data(), vectors->size(), exactVectors())) {
            const int64_t id = photoOfVector(hit.id);
            if (!best.count(id)) best[id] = hit.score;  // a video at its best frame
        }
        std::vector<float> scores;
        scores.reserve(best.size());
        for (const auto& [id, score] : best) scores.push_back(score);
        const RelevanceScale scale(scores);
        out.erase(std::remove_if(out.begin(), out.end(),
                                 [&](const SearchResult& r) {
                                     const auto it = best.find(r.id);
                                     return it != best.end() &&
                                            scale.level(it->second) != RelevanceScale::Level::Weak;
                                 }),
                  out.end());
    }
    if (out.size() > static_cast<size_t>(std::max(0, options.limit)))
        out.resize(static_cast<size_t>(options.limit));
    return out;
}

std::vector<SearchResult> LibrarySearch::similar(const QString& path, const SearchOptions& options) {
    const auto status = native_path::status(path);  // by the name's exact bytes
    if (!status) throw AlignError(native_path::display(path).toStdString() + ": file not found");
    const QString absolute =
        QDir::cleanPath(QDir::isAbsolutePath(path) ? path : QDir::currentPath() + QLatin1Char('/') + path);
    int64_t self = 0;
    std::vector<float> query;
    const PhotoCatalog& catalog = library_.catalog();
    if (const auto known = catalog.photoByPath(absolute);
        known && known->size == status->size && known->mtimeMs == status->mtimeMs) {
        self = known->id;
        if (auto v = catalog.vector(known->id)) query = std::move(*v);
    }
    if (query.empty()) {
        library_.modelId();
        AlignEmbedder& e = library_.embedder();
        query = e.imageEmbeddings({e.processor().preprocessFile(absolute)})[0];
    }
    for (const QString& negative : options.notTexts) {
        if (negative.trimmed().isEmpty()) continue;
        const std::vector<float> n = library_.embedder().textEmbeddings({negative})[0];
        for (size_t i = 0; i < query.size(); ++i) query[i] -= options.notWeight * n[i];
    }
    return arrange(rank(query, everyGoodMatch(options), self), options);
}

std::vector<std::vector<SearchResult>> LibrarySearch::duplicates(float threshold) {
    const std::shared_ptr<VectorIndex> vectors = library_.ensureVectors();
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
    // The approximate kind gives its vectors back from 4-bit codes: the catalog's are the exact ones.
    const bool approximate = vectors->kind() == VectorIndex::Kind::Approximate;
    const auto vectorOf = [&](int64_t id, std::vector<float>& out) {
        if (!approximate) return vectors->reconstruct(id, out);
        if (!vectors->contains(id)) return false;  // not in this snapshot
        std::vector<std::vector<float>> found = library_.catalog().vectorsOf({id});
        if (found[0].empty()) return false;
        out = std::move(found[0]);
        return true;
    };
    std::vector<float> v;
    for (int64_t id : ids) {
        if (!vectorOf(id, v)) continue;
        for (const ScoredId& hit : vectors->search(v.data(), 32, exactVectors())) {
            const int64_t other = photoOfVector(hit.id);  // a video's frame stands for the video
            if (other == id || hit.score < threshold) continue;
            const int64_t a = find(id), b = find(other);
            if (a != b) parent[std::max(a, b)] = std::min(a, b);
        }
    }
    // Every photo joins its root's group, the root included; singletons are dropped below.
    std::map<int64_t, std::vector<SearchResult>> groups;
    std::lock_guard lock(pathsMutex_);
    std::vector<float> rootVector;
    for (int64_t id : ids) {
        const int64_t root = find(id);
        if (!vectorOf(root, rootVector) || !vectorOf(id, v)) continue;
        const float score =
            static_cast<float>(std::inner_product(v.begin(), v.end(), rootVector.begin(), 0.0));
        groups[root].push_back({id, paths_[id].path, score, paths_[id].takenAt});
    }
    std::vector<std::vector<SearchResult>> out;
    for (auto& [root, members] : groups)
        if (members.size() > 1) out.push_back(std::move(members));
    return out;
}

}  // namespace photosearch
