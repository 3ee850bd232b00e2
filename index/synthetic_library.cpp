#include "synthetic_library.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace photosearch {
namespace {

using Vec = std::vector<float>;

void normalise(Vec& v) {
    double n = 0;
    for (float x : v) n += double(x) * x;
    const double s = n > 0 ? 1.0 / std::sqrt(n) : 0;
    for (float& x : v) x = static_cast<float>(x * s);
}

Vec randomUnit(int dim, std::mt19937_64& random) {
    std::normal_distribution<float> gauss;
    Vec v(static_cast<size_t>(dim));
    for (float& x : v) x = gauss(random);
    normalise(v);
    return v;
}

// sum of weights[i] * parts[i], normalised
Vec mix(const std::vector<std::pair<double, const Vec*>>& parts) {
    Vec out(parts.front().second->size(), 0.0f);
    for (const auto& [w, v] : parts)
        for (size_t i = 0; i < out.size(); ++i) out[i] += static_cast<float>(w * (*v)[i]);
    normalise(out);
    return out;
}

}  // namespace

SyntheticLibrary::SyntheticLibrary(int photos, double plantedFraction, uint64_t seed) {
    std::mt19937_64 random(seed);
    constexpr int kSubjects = 20, kTopicsEach = 25;
    const Vec imageMean = randomUnit(dim, random), textMean = randomUnit(dim, random);
    std::vector<Vec> topics;
    for (int s = 0; s < kSubjects; ++s) {
        const Vec subject = randomUnit(dim, random);
        for (int t = 0; t < kTopicsEach; ++t) {
            const Vec own = randomUnit(dim, random);
            topics.push_back(mix({{0.6, &subject}, {0.8, &own}}));
        }
    }
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    // The query: topic 0, weights drawn for this query.
    const double textWeight = 0.3 + 0.2 * uniform(random), topicWeight = 0.3 + 0.12 * uniform(random);
    const Vec queryNoise = randomUnit(dim, random), neutralNoise = randomUnit(dim, random);
    query = mix({{textWeight, &textMean},
                 {topicWeight, &topics[0]},
                 {std::sqrt(1 - textWeight * textWeight - topicWeight * topicWeight), &queryNoise}});
    neutral = mix({{0.45, &textMean}, {std::sqrt(1 - 0.45 * 0.45), &neutralNoise}});

    std::normal_distribution<double> nearText(0.3, 0.1);
    std::uniform_int_distribution<int> otherTopic(1, kSubjects * kTopicsEach - 1);
    const int plantedCount = std::max(1, static_cast<int>(std::lround(photos * plantedFraction)));
    vectors.reserve(static_cast<size_t>(photos) * static_cast<size_t>(dim));
    planted.assign(static_cast<size_t>(photos), 0);
    std::vector<int> order(static_cast<size_t>(photos));
    for (int i = 0; i < photos; ++i) order[static_cast<size_t>(i)] = i;
    std::shuffle(order.begin(), order.end(), random);
    for (int i = 0; i < plantedCount && i < photos; ++i) planted[static_cast<size_t>(order[size_t(i)])] = 1;
    for (int p = 0; p < photos; ++p) {
        const bool isPlanted = planted[static_cast<size_t>(p)];
        const Vec& topic = isPlanted ? topics[0] : topics[static_cast<size_t>(otherTopic(random))];
        const double h = std::clamp(nearText(random), 0.0, 0.6);
        // Planted photos show the query's subject more or less clearly: cosine 0.2-0.35 to the query.
        const double b = isPlanted ? 0.3 + 0.35 * uniform(random) : 0.5;
        const double rest = std::sqrt(std::max(0.05, 1 - 0.36 - h * h - b * b));
        const Vec noise = randomUnit(dim, random);
        const Vec v = mix({{0.6, &imageMean}, {h, &textMean}, {b, &topic}, {rest, &noise}});
        vectors.insert(vectors.end(), v.begin(), v.end());
    }
}

float SyntheticLibrary::score(int photo, const std::vector<float>& v) const {
    const float* row = vectors.data() + static_cast<size_t>(photo) * static_cast<size_t>(dim);
    double s = 0;
    for (int i = 0; i < dim; ++i) s += double(row[i]) * v[static_cast<size_t>(i)];
    return static_cast<float>(s);
}

}  // namespace photosearch
