// LibraryIndexer's worker-thread step: a file to embed, decoded and preprocessed (a video: its sampled
// frames).
#include "library_indexer.h"
#include "xmp_sidecar.h"

#include "align_embedder.h"
#include "image_decoder.h"
#include "native_path.h"
#include "video_decoder.h"

#include <QElapsedTimer>

#include <cmath>

namespace photosearch {

namespace {

// A video's frames, sampled by VideoSampling's rule and preprocessed as they are decoded (never all of them
// at full size in memory).
void prepareVideo(const ImageProcessor& processor, LibraryIndexer::Prepared& p) {
    bool first = true;
    const VideoInfo info =
        VideoDecoder::decodeFrames(p.record.path, VideoSampling{}, [&](double timeS, const cv::Mat& rgb) {
            PixelValues pixels = processor.preprocess(rgb);
            if (first)
                p.pixels = std::move(pixels);
            else
                p.laterFrames.push_back(std::move(pixels));
            first = false;
            p.frameTimesMs.push_back(std::llround(timeS * 1000));
        });
    p.record.width = info.width;
    p.record.height = info.height;
    p.record.decodedFrom = QStringLiteral("video");
    if (const auto taken = parseExifDateTime(info.dateTimeOriginal)) p.record.takenAt = *taken;
}

}  // namespace

// One file to embed, decoded and preprocessed on a worker thread; a failure is kept in `p`, not thrown.
void LibraryIndexer::prepare(size_t index, Prepared& p, std::atomic<int64_t>& decodeNs,
                             std::atomic<int64_t>& preprocessNs) const {
    const AlignEmbedder& e = lib_.embedder();
    const Candidate& c = candidates_[index];
    p.index = index;
    p.record.path = c.file.path;
    p.record.folderId = c.file.folderId;
    p.record.size = c.file.size;
    p.record.mtimeMs = c.file.mtimeMs;
    p.record.contentHash = c.hash;
    p.record.takenAt = c.file.mtimeMs / 1000;
    try {
        QElapsedTimer t;
        t.start();
        p.keywords = XmpSidecar::readKeywords(c.file.path);
        if (VideoDecoder::isVideoName(c.file.path)) {
            prepareVideo(e.processor(), p);
            decodeNs += t.nsecsElapsed();
            return;
        }
        const DecodedImage image =
            ImageDecoder::decodeFile(c.file.path, true, e.processor().reducedDecodeSize());
        decodeNs += t.nsecsElapsed();
        t.restart();
        p.record.width = image.width;
        p.record.height = image.height;
        p.record.orientation = image.orientation;
        p.record.decodedFrom = image.decodedFrom;
        if (const auto taken = parseExifDateTime(image.dateTimeOriginal)) p.record.takenAt = *taken;
        p.pixels = e.processor().preprocess(image.rgb);
        preprocessNs += t.nsecsElapsed();
    } catch (const std::exception& ex) {
        p.error = QString::fromUtf8(ex.what());
        const QString shown = native_path::display(c.file.path) + QStringLiteral(": ");
        if (p.error.startsWith(shown)) p.error = p.error.mid(shown.size());
        p.vanished = !native_path::existsOrIsLink(c.file.path);
    }
}

}  // namespace photosearch
