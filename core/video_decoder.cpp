#include "video_decoder.h"

#include "align_error.h"
#include "image_decoder.h"
#include "image_header.h"
#include "native_path.h"

#include <QDateTime>
#include <QSet>

#include <opencv2/core.hpp>

#include <chrono>
#include <cmath>
#include <mutex>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

namespace photosearch {

namespace {

using Clock = std::chrono::steady_clock;

// A video declaring more than a day is not something a person recorded with a phone or camera.
constexpr double kMaxDurationS = 24 * 3600.0;
// Packets a decoder may reject (damaged) before the file counts as broken.
constexpr int kMaxBadPackets = 64;

const char* const kContainers = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi";

bool isAllowedCodec(AVCodecID id) {
    switch (id) {
        case AV_CODEC_ID_H264:
        case AV_CODEC_ID_HEVC:
        case AV_CODEC_ID_AV1:
        case AV_CODEC_ID_VP8:
        case AV_CODEC_ID_VP9:
        case AV_CODEC_ID_MPEG4:
        case AV_CODEC_ID_H263:
        case AV_CODEC_ID_MPEG1VIDEO:
        case AV_CODEC_ID_MPEG2VIDEO:
        case AV_CODEC_ID_MJPEG:
        case AV_CODEC_ID_PRORES:
        case AV_CODEC_ID_DVVIDEO:
            return true;
        default:
            return false;
    }
}

std::string avError(int code) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(code, text, sizeof(text));
    return text;
}

int interrupted(void* opaque) { return Clock::now() > *static_cast<Clock::time_point*>(opaque) ? 1 : 0; }

QString localExifTime(const QString& iso) {
    QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!t.isValid()) t = QDateTime::fromString(iso, Qt::ISODate);
    // Containers write 1904-01-01 or 1970-01-01 when the camera did not know the date.
    if (!t.isValid() || t.date().year() < 1971) return {};
    return t.toLocalTime().toString(QStringLiteral("yyyy:MM:dd HH:mm:ss"));
}

QString tag(AVDictionary* metadata, const char* key) {
    const AVDictionaryEntry* e = av_dict_get(metadata, key, nullptr, 0);
    return e ? QString::fromUtf8(e->value) : QString();
}

// The rotation the ffmpeg tool's autorotate applies: the display matrix's angle, clockwise, to 90 degrees.
int rotationOf(const AVStream* stream) {
    const uint8_t* matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
    if (!matrix) return 0;
    const double angle = -av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
    if (!std::isfinite(angle)) return 0;
    int theta = static_cast<int>(std::lround(angle)) % 360;
    if (theta < 0) theta += 360;
    for (int right : {0, 90, 180, 270, 360})
        if (std::abs(theta - right) <= 1) return right % 360;
    return 0;
}

class Video {
  public:
    Video(const QString& path, double budgetS)
        : path_(path),
          deadline_(Clock::now() + std::chrono::microseconds(static_cast<int64_t>(budgetS * 1e6))) {}

