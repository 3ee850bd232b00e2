#include "tag_learning.h"

#include "search_relevance.h"

#include <algorithm>
#include <cmath>

namespace photosearch {
namespace {

// Each value in robust standard deviations from the median (left at 0 when the values do not vary).
std::vector<double> robustZ(const std::vector<double>& values) {
    const double centre = median(values);
    std::vector<double> deviation(values.size());
    for (size_t i = 0; i < values.size(); ++i) deviation[i] = std::fabs(values[i] - centre);
    const double spread = 1.4826 * median(std::move(deviation));
    std::vector<double> z(values.size(), 0.0);
    if (spread > 0)
        for (size_t i = 0; i < values.size(); ++i) z[i] = (values[i] - centre) / spread;
    return z;
}

std::vector<double> asDouble(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace

LabelLearner::Result LabelLearner::judge(const LabelEvidence& e, LabelWeights weights) {
    Result r;
    const size_t n = e.text.size();
    if (n < 3 || e.neutral.size() != n) return r;
    // The prompt: its residual against the neutral prompt, as the search's cut-off reads a query.
    const GoodMatchCutoff cutoff(e.text, e.neutral, std::max<int64_t>(e.libraryPhotos, int64_t(n)));
    std::vector<double> sum(n, 0.0);
    if (cutoff.isValid())
        for (size_t i = 0; i < n; ++i) sum[i] = cutoff.standing(e.text[i], e.neutral[i]);
    const auto addPrototype = [&](const std::vector<float>& column, int count, double weight) {
        if (count <= 0 || column.size() != n) return;
        const double w = weight * count / (count + 1.0);
        const std::vector<double> z = robustZ(asDouble(column));
        for (size_t i = 0; i < n; ++i) sum[i] += w * z[i];
    };
    addPrototype(e.accepted, e.acceptedCount, weights.accepted);
    addPrototype(e.rejected, e.rejectedCount, -weights.rejected);
    const std::vector<double> standing = robustZ(sum);
    r.valid = std::any_of(standing.begin(), standing.end(), [](double z) { return z != 0; });
    r.standing.assign(standing.begin(), standing.end());
    r.threshold = GoodMatchCutoff::chanceBar(std::max<int64_t>(e.libraryPhotos, int64_t(n)));
    return r;
}

}  // namespace photosearch
