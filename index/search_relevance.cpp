#include "search_relevance.h"

#include <algorithm>
#include <cmath>

namespace photosearch {

RelevanceScale::RelevanceScale(const std::vector<float>& scores) : count_(scores.size()) {
    if (scores.empty()) return;
    double sum = 0;
    best_ = scores.front();
    for (float s : scores) {
        sum += s;
        best_ = std::max(best_, double(s));
    }
    mean_ = sum / double(count_);
    double squares = 0;
    for (float s : scores) squares += (s - mean_) * (s - mean_);
    deviation_ = std::sqrt(squares / double(count_));
    good_ = static_cast<size_t>(
        std::count_if(scores.begin(), scores.end(), [this](float s) { return level(s) == Level::Good; }));
}

double RelevanceScale::standardised(float score) const {
    // All scores equal (one photo, or copies of one): nothing stands out, nothing is judged weak either.
    if (!(deviation_ > 0)) return count_ == 1 ? kGood : 0;
    return (score - mean_) / deviation_;
}

RelevanceScale::Level RelevanceScale::level(float score) const {
    const double z = standardised(score);
    if (z >= kGood) return Level::Good;
    if (z >= kPossible) return Level::Possible;
    return Level::Weak;
}

double RelevanceScale::bar(float score) const {
    if (!(best_ > mean_)) return count_ == 1 ? 1.0 : 0.0;  // as standardised(): one photo is its best
    return std::clamp((score - mean_) / (best_ - mean_), 0.0, 1.0);
}

}  // namespace photosearch

namespace photosearch {

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    if (v.size() % 2) return *mid;
    return (*mid + *std::max_element(v.begin(), mid)) / 2;
}

double GoodMatchCutoff::chanceBar(int64_t libraryPhotos, double margin) {
    return std::max(kFloor, normalUpperQuantile(1.0 / std::max(double(libraryPhotos), 2.0)) + margin);
}

GoodMatchCutoff::GoodMatchCutoff(const std::vector<float>& scores, const std::vector<float>& neutral,
                                 int64_t libraryPhotos, double margin) {
    const size_t n = std::min(scores.size(), neutral.size());
    if (n < 3) return;
    double ms = 0, mu = 0;
    for (size_t i = 0; i < n; ++i) {
        ms += scores[i];
        mu += neutral[i];
    }
    ms /= double(n);
    mu /= double(n);
    double cov = 0, var = 0;
    for (size_t i = 0; i < n; ++i) {
        cov += (scores[i] - ms) * (neutral[i] - mu);
        var += (neutral[i] - mu) * (neutral[i] - mu);
    }
    beta_ = var > 0 ? cov / var : 0;
    alpha_ = ms - beta_ * mu;
    std::vector<double> residual(n);
    for (size_t i = 0; i < n; ++i) residual[i] = scores[i] - alpha_ - beta_ * neutral[i];
    centre_ = median(residual);
    std::vector<double> deviation(n);
    for (size_t i = 0; i < n; ++i) deviation[i] = std::fabs(residual[i] - centre_);
    spread_ = 1.4826 * median(std::move(deviation));
    if (!(spread_ > 0)) return;
    threshold_ = chanceBar(std::max<int64_t>(libraryPhotos, int64_t(n)), margin);
}

double normalUpperQuantile(double p) {
    double lo = -10, hi = 40;  // P(Z >= z) = erfc(z / sqrt 2) / 2 falls as z grows
    for (int i = 0; i < 200; ++i) {
        const double mid = (lo + hi) / 2;
        (0.5 * std::erfc(mid / std::sqrt(2.0)) > p ? lo : hi) = mid;
    }
    return (lo + hi) / 2;
}

double GoodMatchCutoff::standing(float score, float neutral) const {
    if (!isValid()) return 0;
    return (score - alpha_ - beta_ * neutral - centre_) / spread_;
}

}  // namespace photosearch