    // Separate from the constructor so that the destructor frees what was opened when it throws.
    void open() {
        static std::once_flag quiet;
        std::call_once(quiet, [] { av_log_set_level(AV_LOG_FATAL); });  // errors are ours to report
        fmt_ = avformat_alloc_context();
        if (!fmt_) fail("out of memory");
        fmt_->interrupt_callback.callback = interrupted;
        fmt_->interrupt_callback.opaque = &deadline_;
        AVDictionary* options = nullptr;
        av_dict_set(&options, "format_whitelist", kContainers, 0);
        av_dict_set(&options, "protocol_whitelist", "file", 0);
        const QByteArray url = "file:" + native_path::encode(path_);
        int r = avformat_open_input(&fmt_, url.constData(), nullptr, &options);
        av_dict_free(&options);
        if (r < 0) {
            fmt_ = nullptr;  // freed by avformat_open_input
            failOr(r, "not a video FFmpeg can read as MP4/MOV, Matroska/WebM or AVI (" + avError(r) + ")");
        }
        stream_ = av_find_best_stream(fmt_, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
        if (stream_ < 0) fail("holds no video stream");
        AVStream* st = fmt_->streams[stream_];
        if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) fail("holds only a cover picture, no video");
        refuseBomb(st->codecpar->width, st->codecpar->height);
        if ((r = avformat_find_stream_info(fmt_, nullptr)) < 0)
            failOr(r, "cannot read its streams (" + avError(r) + ")");
        const AVCodecParameters* par = st->codecpar;
        refuseBomb(par->width, par->height);
        if (!isAllowedCodec(par->codec_id))
            fail(std::string("its video codec (") + avcodec_get_name(par->codec_id) +
                 ") is not one PhotoSearch reads (H.264, HEVC, AV1, VP8/9, MPEG-4, MPEG-1/2, Motion JPEG, "
                 "ProRes, DV)");
        const AVCodec* decoder = avcodec_find_decoder(par->codec_id);
        if (!decoder)
            fail(std::string("no decoder for ") + avcodec_get_name(par->codec_id) + " is installed");
        codec_ = avcodec_alloc_context3(decoder);
        if (!codec_ || avcodec_parameters_to_context(codec_, par) < 0) fail("out of memory");
        codec_->thread_count = 1;  // the indexer decodes several files at once
        av_opt_set_int(codec_, "max_pixels", kMaxImagePixels, 0);
        if ((r = avcodec_open2(codec_, decoder, nullptr)) < 0)
            failOr(r, "cannot open its " + std::string(decoder->name) + " decoder (" + avError(r) + ")");
        packet_ = av_packet_alloc();
        frame_ = av_frame_alloc();
        last_ = av_frame_alloc();
        if (!packet_ || !frame_ || !last_) fail("out of memory");

        timeBase_ = st->time_base;
        start_ = fmt_->start_time != AV_NOPTS_VALUE ? static_cast<double>(fmt_->start_time) / AV_TIME_BASE
                 : st->start_time != AV_NOPTS_VALUE ? static_cast<double>(st->start_time) * av_q2d(timeBase_)
                                                    : 0.0;
        info_.rotation = rotationOf(st);
        const bool sideways = info_.rotation == 90 || info_.rotation == 270;
        info_.width = sideways ? par->height : par->width;
        info_.height = sideways ? par->width : par->height;
        if (fmt_->duration != AV_NOPTS_VALUE && fmt_->duration > 0)
            info_.durationS = static_cast<double>(fmt_->duration) / AV_TIME_BASE;
        else if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
            info_.durationS = static_cast<double>(st->duration) * av_q2d(timeBase_);
        if (info_.durationS > kMaxDurationS)
            fail("declares a duration of " + std::to_string(std::lround(info_.durationS / 3600)) +
                 " hours; refused as a likely broken or hostile file");
        const QString name = QString::fromLatin1(fmt_->iformat->name);
        info_.container = name.startsWith(QLatin1String("mov"))        ? QStringLiteral("MP4/MOV")
                          : name.startsWith(QLatin1String("matroska")) ? QStringLiteral("Matroska/WebM")
                                                                       : QStringLiteral("AVI");
        info_.codec = QString::fromLatin1(avcodec_get_name(par->codec_id));
        QString when = tag(fmt_->metadata, "com.apple.quicktime.creationdate");  // local time with offset
        if (when.isEmpty()) when = tag(fmt_->metadata, "creation_time");         // UTC
        if (when.isEmpty()) when = tag(st->metadata, "creation_time");
        info_.dateTimeOriginal = localExifTime(when);
    }

    ~Video() {
        sws_freeContext(sws_);
        av_frame_free(&last_);
        av_frame_free(&frame_);
        av_packet_free(&packet_);
        avcodec_free_context(&codec_);
        avformat_close_input(&fmt_);
    }
    Video(const Video&) = delete;
    Video& operator=(const Video&) = delete;

    const VideoInfo& info() const { return info_; }

