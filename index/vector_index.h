#pragma once

#include <QString>

#include <faiss/IndexIDMap.h>

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <utility>
#include <vector>


namespace photosearch {

struct ScoredId {
    int64_t id = 0;
    float score = 0;
};

// `values` scaled to unit length (left as they are when all zero), as the index stores them.
std::vector<float> unitVector(const float* values, int dim);

// Unit vectors keyed by catalog photo ids in a FAISS IndexIDMap2 over an exact inner-product index
// (inner product of unit vectors = cosine). A cache: the catalog can always rebuild it. Safe to search
// from several threads while one thread adds or removes.
class VectorIndex {
public:
    explicit VectorIndex(int dim);
    ~VectorIndex();

    int dim() const { return dim_; }
    int64_t size() const;
    void add(const std::vector<int64_t>& ids, const std::vector<float>& vectors);  // ids.size() x dim
    void remove(const std::vector<int64_t>& ids);
    // The k best by inner product with `query`, best first (k is capped at size()).
    std::vector<ScoredId> search(const float* query, int64_t k) const;
    bool reconstruct(int64_t id, std::vector<float>& out) const;

    // Written to a temporary file beside `path`, flushed to disk, then renamed over it: a crash leaves
    // the old file or the new one, never half of one.
    void save(const QString& path) const;
    // Throws AlignError when the file is missing, unreadable, not ours or of another dimension.
    static std::unique_ptr<VectorIndex> load(const QString& path, int dim);

private:
    int dim_;
    std::unique_ptr<faiss::IndexIDMap2> index_;
    mutable std::shared_mutex mutex_;
};

}  // namespace photosearch
