#pragma once

#include <cstddef>
#include <vector>

namespace photosearch {

// What a cosine score means for one query, in terms a person can read. A raw cosine has no fixed scale:
// ALIGN gives a good text match 0.3 and an unrelated photo 0.15, while two shots of one scene reach 0.9.
// So a photo is judged against the rest of the photos the query was scored on: how many standard
// deviations its score stands above their average. A photo two or more above stands out from the crowd (a
// good match); one to two, a possible match; the rest are merely the closest there is. The bar shown with a
// photo runs from the average (empty) to the best score of the query (full).
class RelevanceScale {
  public:
    enum class Level { Weak, Possible, Good };
    static constexpr double kGood = 2.0, kPossible = 1.0;  // standard deviations above the average

    RelevanceScale() = default;
    // The scores of every photo the query was scored on (any order).
    explicit RelevanceScale(const std::vector<float>& scores);

    Level level(float score) const;
    // 0 at or below the average, 1 at the best score.
    double bar(float score) const;
    // How many of the scores given are good matches.
    size_t goodCount() const { return good_; }
    bool isEmpty() const { return count_ == 0; }

  private:
    double standardised(float score) const;
    size_t count_ = 0, good_ = 0;
    double mean_ = 0, deviation_ = 0, best_ = 0;
};

}  // namespace photosearch
