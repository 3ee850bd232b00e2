#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace photosearch {

// What is known of one label over a library (#18), as scores: each column holds one cosine per photo, in
// one fixed photo order. No model runs and no photo is embedded again: the columns come from the stored
// vectors.
struct LabelEvidence {
    std::vector<float> text;     // the label's prompt ("a photo of beach"), ALIGN's text embedding
    std::vector<float> neutral;  // the neutral prompt ("a photo")
    // The mean of the photos a person confirmed for the label (their unit vectors, averaged) and of those
    // they rejected; empty when there are none.
    std::vector<float> accepted, rejected;
    int acceptedCount = 0, rejectedCount = 0;
    int64_t libraryPhotos = 0;  // how many photos the label is judged over (at least the columns' size)
};

// How much the confirmed and the rejected photos' prototypes count beside the prompt (see LabelLearner).
struct LabelWeights {
    double accepted = 2.0;
    double rejected = 1.0;
};

// A label's classifier, learned from a person's corrections: a prototype adapter over the stored vectors.
// It starts as the good-match cut-off of the label's prompt (GoodMatchCutoff: the prompt's score less what
// the neutral prompt predicts, in robust deviations) and adds how near a photo is to the confirmed photos'
// mean, less how near it is to the rejected photos' mean, each in robust deviations of its own over the
// library. The sum is standardised again (median, 1.4826 MAD) and a photo is suggested where it stands out
// as far as the search's good matches must: where a normal background of the library's size would put one
// photo by chance, plus 0.5. So the threshold is recalibrated for every label and every correction.
class LabelLearner {
  public:
    // The prototypes' weights grow with the examples behind them: n / (n + 1) x its weight (measured
    // with `photosearch-cli bench --learning`, docs/tags.md).

    struct Result {
        std::vector<float> standing;  // per photo
        double threshold = 0;         // a photo whose standing reaches it gets the label as a suggestion
        bool valid = false;           // false when the columns carry no information (all alike)
    };
    static Result judge(const LabelEvidence& evidence, LabelWeights weights = {});
};

}  // namespace photosearch
