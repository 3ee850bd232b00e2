#pragma once

#include <QString>

#include <faiss/Index.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <utility>
#include <vector>

namespace photosearch {

class CompressedVectors;

struct ScoredId {
    int64_t id = 0;
    float score = 0;
};

// `values` scaled to unit length (left as they are when all zero), as the index stores them.
std::vector<float> unitVector(const float* values, int dim);

// Reads every vector of a collection, as often as asked: visit(id, values) for each.
using VectorSource = std::function<void(const std::function<void(int64_t id, const float* values)>& visit)>;

// The exact vectors of some ids, for re-ranking: one entry per id, empty where the id has none (the catalog:
// PhotoCatalog::vectorsOf).
using ExactVectors = std::function<std::vector<std::vector<float>>(const std::vector<int64_t>& ids)>;

// Unit vectors keyed by catalog photo ids (inner product of unit vectors = cosine). A cache: the catalog
// can always rebuild it. Safe to search from several threads while one thread adds or removes.
//
// Two kinds, chosen by library size when built (build()):
//  - exact: IndexIDMap2 over IndexFlatIP, 4 bytes a value; up to kExactUpTo vectors (100,000 take
//    35 ms a query here, too much beside the 50 ms a text query may take in all; 20,000 take 7 ms);
//  - approximate: CompressedVectors, half a byte a value, every code scanned on all CPUs with integer
//    arithmetic, then the best kRerank (or k, if more) re-ranked with the exact vectors the caller reads
//    from the catalog. Nothing is skipped, so recall does not depend on where a query lies (text queries
//    sit at cosine 0.2-0.35 from the photos they describe, in every direction); the codes' error (about
//    0.01) only has to keep the true best 10 within the best 256. Scores of re-ranked results are exact.
class VectorIndex {
  public:
    enum class Kind { Exact, Approximate };
    static constexpr int64_t kExactUpTo = 20000;
    static constexpr int64_t kRerank = 256;      // candidates re-ranked exactly, at least
    static constexpr int64_t kMaxRerank = 4096;  // and at most (a browse-all asks for every photo)

    // The size up to which build() makes the exact kind, for a library's choice of kind: "auto" (by size:
    // kExactUpTo), "exact" (any size) or "approximate" (any size but empty; tests use it on small
    // libraries). Empty: $PHOTOSEARCH_INDEX, else auto. Throws AlignError on any other name.
    static int64_t exactUpToFor(QString kind);
    // Whether an index of `kind` holding `count` vectors should be rebuilt as the other kind for
    // `exactUpTo` (with some room either way under "auto", so a library near the limit does not flip).
    static bool wantsOtherKind(Kind kind, int64_t count, int64_t exactUpTo);

    explicit VectorIndex(int dim);  // an empty exact index
    ~VectorIndex();

    // The kind suited to `count` vectors, filled from `source` (read twice for the approximate kind:
    // a sample to learn the codes' ranges first, then everything in chunks; never the whole collection in
    // memory).
    static std::unique_ptr<VectorIndex> build(int dim, int64_t count, const VectorSource& source,
                                              int64_t exactUpTo = kExactUpTo);

    int dim() const { return dim_; }
    Kind kind() const;
    int64_t size() const;
    void add(const std::vector<int64_t>& ids, const std::vector<float>& vectors);  // ids.size() x dim
    void remove(const std::vector<int64_t>& ids);
    // The k best by inner product with `query`, best first (k is capped at size()). The approximate kind
    // re-ranks its best candidates with `exact` (ids it gives no vector for are left out: removed from the
    // catalog since); without it, scores come from the codes.
    std::vector<ScoredId> search(const float* query, int64_t k, const ExactVectors& exact = {}) const;
    // Every vector's score for `query`, in no particular order (a label's re-scoring, #18). The exact kind
    // computes them straight from its vectors, without ranking; the approximate kind ranks as search()
    // does for every vector.
    std::vector<ScoredId> scoreAll(const float* query, const ExactVectors& exact = {}) const;
    bool contains(int64_t id) const;
    // The stored vector (the approximate kind: as its codes give it back).
    bool reconstruct(int64_t id, std::vector<float>& out) const;

    // Written to a temporary file beside `path`, flushed to disk, then renamed over it: a crash leaves
    // the old file or the new one, never half of one. Returns the file's SHA-256 (hex), for load().
    QString save(const QString& path) const;
    // Throws AlignError when the file is missing, unreadable, not ours or of another dimension; with
    // `expectedSha256`, also when its checksum differs (damaged, or copied from another library), and with
    // `maxBytes`, when it is larger (checked before FAISS reads it, so a forged header allocates nothing).
    static std::unique_ptr<VectorIndex> load(const QString& path, int dim, const QString& expectedSha256 = {},
                                             qint64 maxBytes = -1);
    // A generous bound on the file size of `count` vectors of `dim` values, of either kind.
    static qint64 maxFileBytes(int64_t count, int dim);

  private:
    int dim_;
    std::unique_ptr<faiss::Index> exact_;             // the exact kind
    std::unique_ptr<CompressedVectors> approximate_;  // or the approximate one
    mutable std::shared_mutex mutex_;
};

}  // namespace photosearch
