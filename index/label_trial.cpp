#include "label_trial.h"

#include <algorithm>
#include <random>

namespace photosearch {
namespace {

// Each photo's dot product with the mean of the given photos' vectors.
std::vector<float> prototypeColumn(const SyntheticLibrary& library, const std::vector<int>& photos) {
    if (photos.empty()) return {};
    std::vector<float> mean(static_cast<size_t>(library.dim), 0.0f);
    for (const int p : photos)
        for (int k = 0; k < library.dim; ++k)
            mean[size_t(k)] += library.vectors[size_t(p) * size_t(library.dim) + size_t(k)];
    std::vector<float> column(static_cast<size_t>(library.size()));
    for (int p = 0; p < library.size(); ++p) column[size_t(p)] = library.score(p, mean);
    return column;
}

}  // namespace

std::vector<LabelTrialPoint> runLabelTrial(const SyntheticLibrary& library,
                                           const std::vector<int>& checkpoints, Reviewer reviewer,
                                           LabelWeights weights, uint64_t seed) {
    const int n = library.size();
    LabelEvidence e;
    e.libraryPhotos = n;
    for (int p = 0; p < n; ++p) {
        e.text.push_back(library.score(p, library.query));
        e.neutral.push_back(library.score(p, library.neutral));
    }
    std::vector<int> accepted, rejected;
    std::vector<char> judged(static_cast<size_t>(n), 0);
    std::vector<int> plantedOrder;
    for (int p = 0; p < n; ++p)
        if (library.planted[size_t(p)]) plantedOrder.push_back(p);
    std::mt19937_64 random(seed);
    std::shuffle(plantedOrder.begin(), plantedOrder.end(), random);

    std::vector<LabelTrialPoint> out;
    LabelLearner::Result result = LabelLearner::judge(e, weights);
    for (const int target : checkpoints) {
        // Judge until `target` photos are confirmed (or nothing is left to judge).
        while (int(accepted.size()) < target) {
            int next = -1;
            if (reviewer == Reviewer::Random) {
                if (accepted.size() < plantedOrder.size()) next = plantedOrder[accepted.size()];
            } else {
                for (int p = 0; p < n; ++p)
                    if (!judged[size_t(p)] &&
                        (next < 0 || result.standing[size_t(p)] > result.standing[size_t(next)]))
                        next = p;
            }
            if (next < 0 || int(accepted.size() + rejected.size()) >= 10 * std::max(target, 1)) break;
            judged[size_t(next)] = 1;
            (library.planted[size_t(next)] ? accepted : rejected).push_back(next);
            e.accepted = prototypeColumn(library, accepted);
            e.rejected = prototypeColumn(library, rejected);
            e.acceptedCount = int(accepted.size());
            e.rejectedCount = int(rejected.size());
            result = LabelLearner::judge(e, weights);
        }
        LabelTrialPoint point;
        point.confirmed = int(accepted.size());
        point.rejected = int(rejected.size());
        int truePositives = 0, planted = 0;
        for (int p = 0; p < n; ++p) {
            if (judged[size_t(p)]) continue;
            const bool chosen = result.valid && result.standing[size_t(p)] >= result.threshold;
            point.suggested += chosen;
            truePositives += chosen && library.planted[size_t(p)];
            planted += library.planted[size_t(p)] != 0;
        }
        point.precision = point.suggested ? double(truePositives) / point.suggested : 1.0;
        point.recall = planted ? double(truePositives) / planted : 1.0;
        out.push_back(point);
    }
    return out;
}

}  // namespace photosearch
