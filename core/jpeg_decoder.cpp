#include "jpeg_decoder.h"

#include "align_error.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>

#include <jerror.h>
#include <jpeglib.h>

namespace photosearch {

namespace {

struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

void onError(j_common_ptr cinfo) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    cinfo->err->format_message(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

// Warnings are ignored, as Pillow ignores them (extraneous bytes before a marker are common in camera
// files and harmless), except running out of data: that is a truncated file, and an error.
void onMessage(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
        std::snprintf(err->message, sizeof err->message,
                      "the file is truncated (premature end of JPEG data)");
        std::longjmp(err->jump, 1);
    }
}

// Pillow's MULDIV255: a * b / 255, rounded.
inline int mulDiv255(int a, int b) {
    const int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

struct Job {
    const QByteArray* bytes = nullptr;
    cv::Size minSize;
    bool headerOnly = false;
    cv::Size stored;  // out
    cv::Mat* out = nullptr;
    cv::Mat* cmyk = nullptr;
};

// Only trivially destructible locals here: libjpeg reports errors by longjmp back into this frame.
bool run(jpeg_decompress_struct* cinfo, ErrorManager* err, Job* job) {
    if (setjmp(err->jump)) return false;
    jpeg_mem_src(cinfo, reinterpret_cast<const unsigned char*>(job->bytes->constData()),
                 static_cast<unsigned long>(job->bytes->size()));
    jpeg_read_header(cinfo, TRUE);
    job->stored = cv::Size(static_cast<int>(cinfo->image_width), static_cast<int>(cinfo->image_height));
    if (job->headerOnly) return true;

    const bool cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
    cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo->dct_method = JDCT_ISLOW;  // libjpeg's default, and Pillow's
    cinfo->do_fancy_upsampling = TRUE;
    if (job->minSize.width > 0 && job->minSize.height > 0) {
        for (unsigned denom : {8u, 4u, 2u}) {
            const unsigned w = (cinfo->image_width + denom - 1) / denom,
                           h = (cinfo->image_height + denom - 1) / denom;
            if (w >= static_cast<unsigned>(job->minSize.width) &&
                h >= static_cast<unsigned>(job->minSize.height)) {
                cinfo->scale_num = 1;
                cinfo->scale_denom = denom;
                break;
            }
        }
    }
    jpeg_start_decompress(cinfo);
    const int width = static_cast<int>(cinfo->output_width), height = static_cast<int>(cinfo->output_height);
    cv::Mat* target = cmyk ? job->cmyk : job->out;
    target->create(height, width, cmyk ? CV_8UC4 : CV_8UC3);
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = target->ptr<unsigned char>(static_cast<int>(cinfo->output_scanline));
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_decompress(cinfo);
    return true;
}

cv::Size runJob(Job& job, const QString& name) {
    jpeg_decompress_struct cinfo{};
    ErrorManager err{};
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = onError;
    err.pub.emit_message = onMessage;
    jpeg_create_decompress(&cinfo);
    const bool ok = run(&cinfo, &err, &job);
    jpeg_destroy_decompress(&cinfo);
    if (!ok)
        throw AlignError(
            (name + QStringLiteral(": cannot decode the JPEG: ") + QString::fromLocal8Bit(err.message))
                .toStdString());
    return job.stored;
}

}  // namespace

bool JpegDecoder::isJpeg(const QByteArray& bytes) {
    return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
           static_cast<unsigned char>(bytes[1]) == 0xD8 && static_cast<unsigned char>(bytes[2]) == 0xFF;
}

cv::Size JpegDecoder::size(const QByteArray& bytes, const QString& name) {
    Job job;
    job.bytes = &bytes;
    job.headerOnly = true;
    return runJob(job, name);
}

cv::Mat JpegDecoder::decodeRgb(const QByteArray& bytes, const QString& name, cv::Size minSize) {
    cv::Mat rgb, cmyk;
    Job job;
    job.bytes = &bytes;
    job.minSize = minSize;
    job.out = &rgb;
    job.cmyk = &cmyk;
    runJob(job, name);
    if (cmyk.empty()) return rgb;
    // Pillow reads JPEG CMYK as Adobe's inverted "CMYK;I", then converts: channel = (255-K) - C*(255-K)/255.
    rgb.create(cmyk.rows, cmyk.cols, CV_8UC3);
    for (int y = 0; y < cmyk.rows; ++y) {
        const unsigned char* in = cmyk.ptr<unsigned char>(y);
        unsigned char* o = rgb.ptr<unsigned char>(y);
        for (int x = 0; x < cmyk.cols; ++x, in += 4, o += 3) {
            const int nk = in[3];  // 255 - K, with K = 255 - stored
            for (int c = 0; c < 3; ++c)
                o[c] = static_cast<unsigned char>(std::clamp(nk - mulDiv255(255 - in[c], nk), 0, 255));
        }
    }
    return rgb;
}

}  // namespace photosearch