    // The first frame at or after `timeS` (the ffmpeg tool's accurate -ss), else the video's last frame.
    // False when the video has no frame at all from there.
    bool frameAt(double timeS, cv::Mat& rgb, double& actual) {
        const int64_t target = static_cast<int64_t>(std::llround((timeS + start_) * AV_TIME_BASE));
        int r = avformat_seek_file(fmt_, -1, INT64_MIN, target, target, 0);
        if (r < 0 && timeS > 0)
            failOr(r, "cannot seek to " + std::to_string(timeS) + " s (" + avError(r) + ")");
        if (r < 0) av_seek_frame(fmt_, stream_, INT64_MIN, AVSEEK_FLAG_BACKWARD);  // from the start
        avcodec_flush_buffers(codec_);
        draining_ = false;
        av_frame_unref(last_);
        // Half a tick of slack: a time computed from a frame's own timestamp finds that frame.
        const double slack = 0.5 * av_q2d(timeBase_);
        while (nextFrame()) {
            const double t = timeOf(frame_);
            if (t + slack >= timeS) {
                rgb = toRgb(frame_);
                actual = t;
                return true;
            }
            av_frame_unref(last_);
            av_frame_move_ref(last_, frame_);
        }
        if (!last_->data[0]) return false;
        rgb = toRgb(last_);
        actual = timeOf(last_);
        return true;
    }

  private:
    [[noreturn]] void fail(const std::string& why) const {
        throw AlignError(native_path::display(path_).toStdString() + ": " + why);
    }
    [[noreturn]] void failOr(int code, const std::string& why) const {
        if (code == AVERROR_EXIT || Clock::now() > deadline_) budgetSpent();
        fail(why);
    }
    [[noreturn]] void budgetSpent() const {
        fail("decoding took longer than this file's time budget; the video may be damaged or hostile");
    }
    void refuseBomb(int width, int height) const {
        if (int64_t(width) * height > kMaxImagePixels)
            fail("declares frames of " + std::to_string(width) + " x " + std::to_string(height) +
                 " pixels, more than the " + std::to_string(kMaxImagePixels) +
                 " allowed; refused as a likely decompression bomb");
    }

    double timeOf(const AVFrame* f) const {
        int64_t pts = f->best_effort_timestamp;
        if (pts == AV_NOPTS_VALUE) pts = f->pts;
        return pts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(pts) * av_q2d(timeBase_) - start_;
    }

    bool nextFrame() {
        for (;;) {
            if (Clock::now() > deadline_) budgetSpent();
            int r = avcodec_receive_frame(codec_, frame_);
            if (r == 0) {
                refuseBomb(frame_->width, frame_->height);
                return true;
            }
            if (r == AVERROR_EOF) return false;
            if (r != AVERROR(EAGAIN)) fail("cannot decode a frame (" + avError(r) + ")");
            if (draining_) return false;
            r = av_read_frame(fmt_, packet_);
            if (r < 0) {
                if (r == AVERROR_EXIT) budgetSpent();
                // The end, or the rest is unreadable: what the decoder holds still comes out.
                avcodec_send_packet(codec_, nullptr);
                draining_ = true;
                continue;
            }
            if (packet_->stream_index == stream_) {
                r = avcodec_send_packet(codec_, packet_);
                // A damaged packet is skipped, as players do; a file of nothing else is broken.
                if (r < 0 && r != AVERROR(EAGAIN) && ++badPackets_ > kMaxBadPackets)
                    fail("too many damaged frames (" + avError(r) + ")");
            }
            av_packet_unref(packet_);
        }
    }

