// The good-match cut-off's calibration for a library (#17): a sample of its vectors and every photo's
// score for a neutral prompt, against which each query's results are judged (GoodMatchCutoff).
#include "align_embedder.h"
#include "library_search.h"
#include "photo_library.h"
#include "search_relevance.h"
#include "vector_index.h"

#include <algorithm>
#include <random>

namespace photosearch {
namespace {

// The prompt that describes any photo and no photo in particular.
const char* const kNeutralPrompt = "a photo";
// Photos sampled for each query's score distribution: 8,192 (the size `bench --cut-off` measured with);
// a smaller library is taken whole.
constexpr size_t kSample = 8192;
// Below this many photos the cut-off falls back to RelevanceScale's plain rule.
constexpr size_t kFewestForCutoff = 200;

// In float, eight sums side by side so the compiler can use vector instructions: 8,192 sample rows of 640
// take 0.9-1.0 ms a query here where a double sum took 3.3-4.5 ms; the cut-off's statistics need no more.
float dot(const float* a, const float* b, int n) {
    float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) part[k] += a[i + k] * b[i + k];
    float s = 0;
    for (const float p : part) s += p;
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

}  // namespace

float LibrarySearch::Calibration::neutralOf(int64_t photoId) const {
    const auto it = std::lower_bound(neutral.begin(), neutral.end(), std::make_pair(photoId, -1e30f));
    return it != neutral.end() && it->first == photoId ? it->second : static_cast<float>(neutralMean);
}

std::shared_ptr<const LibrarySearch::Calibration> LibrarySearch::calibration(const VectorIndex& vectors) {
    std::lock_guard lock(calibrationMutex_);
    if (calibration_ && vectors.size() <= calibration_->vectors + calibration_->vectors / 4)
        return calibration_;
    auto c = std::make_shared<Calibration>();
    c->vectors = vectors.size();
    AlignEmbedder& e = library_.embedder();
    c->dim = e.config().projectionDim;
    const std::vector<float> n = e.textEmbeddings({QString::fromLatin1(kNeutralPrompt)})[0];
    // Every photo's neutral score (a video's best frame's), from one search over the whole index.
    std::unordered_map<int64_t, float> best;
    for (const ScoredId& hit : vectors.search(n.data(), vectors.size(), exactVectors())) {
        const int64_t id = photoOfVector(hit.id);
        if (!best.count(id)) best[id] = hit.score;
    }
    c->neutral.assign(best.begin(), best.end());
    std::sort(c->neutral.begin(), c->neutral.end());
    for (const auto& [id, score] : c->neutral) c->neutralMean += score / double(c->neutral.size());
    // The sample: photos drawn with a fixed seed (the same library gives the same cut-offs), their exact
    // vectors from the catalog.
    std::vector<int64_t> ids;
    ids.reserve(c->neutral.size());
    for (const auto& [id, score] : c->neutral) ids.push_back(id);
    std::mt19937_64 random(20261205);
    std::shuffle(ids.begin(), ids.end(), random);
    ids.resize(std::min(ids.size(), kSample));
    const std::vector<std::vector<float>> found = library_.catalog().vectorsOf(ids);
    for (const std::vector<float>& v : found) {
        if (static_cast<int>(v.size()) != c->dim) continue;  // removed since the snapshot
        c->sampleVectors.insert(c->sampleVectors.end(), v.begin(), v.end());
        c->sampleNeutral.push_back(dot(v.data(), n.data(), c->dim));
    }
    calibration_ = std::move(c);
    return calibration_;
}

void LibrarySearch::judge(std::vector<SearchResult>& results, const std::vector<float>& query,
                          const VectorIndex& vectors) {
    if (results.empty()) return;
    const std::shared_ptr<const Calibration> c = calibration(vectors);
    if (static_cast<int>(query.size()) != c->dim) return;
    std::vector<float> scores(c->sampleNeutral.size());
    for (size_t i = 0; i < scores.size(); ++i)
        scores[i] =
            static_cast<float>(dot(c->sampleVectors.data() + i * size_t(c->dim), query.data(), c->dim));
    if (scores.size() < kFewestForCutoff) {
        // Too few photos for robust statistics (a median absolute deviation of a handful of scores says
        // little): the plain rule, two standard deviations above the library's average score.
        const RelevanceScale scale(scores);
        for (SearchResult& r : results) {
            r.standing = scale.standardised(r.score);
            r.good = r.nameMatches > 0 || scale.level(r.score) == RelevanceScale::Level::Good;
        }
        return;
    }
    const GoodMatchCutoff cut(scores, c->sampleNeutral, vectors.size());
    for (SearchResult& r : results) {
        r.standing = cut.standing(r.score, c->neutralOf(r.id));
        r.good = r.nameMatches > 0 || cut.isGood(r.score, c->neutralOf(r.id));
    }
}

}  // namespace photosearch
