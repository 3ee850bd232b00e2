#pragma once

#include "synthetic_library.h"
#include "tag_learning.h"

#include <cstdint>
#include <vector>

namespace photosearch {

// A person teaching one label on a synthetic library whose truth is known (#18), for `bench --learning`
// and the tests. The label's prompt is the library's query; its photos are the planted ones.
struct LabelTrialPoint {
    int confirmed = 0, rejected = 0;
    int suggested = 0;                 // photos nobody judged that the label is suggested for
    double precision = 1, recall = 0;  // over the photos nobody judged (an empty answer: precision 1)
};

enum class Reviewer {
    // Goes down the label's suggestions best first, confirming planted photos and rejecting the others,
    // learning after each: how a person corrects in the window's suggestions.
    Suggestions,
    // Confirms planted photos drawn at random and rejects nothing: a person tagging photos they know.
    Random,
};

// The label's precision and recall after each number of confirmations in `checkpoints` (ascending; 0: the
// prompt alone).
std::vector<LabelTrialPoint> runLabelTrial(const SyntheticLibrary& library,
                                           const std::vector<int>& checkpoints, Reviewer reviewer,
                                           LabelWeights weights, uint64_t seed);

}  // namespace photosearch
