// libFuzzer target: config.json and preprocessor_config.json parsing and validation.
#include "align_config.h"
#include "fuzz_common.h"
#include "image_processor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    const QString path = fuzz::writeScratch(data, size, ".json");
    try {
        const AlignConfig c = AlignConfig::fromFile(path);
        (void)c.vision.outputChannels();
    } catch (const AlignError&) {
    }
    try {
        const ImageProcessorConfig p = ImageProcessorConfig::fromFile(path);
        (void)p.outputWidth();
    } catch (const AlignError&) {
    }
    return 0;
}
