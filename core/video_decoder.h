#pragma once

#include <QString>

#include <opencv2/core.hpp>

#include <functional>
#include <vector>

namespace photosearch {

// What a video declares, read from its container without decoding a frame.
struct VideoInfo {
    int width = 0, height = 0;  // as shown: after the rotation
    double durationS = 0;       // 0 when the container does not say
    int rotation = 0;           // degrees clockwise applied to show it upright: 0, 90, 180 or 270
    QString container;          // "MP4/MOV", "Matroska/WebM", "AVI"
    QString codec;              // "h264", "hevc", ...
    QString dateTimeOriginal;   // "YYYY:MM:DD HH:MM:SS" local time, from the recording date, or empty
};

// How frames are sampled from a video for indexing: one every `intervalS` seconds, at the middle of each
// interval (1 s, 3 s, 5 s... for 2 s), at most `maxFrames` (a longer video is covered by evenly spaced
// frames), the first frame for a video shorter than one interval. `budgetS` bounds the wall-clock time of one
// file: a pathological or hostile file fails with a reason instead of holding the indexer.
struct VideoSampling {
    double intervalS = 2.0;
    int maxFrames = 24;
    double budgetS = 60.0;
};

// Videos (MP4, MOV, M4V, 3GP, MKV, WebM, AVI) through FFmpeg's libraries. Only those containers (FFmpeg's
// mov, matroska and avi demuxers) and camera/phone codecs are opened; a frame is converted to RGB by
// libswscale exactly as the ffmpeg command-line tool converts it when it writes a PNG (bicubic flags, the
// frame's own colour matrix and range), and turned upright by the stream's display matrix as the tool's
// autorotate does. Errors name the file and say why.
class VideoDecoder {
  public:
    static bool isVideoName(const QString& name);

    static VideoInfo probe(const QString& path, double budgetS = 10.0);

    // The times (seconds from the start) at which `sampling` takes frames of a video of `durationS`.
    static std::vector<double> sampleTimes(double durationS, const VideoSampling& sampling);

    // Decodes the frame shown at each of sampleTimes() (the first frame at or after it; the last frame when
    // the video ends before it), upright RGB, and hands each to `visit` with its actual time. Frames past the
    // end are left out; a video that yields none fails.
    static VideoInfo decodeFrames(const QString& path, const VideoSampling& sampling,
                                  const std::function<void(double timeS, const cv::Mat& rgb)>& visit);

    // One frame for showing it: at `timeS`, upright RGB.
    static cv::Mat frameAt(const QString& path, double timeS, double* actualTimeS = nullptr);
};

}  // namespace photosearch
