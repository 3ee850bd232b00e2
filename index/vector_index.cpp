#include "vector_index.h"

#include "compressed_vectors.h"
#include "cpu_sharing.h"
#include "file_hash.h"

#include "align_error.h"

#include <QFile>
#include <QFileInfo>

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <random>

namespace photosearch {

namespace {

std::unique_ptr<faiss::IndexIDMap2> makeExact(int dim) {
    auto* flat = new faiss::IndexFlatIP(dim);
    auto map = std::make_unique<faiss::IndexIDMap2>(flat);
    map->own_fields = true;
    return map;
}

faiss::IndexIDMap2* asExact(faiss::Index* index) { return dynamic_cast<faiss::IndexIDMap2*>(index); }
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

VectorIndex::VectorIndex(int dim) : dim_(dim), exact_(makeExact(dim)) {}
VectorIndex::~VectorIndex() = default;

VectorIndex::Kind VectorIndex::kind() const {
    std::shared_lock lock(mutex_);
    return approximate_ ? Kind::Approximate : Kind::Exact;
}

std::unique_ptr<VectorIndex> VectorIndex::build(int dim, int64_t count, const VectorSource& source,
                                                int64_t exactUpTo) {
    auto out = std::make_unique<VectorIndex>(dim);
    if (count > std::max<int64_t>(exactUpTo, 1)) {
        // The codes' ranges from a sample (reservoir sampling, fixed seed: the same library builds the same
        // index). The approximate kind needs two vectors at least to learn a range from.
        const int64_t sampleSize = std::min<int64_t>(count, 65536);
        std::vector<float> sample(static_cast<size_t>(sampleSize * dim));
        std::mt19937_64 random(20261124);
        int64_t seen = 0;
        source([&](int64_t, const float* v) {
            const int64_t slot =
                seen < sampleSize ? seen : std::uniform_int_distribution<int64_t>(0, seen)(random);
            if (slot < sampleSize) std::copy(v, v + dim, sample.begin() + slot * dim);
            ++seen;
        });
        out->approximate_ =
            std::make_unique<CompressedVectors>(dim, sample.data(), std::min(seen, sampleSize));
        out->exact_.reset();
    }
    constexpr size_t kChunk = 8192;
    std::vector<int64_t> ids;
    std::vector<float> data;
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

int64_t VectorIndex::size() const {
    std::shared_lock lock(mutex_);
    return approximate_ ? approximate_->size() : exact_->ntotal;
}

void VectorIndex::add(const std::vector<int64_t>& ids, const std::vector<float>& vectors) {
    if (vectors.size() != ids.size() * static_cast<size_t>(dim_))
        throw AlignError("vector batch of the wrong size");
    if (ids.empty()) return;
    std::unique_lock lock(mutex_);
    if (approximate_) {
        approximate_->add(ids, vectors.data());  // replaces an id it has
        return;
    }
    faiss::IDSelectorBatch selector(ids.size(), ids.data());
    exact_->remove_ids(selector);  // one entry per id: replace, never duplicate
    exact_->add_with_ids(static_cast<faiss::Index::idx_t>(ids.size()), vectors.data(), ids.data());
}

void VectorIndex::remove(const std::vector<int64_t>& ids) {
    if (ids.empty()) return;
    std::unique_lock lock(mutex_);
    if (approximate_) {
        approximate_->remove(ids);
        return;
    }
    faiss::IDSelectorBatch selector(ids.size(), ids.data());
    exact_->remove_ids(selector);
}

std::vector<ScoredId> VectorIndex::scoreAll(const float* query, const ExactVectors& exact) const {
    {
        std::shared_lock lock(mutex_);
        if (!approximate_) {
            const auto* map = asExact(exact_.get());
            const auto* flat = map ? dynamic_cast<const faiss::IndexFlatIP*>(map->index) : nullptr;
            if (flat) {
                const size_t n = static_cast<size_t>(flat->ntotal);
                std::vector<float> scores(n);
                faiss::fvec_inner_products_ny(scores.data(), query, flat->get_xb(), static_cast<size_t>(dim_),
                                              n);
                std::vector<ScoredId> out(n);
                for (size_t i = 0; i < n; ++i) out[i] = {map->id_map[i], scores[i]};
                return out;
            }
        }
    }
    return search(query, size(), exact);
}

std::vector<ScoredId> VectorIndex::search(const float* query, int64_t k, const ExactVectors& exact) const {
    std::vector<ScoredId> out;
    {
        std::shared_lock lock(mutex_);
        if (!approximate_) {
            k = std::min<int64_t>(k, exact_->ntotal);
            if (k <= 0) return {};
            std::vector<float> scores(static_cast<size_t>(k));
            std::vector<faiss::Index::idx_t> ids(static_cast<size_t>(k));
            exact_->search(1, query, k, scores.data(), ids.data());
            for (int64_t i = 0; i < k; ++i)
                if (ids[i] >= 0) out.push_back({ids[i], scores[i]});
            return out;
        }
        k = std::min<int64_t>(k, approximate_->size());
        if (k <= 0) return {};
        for (const auto& c : approximate_->best(query, std::max(k, kRerank), cpu_sharing::allowedCpus()))
            out.push_back({c.id, c.score});
    }
    if (exact) {
        // The best candidates scored again with their exact vectors (read without holding the lock), as the
        // exact kind scores them: the inner product with the vector as stored.
        const size_t rerank = static_cast<size_t>(
            std::min<int64_t>(static_cast<int64_t>(out.size()), std::max(kRerank, std::min(k, kMaxRerank))));
        std::vector<int64_t> ids;
        for (size_t i = 0; i < rerank; ++i) ids.push_back(out[i].id);
        const std::vector<std::vector<float>> vectors = exact(ids);
        std::vector<ScoredId> rescored;
        for (size_t i = 0; i < rerank && i < vectors.size(); ++i) {
            if (vectors[i].size() != static_cast<size_t>(dim_)) continue;  // no longer in the catalog
            double score = 0;
            for (int j = 0; j < dim_; ++j) score += double(query[j]) * vectors[i][static_cast<size_t>(j)];
            rescored.push_back({ids[i], static_cast<float>(score)});
        }
        std::sort(rescored.begin(), rescored.end(), [](const ScoredId& a, const ScoredId& b) {
            return a.score != b.score ? a.score > b.score : a.id < b.id;
        });
        // Past the re-ranked ones (a browse of everything), the codes' order and scores.
        rescored.insert(rescored.end(), out.begin() + static_cast<std::ptrdiff_t>(rerank), out.end());
        out = std::move(rescored);
    }
    if (static_cast<int64_t>(out.size()) > k) out.resize(static_cast<size_t>(k));
    return out;
}

bool VectorIndex::contains(int64_t id) const {
    std::shared_lock lock(mutex_);
    if (approximate_) return approximate_->contains(id);
    const auto* map = asExact(exact_.get());
    return map->rev_map.find(id) != map->rev_map.end();
}

bool VectorIndex::reconstruct(int64_t id, std::vector<float>& out) const {
    std::shared_lock lock(mutex_);
    if (approximate_) return approximate_->decode(id, out);
    auto* map = asExact(exact_.get());
    if (map->rev_map.find(id) == map->rev_map.end()) return false;
    out.resize(static_cast<size_t>(dim_));
    exact_->reconstruct(id, out.data());
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
        if (approximate_) {
            if (!approximate_->writeTo(f)) throw faiss::FaissException("a write failed (disk full?)");
        } else {
            faiss::write_index(exact_.get(), f);
        }
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
    auto out = std::make_unique<VectorIndex>(dim);
    QFile head(path);
    if (head.open(QIODevice::ReadOnly) && CompressedVectors::isOurs(head.read(16))) {
        out->approximate_ = CompressedVectors::readFrom(path, dim);
        out->exact_.reset();
        return out;
    }
    std::unique_ptr<faiss::Index> raw;
    try {
        raw.reset(faiss::read_index(QFile::encodeName(path).constData()));
    } catch (const faiss::FaissException& e) {
        throw AlignError(path.toStdString() + ": unreadable vector index: " + e.what());
    }
    // (An approximate index of an earlier PhotoSearch, FAISS's IVF, is not taken: the library rebuilds it.)
    auto* map = asExact(raw.get());
    if (!map || !dynamic_cast<faiss::IndexFlatIP*>(map->index) || map->d != dim)
        throw AlignError(path.toStdString() + ": not a PhotoSearch vector index of dimension " +
                         std::to_string(dim));
    map->own_fields = true;
    out->exact_ = std::move(raw);
    return out;
}

}  // namespace photosearch
