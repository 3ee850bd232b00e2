#include "vector_index.h"

#include "file_hash.h"

#include "align_error.h"

#include <QFile>
#include <QFileInfo>

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <random>
#include <unordered_set>

namespace photosearch {

namespace {

std::unique_ptr<faiss::IndexIDMap2> makeExact(int dim) {
    auto* flat = new faiss::IndexFlatIP(dim);
    auto map = std::make_unique<faiss::IndexIDMap2>(flat);
    map->own_fields = true;
    return map;
}

faiss::IndexIDMap2* asExact(faiss::Index* index) { return dynamic_cast<faiss::IndexIDMap2*>(index); }
faiss::IndexIVFScalarQuantizer* asApproximate(faiss::Index* index) {
    return dynamic_cast<faiss::IndexIVFScalarQuantizer*>(index);
}

// The best k (score, id) pairs, best first.
using TopK = std::vector<std::pair<float, int64_t>>;
void keepBest(TopK& top, float score, int64_t id, size_t k) {
    if (top.size() == k && score <= top.back().first) return;
    top.insert(std::upper_bound(top.begin(), top.end(), std::make_pair(score, id),
                                [](const auto& a, const auto& b) { return a.first > b.first; }),
               {score, id});
    if (top.size() > k) top.pop_back();
}

}  // namespace

std::vector<float> unitVector(const float* values, int dim) {
    std::vector<float> v(values, values + dim);
    double norm = 0;
    for (float x : v) norm += double(x) * x;
    norm = std::sqrt(norm);
    if (norm > 0)
        for (float& x : v) x = static_cast<float>(x / norm);
    return v;
}

int64_t VectorIndex::exactUpToFor(QString kind) {
    if (kind.isEmpty()) kind = qEnvironmentVariable("PHOTOSEARCH_INDEX");
    kind = kind.trimmed().toLower();
    if (kind.isEmpty() || kind == QLatin1String("auto")) return kExactUpTo;
    if (kind == QLatin1String("exact")) return std::numeric_limits<int64_t>::max();
    if (kind == QLatin1String("approximate")) return 0;
    throw AlignError("the search index kind must be exact, approximate or auto (PHOTOSEARCH_INDEX), not \"" +
                     kind.toStdString() + "\"");
}

bool VectorIndex::wantsOtherKind(Kind kind, int64_t count, int64_t exactUpTo) {
    if (exactUpTo == kExactUpTo)  // automatic
        return kind == Kind::Exact ? count > exactUpTo * 3 / 2 : count < exactUpTo / 2;
    const bool exact = count <= std::max<int64_t>(exactUpTo, 1);  // as build() decides
    return (kind == Kind::Exact) != exact;
}

VectorIndex::VectorIndex(int dim) : dim_(dim), index_(makeExact(dim)) {}
VectorIndex::~VectorIndex() = default;

std::unique_ptr<VectorIndex> VectorIndex::build(int dim, int64_t count, const VectorSource& source,
                                                int64_t exactUpTo) {
    auto out = std::make_unique<VectorIndex>(dim);
    constexpr size_t kChunk = 8192;
    std::vector<int64_t> ids;
    std::vector<float> data;
    // The approximate kind needs two vectors at least: its 8-bit codes learn each value's range from them.
    if (count <= std::max<int64_t>(exactUpTo, 1)) {
        source([&](int64_t id, const float* v) {
            ids.push_back(id);
            data.insert(data.end(), v, v + dim);
            if (ids.size() == kChunk) {
                out->add(ids, data);
                ids.clear();
                data.clear();
            }
        });
        out->add(ids, data);
        return out;
    }

    // 1. A training sample (reservoir sampling, fixed seed: the same library builds the same index) and
    //    calibration queries: photos' vectors moved to cosine 0.5 from them, a text query's distance from
    //    the photos it finds. (At cosine 0.3 the synthetic benchmark data needs nearly every cell, and
    //    the index is then slower than exact search.)
    const int64_t nlist = std::min<int64_t>(
        count, std::clamp<int64_t>(static_cast<int64_t>(2 * std::sqrt(static_cast<double>(count))), 1, 8192));
    const int64_t sampleSize = std::min<int64_t>(count, 64 * nlist);
    std::vector<float> sample(static_cast<size_t>(sampleSize * dim));
    std::mt19937_64 random(20261124);
    int64_t seen = 0;
    source([&](int64_t, const float* v) {
        int64_t slot = seen < sampleSize ? seen : std::uniform_int_distribution<int64_t>(0, seen)(random);
        if (slot < sampleSize) std::copy(v, v + dim, sample.begin() + slot * dim);
        ++seen;
    });
    const int64_t n = std::min(seen, sampleSize);
    constexpr int kQueries = 200, kTop = 10;
    const int queries = static_cast<int>(std::min<int64_t>(kQueries, n));
    std::vector<float> query(static_cast<size_t>(queries) * dim);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    for (int q = 0; q < queries; ++q) {
        std::vector<float> noise(static_cast<size_t>(dim));
        double norm = 0;
        for (float& x : noise) {
            x = gauss(random);
            norm += double(x) * x;
        }
        const float scale = static_cast<float>(std::sqrt(1 / 0.25 - 1) / std::sqrt(norm));  // cosine 0.5
        const float* v = sample.data() + static_cast<size_t>(q) * (n / queries) * dim;
        for (int j = 0; j < dim; ++j)
            noise[static_cast<size_t>(j)] = v[j] + noise[static_cast<size_t>(j)] * scale;
        const std::vector<float> unit = unitVector(noise.data(), dim);
        std::copy(unit.begin(), unit.end(), query.begin() + static_cast<size_t>(q) * dim);
    }

    // 2. Train the cells and the 8-bit quantizer on the sample.
    auto* quantizer = new faiss::IndexFlatIP(dim);
    auto ivf = std::make_unique<faiss::IndexIVFScalarQuantizer>(quantizer, dim, static_cast<size_t>(nlist),
                                                                faiss::ScalarQuantizer::QT_8bit,
                                                                faiss::METRIC_INNER_PRODUCT);
    ivf->own_fields = true;
    ivf->cp.niter = 10;
    ivf->cp.spherical = true;
    ivf->cp.seed = 20261124;
    ivf->cp.max_points_per_centroid = 64;
    ivf->cp.min_points_per_centroid = 1;  // a small library chosen to be approximate trains on what it has
    ivf->train(n, sample.data());
    sample = {};
    ivf->set_direct_map_type(faiss::DirectMap::Hashtable);

    // 3. Add everything in chunks, and find the exact top 10 of each calibration query on the way.
    std::vector<TopK> truth(static_cast<size_t>(queries));
    faiss::IndexFlatIP exactChunk(dim);
    auto flush = [&] {
        if (ids.empty()) return;
        ivf->add_with_ids(static_cast<faiss::Index::idx_t>(ids.size()), data.data(), ids.data());
        exactChunk.reset();
        exactChunk.add(static_cast<faiss::Index::idx_t>(ids.size()), data.data());
        const int64_t k = std::min<int64_t>(kTop, static_cast<int64_t>(ids.size()));
        std::vector<float> scores(static_cast<size_t>(queries * k));
        std::vector<faiss::Index::idx_t> rows(static_cast<size_t>(queries * k));
        exactChunk.search(queries, query.data(), k, scores.data(), rows.data());
        for (int q = 0; q < queries; ++q)
            for (int64_t j = 0; j < k; ++j)
                if (const faiss::Index::idx_t r = rows[static_cast<size_t>(q * k + j)]; r >= 0)
                    keepBest(truth[static_cast<size_t>(q)], scores[static_cast<size_t>(q * k + j)],
                             ids[static_cast<size_t>(r)], kTop);
        ids.clear();
        data.clear();
    };
    source([&](int64_t id, const float* v) {
        ids.push_back(id);
        data.insert(data.end(), v, v + dim);
        if (ids.size() == kChunk) flush();
    });
    flush();

    // 4. The fewest cells that find kTargetRecall of the exact top 10, and never fewer than 1/16 of them:
    //    scanning 1/16 of a million 8-bit vectors takes a few milliseconds, and queries unlike the
    //    calibration ones (text far from every photo) need the margin.
    double recall = 0;
    for (int64_t probe = std::max<int64_t>(1, nlist / 16);; probe *= 2) {
        ivf->nprobe = static_cast<size_t>(std::min(probe, nlist));
        std::vector<float> scores(static_cast<size_t>(queries * kTop));
        std::vector<faiss::Index::idx_t> found(static_cast<size_t>(queries * kTop));
        ivf->search(queries, query.data(), kTop, scores.data(), found.data());
        int64_t hits = 0, total = 0;
        for (int q = 0; q < queries; ++q) {
            const std::unordered_set<int64_t> got(found.begin() + q * kTop, found.begin() + (q + 1) * kTop);
            for (const auto& [score, id] : truth[static_cast<size_t>(q)]) hits += got.count(id), ++total;
        }
        recall = total ? static_cast<double>(hits) / total : 1.0;
        if (recall >= kTargetRecall || probe >= nlist) break;
    }
    ivf->parallel_mode = 1;  // one query's cells are scanned on all threads
    out->kind_ = Kind::Approximate;
    out->recall_ = recall;
    out->index_ = std::move(ivf);
    return out;
}

int VectorIndex::nprobe() const {
    std::shared_lock lock(mutex_);
    const auto* ivf = asApproximate(index_.get());
    return ivf ? static_cast<int>(ivf->nprobe) : 0;
}

int64_t VectorIndex::size() const {
    std::shared_lock lock(mutex_);
    return index_->ntotal;
}

void VectorIndex::removeLocked(const std::vector<int64_t>& ids) {
    if (auto* ivf = asApproximate(index_.get())) {
        // The hash table direct map removes by explicit ids, and only ids it has.
        std::vector<faiss::Index::idx_t> present;
        for (int64_t id : ids)
            if (ivf->direct_map.hashtable.count(id)) present.push_back(id);
        if (present.empty()) return;
        faiss::IDSelectorArray selector(present.size(), present.data());
        ivf->remove_ids(selector);
        return;
    }
    faiss::IDSelectorBatch selector(ids.size(), ids.data());
    index_->remove_ids(selector);
}

void VectorIndex::add(const std::vector<int64_t>& ids, const std::vector<float>& vectors) {
    if (vectors.size() != ids.size() * static_cast<size_t>(dim_))
        throw AlignError("vector batch of the wrong size");
    if (ids.empty()) return;
    std::unique_lock lock(mutex_);
    removeLocked(ids);  // one entry per id: replace, never duplicate
    index_->add_with_ids(static_cast<faiss::Index::idx_t>(ids.size()), vectors.data(), ids.data());
}

void VectorIndex::remove(const std::vector<int64_t>& ids) {
    if (ids.empty()) return;
    std::unique_lock lock(mutex_);
    removeLocked(ids);
}

std::vector<ScoredId> VectorIndex::search(const float* query, int64_t k) const {
    std::shared_lock lock(mutex_);
    k = std::min<int64_t>(k, index_->ntotal);
    if (k <= 0) return {};
    std::vector<float> scores(static_cast<size_t>(k));
    std::vector<faiss::Index::idx_t> ids(static_cast<size_t>(k));
    index_->search(1, query, k, scores.data(), ids.data());
    std::vector<ScoredId> out;
    out.reserve(static_cast<size_t>(k));
    for (int64_t i = 0; i < k; ++i)
        if (ids[i] >= 0) out.push_back({ids[i], scores[i]});
    return out;
}

bool VectorIndex::reconstruct(int64_t id, std::vector<float>& out) const {
    std::shared_lock lock(mutex_);
    if (auto* map = asExact(index_.get())) {
        if (map->rev_map.find(id) == map->rev_map.end()) return false;
    } else if (auto* ivf = asApproximate(index_.get())) {
        if (!ivf->direct_map.hashtable.count(id)) return false;
    }
    out.resize(static_cast<size_t>(dim_));
    index_->reconstruct(id, out.data());
    return true;
}

qint64 VectorIndex::maxFileBytes(int64_t count, int dim) {
    // Exact: 4 bytes a value and an 8-byte id; approximate: less per vector, plus about 2 sqrt(n) centroids
    // and per-value trained ranges. 64 bytes a vector and 16 MB cover headers and hash tables.
    const int64_t cells = 2 * static_cast<int64_t>(std::sqrt(static_cast<double>(count))) + 64;
    return count * (static_cast<int64_t>(dim) * 4 + 64) + cells * dim * 4 + 16 * 1024 * 1024;
}

QString VectorIndex::save(const QString& path) const {
    const QString temp = path + QStringLiteral(".tmp");
    const QByteArray tempName = QFile::encodeName(temp);
    FILE* f = std::fopen(tempName.constData(), "wb");
    if (!f) throw AlignError(temp.toStdString() + ": cannot write the vector index");
    try {
        std::shared_lock lock(mutex_);
        faiss::write_index(index_.get(), f);
    } catch (const faiss::FaissException& e) {
        std::fclose(f);
        QFile::remove(temp);
        throw AlignError(temp.toStdString() + ": cannot write the vector index: " + e.what());
    }
    const bool flushed = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
    const bool closed = std::fclose(f) == 0;
    if (!flushed || !closed) {
        QFile::remove(temp);
        throw AlignError(path.toStdString() + ": cannot save the vector index (disk full?)");
    }
    // The checksum of what is on disk (read back from the page cache), for load() to verify.
    QString error;
    const QString sha = Digest::sha256OfFile(temp, &error);
    if (sha.isEmpty() || std::rename(tempName.constData(), QFile::encodeName(path).constData()) != 0) {
        QFile::remove(temp);
        throw AlignError(path.toStdString() + ": cannot save the vector index" +
                         (error.isEmpty() ? std::string(" (disk full?)") : ": " + error.toStdString()));
    }
    return sha;
}

std::unique_ptr<VectorIndex> VectorIndex::load(const QString& path, int dim, const QString& expectedSha256,
                                               qint64 maxBytes) {
    const QFileInfo info(path);
    if (!info.exists()) throw AlignError(path.toStdString() + ": not found");
    // Checked before FAISS reads a byte: it allocates whatever sizes the file declares.
    if (maxBytes >= 0 && info.size() > maxBytes)
        throw AlignError(path.toStdString() + ": " + std::to_string(info.size()) +
                         " bytes, more than the library's vectors can take (" + std::to_string(maxBytes) +
                         "); not this library's cache");
    if (!expectedSha256.isEmpty()) {
        QString error;
        const QString sha = Digest::sha256OfFile(path, &error);
        if (sha != expectedSha256)
            throw AlignError(path.toStdString() +
                             (sha.isEmpty()
                                  ? ": unreadable: " + error.toStdString()
                                  : std::string(": its checksum is not the one recorded when it was saved "
                                                "(damaged, or another library's cache)")));
    }
    std::unique_ptr<faiss::Index> raw;
    try {
        raw.reset(faiss::read_index(QFile::encodeName(path).constData()));
    } catch (const faiss::FaissException& e) {
        throw AlignError(path.toStdString() + ": unreadable vector index: " + e.what());
    }
    auto out = std::make_unique<VectorIndex>(dim);
    if (auto* map = asExact(raw.get());
        map && dynamic_cast<faiss::IndexFlatIP*>(map->index) && map->d == dim) {
        map->own_fields = true;
    } else if (auto* ivf = asApproximate(raw.get()); ivf && ivf->d == dim &&
                                                     ivf->metric_type == faiss::METRIC_INNER_PRODUCT &&
                                                     ivf->direct_map.type == faiss::DirectMap::Hashtable) {
        out->kind_ = Kind::Approximate;
        out->recall_ = std::nan("");  // measured when built, not stored
        ivf->parallel_mode = 1;
    } else {
        throw AlignError(path.toStdString() + ": not a PhotoSearch vector index of dimension " +
                         std::to_string(dim));
    }
    out->index_ = std::move(raw);
    return out;
}

}  // namespace photosearch
