#include "vector_index.h"

#include "align_error.h"

#include <QFile>
#include <QFileInfo>

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>

#include <cmath>
#include <cstdio>
#include <mutex>
#include <unistd.h>

namespace photosearch {

namespace {

std::unique_ptr<faiss::IndexIDMap2> makeIndex(int dim) {
    auto* flat = new faiss::IndexFlatIP(dim);
    auto map = std::make_unique<faiss::IndexIDMap2>(flat);
    map->own_fields = true;
    return map;
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

VectorIndex::VectorIndex(int dim) : dim_(dim), index_(makeIndex(dim)) {}
VectorIndex::~VectorIndex() = default;

int64_t VectorIndex::size() const {
    std::shared_lock lock(mutex_);
    return index_->ntotal;
}

void VectorIndex::add(const std::vector<int64_t>& ids, const std::vector<float>& vectors) {
    if (vectors.size() != ids.size() * static_cast<size_t>(dim_)) throw AlignError("vector batch of the wrong size");
    if (ids.empty()) return;
    std::unique_lock lock(mutex_);
    // IndexIDMap2 keeps one entry per add: replace, never duplicate.
    faiss::IDSelectorBatch existing(ids.size(), ids.data());
    index_->remove_ids(existing);
    index_->add_with_ids(static_cast<faiss::Index::idx_t>(ids.size()), vectors.data(), ids.data());
}

void VectorIndex::remove(const std::vector<int64_t>& ids) {
    if (ids.empty()) return;
    std::unique_lock lock(mutex_);
    faiss::IDSelectorBatch selector(ids.size(), ids.data());
    index_->remove_ids(selector);
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
    if (index_->rev_map.find(id) == index_->rev_map.end()) return false;
    out.resize(static_cast<size_t>(dim_));
    index_->reconstruct(id, out.data());
    return true;
}

void VectorIndex::save(const QString& path) const {
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
    if (!flushed || !closed || std::rename(tempName.constData(), QFile::encodeName(path).constData()) != 0) {
        QFile::remove(temp);
        throw AlignError(path.toStdString() + ": cannot save the vector index (disk full?)");
    }
}

std::unique_ptr<VectorIndex> VectorIndex::load(const QString& path, int dim) {
    if (!QFileInfo::exists(path)) throw AlignError(path.toStdString() + ": not found");
    std::unique_ptr<faiss::Index> raw;
    try {
        raw.reset(faiss::read_index(QFile::encodeName(path).constData()));
    } catch (const faiss::FaissException& e) {
        throw AlignError(path.toStdString() + ": unreadable vector index: " + e.what());
    }
    auto* map = dynamic_cast<faiss::IndexIDMap2*>(raw.get());
    if (!map || !dynamic_cast<faiss::IndexFlatIP*>(map->index) || map->d != dim)
        throw AlignError(path.toStdString() + ": not a PhotoSearch vector index of dimension " + std::to_string(dim));
    auto out = std::make_unique<VectorIndex>(dim);
    raw.release();
    out->index_.reset(map);
    out->index_->own_fields = true;
    return out;
}

}  // namespace photosearch
