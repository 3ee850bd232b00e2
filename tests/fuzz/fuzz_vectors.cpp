// libFuzzer target: the approximate search index's file (CompressedVectors), as a damaged or forged vector
// cache would reach it, then searched, read back, added to and removed from.
#include "compressed_vectors.h"
#include "fuzz_common.h"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    const QString path = fuzz::writeScratch(data, size, ".vectors");
    constexpr int kDim = 8;
    try {
        const auto index = CompressedVectors::readFrom(path, kDim);
        const std::vector<float> query{0.5f, -0.5f, 0.25f, 0, 0, 0.25f, -0.25f, 0.5f};
        const auto best = index->best(query.data(), 5, 2);
        std::vector<float> back;
        for (const auto& candidate : best) (void)index->decode(candidate.id, back);
        index->add({1, 2}, std::vector<float>(2 * kDim, 0.1f).data());
        index->remove({2, 7});
        (void)index->best(query.data(), index->size(), 1);
    } catch (const AlignError&) {
    }
    return 0;
}
