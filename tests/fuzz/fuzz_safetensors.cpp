// libFuzzer target: the safetensors header parser and tensor views (model.safetensors is downloaded).
#include "fuzz_common.h"
#include "safetensors_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    try {
        const auto file = SafetensorsFile::open(fuzz::writeScratch(data, size, ".safetensors"));
        for (const auto& [name, view] : file->tensors()) {
            if (view.numel() <= 4096) (void)file->floats(name);
        }
    } catch (const AlignError&) {
    }
    return 0;
}
