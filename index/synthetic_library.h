#pragma once

#include <cstdint>
#include <vector>

namespace photosearch {

// A library of unit vectors at the geometry of real image-text embeddings, with photos planted for one
// query, for measuring and testing the good-match cut-off (#17) where the truth is known. No model runs.
//
// Directions (random in 640 dimensions, so nearly orthogonal): an image mean, a text mean, 20 broad
// subjects and 25 topics in each (a topic is 0.6 its subject + 0.8 its own direction, so sibling topics sit
// at cosine 0.36). A photo is 0.6 image mean + h text mean + b its topic + the rest noise, normalised, with
// h drawn per photo around 0.3 (sd 0.1): how near the photo sits to every text. Photos of different topics
// then meet at cosine ~0.45, of one topic at ~0.7, as CLIP/ALIGN image embeddings do. A query is a text
// mean + its topic + noise, with weights drawn per query, so scores have no common scale across queries;
// the planted photos have a topic weight drawn so that they score 0.2-0.35 against it (the modality gap),
// the rest of the library ~0.1-0.15, sibling topics in between. The neutral prompt ("a photo") is a text
// mean + noise.
struct SyntheticLibrary {
    int dim = 640;
    std::vector<float> vectors;  // photos x dim, unit rows
    std::vector<char> planted;   // 1 for the photos planted for the query
    std::vector<float> query, neutral;

    SyntheticLibrary(int photos, double plantedFraction, uint64_t seed);
    int size() const { return static_cast<int>(planted.size()); }
    // Cosine of row `photo` with `v`.
    float score(int photo, const std::vector<float>& v) const;
};

}  // namespace photosearch
