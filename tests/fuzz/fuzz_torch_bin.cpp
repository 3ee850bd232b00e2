// libFuzzer target: the pytorch_model.bin reader (zip directory, restricted unpickler, storages).
#include "fuzz_common.h"
#include "torch_zip_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    try {
        const auto checkpoint = TorchZipCheckpoint::open(fuzz::writeScratch(data, size, ".bin"));
        (void)checkpoint->tensors().size();
    } catch (const AlignError&) {
    }
    return 0;
}
