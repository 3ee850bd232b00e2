#pragma once

#include <cstddef>
#include <cstdint>
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
    // Standard deviations above the average.
    double standardised(float score) const;

  private:
    size_t count_ = 0, good_ = 0;
    double mean_ = 0, deviation_ = 0, best_ = 0;
};

}  // namespace photosearch

namespace photosearch {

// The good-match cut-off of one query (#17). A cosine has no fixed scale across queries, and part of every
// photo's score is the photo's own: some photos sit nearer to every text (hubs) than others. A neutral
// prompt ("a photo") scores only that part. So over the library (or a sample of it) the query's scores are
// regressed on the neutral prompt's, and a photo is judged by its residual: how many robust standard
// deviations (1.4826 x the median absolute deviation, so a tail of relevant photos does not widen it) it
// stands above what its neutral score predicts. A good match stands kGood or more above.
class GoodMatchCutoff {
  public:
    // Added to the chance bar below for the heavier tail of real embeddings (photos of near subjects).
    static constexpr double kMargin = 0.5;
    static constexpr double kFloor = 3.0;

    GoodMatchCutoff() = default;
    // The query's and the neutral prompt's cosine for the same photos (index i is one photo): the library,
    // or a sample of it; `libraryPhotos` is how many photos the query ranks (the library's size).
    GoodMatchCutoff(const std::vector<float>& scores, const std::vector<float>& neutral,
                    int64_t libraryPhotos, double margin = kMargin);

    bool isValid() const { return spread_ > 0; }
    double standing(float score, float neutral) const;
    // The standing from which a photo is a good match: where a normal background of the library's size
    // would put about one photo by chance, plus the margin, and at least kFloor. 4.2 for 10,000 photos,
    // 4.8 for 100,000, 5.3 for 1,000,000.
    double threshold() const { return threshold_; }
    // That bar for a library of `libraryPhotos` (labels that learn use it too, tag_learning.h).
    static double chanceBar(int64_t libraryPhotos, double margin = kMargin);
    bool isGood(float score, float neutral) const {
        return isValid() && standing(score, neutral) >= threshold_;
    }

  private:
    double alpha_ = 0, beta_ = 0, centre_ = 0, spread_ = 0, threshold_ = 0;
};

// The median (of an even count, the mean of the two middle values); 0 for none.
double median(std::vector<double> values);
// z with P(Z >= z) = p for a standard normal Z (0 < p < 1).
double normalUpperQuantile(double p);

}  // namespace photosearch
