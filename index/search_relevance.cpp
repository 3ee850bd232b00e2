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