    cv::Mat toRgb(const AVFrame* f) {
        if (f->width <= 0 || f->height <= 0) fail("a frame has no size");
        sws_ =
            sws_getCachedContext(sws_, f->width, f->height, static_cast<AVPixelFormat>(f->format), f->width,
                                 f->height, AV_PIX_FMT_RGB24, SWS_BICUBIC, nullptr, nullptr, nullptr);
        if (!sws_) fail("cannot convert its frames to RGB");
        // As the ffmpeg tool's scale filter does: the frame's own colour matrix and range.
        int *inverse = nullptr, *table = nullptr, srcFull = 0, dstFull = 0, brightness = 0, contrast = 0,
            saturation = 0;
        sws_getColorspaceDetails(sws_, &inverse, &srcFull, &table, &dstFull, &brightness, &contrast,
                                 &saturation);
        sws_setColorspaceDetails(sws_, sws_getCoefficients(f->colorspace), f->color_range == AVCOL_RANGE_JPEG,
                                 table, dstFull, brightness, contrast, saturation);
        cv::Mat rgb(f->height, f->width, CV_8UC3);
        uint8_t* planes[4] = {rgb.data, nullptr, nullptr, nullptr};
        int strides[4] = {static_cast<int>(rgb.step), 0, 0, 0};
        if (sws_scale(sws_, f->data, f->linesize, 0, f->height, planes, strides) != f->height)
            fail("cannot convert a frame to RGB");
        // The display matrix's turn is an EXIF orientation's: 90 clockwise is 6, 180 is 3, 270 is 8.
        const int orientation = info_.rotation == 90    ? 6
                                : info_.rotation == 180 ? 3
                                : info_.rotation == 270 ? 8
                                                        : 1;
        if (orientation != 1) rgb = ImageDecoder::applyExifOrientation(rgb, orientation);
        return rgb;
    }

    QString path_;
    Clock::time_point deadline_;
    AVFormatContext* fmt_ = nullptr;
    AVCodecContext* codec_ = nullptr;
    AVPacket* packet_ = nullptr;
    AVFrame *frame_ = nullptr, *last_ = nullptr;
    SwsContext* sws_ = nullptr;
    int stream_ = -1;
    AVRational timeBase_{1, 1};
    double start_ = 0;
    bool draining_ = false;
    int badPackets_ = 0;
    VideoInfo info_;
};

}  // namespace

bool VideoDecoder::isVideoName(const QString& name) {
    static const QSet<QString> suffixes{QStringLiteral("mp4"), QStringLiteral("mov"),  QStringLiteral("m4v"),
                                        QStringLiteral("mkv"), QStringLiteral("webm"), QStringLiteral("avi"),
                                        QStringLiteral("3gp")};
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    return dot > 0 && suffixes.contains(name.mid(dot + 1).toLower());
}

VideoInfo VideoDecoder::probe(const QString& path, double budgetS) {
    Video video(path, budgetS);
    video.open();
    return video.info();
}

std::vector<double> VideoDecoder::sampleTimes(double durationS, const VideoSampling& s) {
    if (!(durationS > s.intervalS) || s.maxFrames <= 1) return {0.0};
    const int whole = static_cast<int>(durationS / s.intervalS);  // whole intervals in the video
    const int count = std::min(s.maxFrames, whole);
    const double step = whole > count ? durationS / count : s.intervalS;
    std::vector<double> times;
    for (int i = 0; i < count; ++i) times.push_back(step * (i + 0.5));
    return times;
}

VideoInfo VideoDecoder::decodeFrames(const QString& path, const VideoSampling& sampling,
                                     const std::function<void(double, const cv::Mat&)>& visit) {
    Video video(path, sampling.budgetS);
    video.open();
    double previous = -1;
    int frames = 0;
    for (double t : sampleTimes(video.info().durationS, sampling)) {
        cv::Mat rgb;
        double actual = 0;
        if (!video.frameAt(t, rgb, actual)) break;
        if (frames > 0 && actual <= previous) continue;  // past the end: the last frame again
        visit(actual, rgb);
        previous = actual;
        ++frames;
    }
    if (frames == 0)
        throw AlignError(native_path::display(path).toStdString() + ": no frame could be decoded");
    return video.info();
}

cv::Mat VideoDecoder::frameAt(const QString& path, double timeS, double* actualTimeS) {
    Video video(path, 30.0);
    video.open();
    cv::Mat rgb;
    double actual = 0;
    if (!video.frameAt(std::max(0.0, timeS), rgb, actual))
        throw AlignError(native_path::display(path).toStdString() + ": no frame could be decoded");
    if (actualTimeS) *actualTimeS = actual;
    return rgb;
}

}  // namespace photosearch
