// libFuzzer target: videos through FFmpeg (the mov, matroska and avi demuxers our whitelist admits, the
// decoders of the codecs we admit, our seeking, size checks, colour conversion and rotation), from two small
// clips (H.264 in MP4, MPEG-4 in AVI). FFmpeg is not built with coverage here: the fuzzer steers by our code,
// the sanitizers watch what FFmpeg does with it. A short time budget keeps each run bounded, as the indexer's
// budget does for a pathological file.
#include "fuzz_common.h"
#include "video_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    const QString path = fuzz::writeScratch(data, size, ".mp4");
    try {
        VideoSampling sampling;
        sampling.maxFrames = 3;
        sampling.budgetS = 2;
        VideoDecoder::decodeFrames(path, sampling, [](double t, const cv::Mat& rgb) {
            if (rgb.type() != CV_8UC3 || rgb.empty() || !(t >= -1e9)) std::abort();
        });
    } catch (const AlignError&) {
    }
    return 0;
}
