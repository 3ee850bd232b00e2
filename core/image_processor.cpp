#include "image_processor.h"

#include "align_error.h"
#include "image_decoder.h"
#include "json_fields.h"

#include <QDir>

#include <algorithm>
#include <cmath>

namespace photosearch {

namespace {

// Hugging Face's size dicts: {"height", "width"}, or {"shortest_edge"} for square models.
void readSize(const JsonFields& j, const char* key, int& height, int& width) {
    if (!j.has(key)) return;
    const JsonFields size = j.object(key);
    if (size.has("height") || size.has("width")) {
        height = size.integer("height", -1);
        width = size.integer("width", -1);
        if (height <= 0 || width <= 0) j.fail(key, QStringLiteral("needs positive height and width"));
    } else if (size.has("shortest_edge")) {
        height = width = size.integer("shortest_edge", -1);
        if (height <= 0) j.fail(key, QStringLiteral("shortest_edge must be positive"));
    } else {
        j.fail(key, QStringLiteral("expected {\"height\": H, \"width\": W}"));
    }
}

}  // namespace

ImageProcessorConfig ImageProcessorConfig::fromFile(const QString& path) {
    const JsonFields j = JsonFields::fromFile(path);
    ImageProcessorConfig c;
    c.doResize = j.boolean("do_resize", c.doResize);
    readSize(j, "size", c.resizeHeight, c.resizeWidth);
    if (j.has("resample")) {
        const int r = j.integer("resample", 0);
        try {
            c.resample = resampleFilterFromPil(r);
        } catch (const AlignError& e) {
            j.fail("resample", QString::fromStdString(e.what()));
        }
    }
    c.doCenterCrop = j.boolean("do_center_crop", c.doCenterCrop);
    readSize(j, "crop_size", c.cropHeight, c.cropWidth);
    c.doRescale = j.boolean("do_rescale", c.doRescale);
    c.rescaleFactor = j.number("rescale_factor", c.rescaleFactor);
    c.rescaleOffset = j.boolean("rescale_offset", c.rescaleOffset);
    c.doNormalize = j.boolean("do_normalize", c.doNormalize);
    c.imageMean = j.numbers("image_mean", c.imageMean);
    c.imageStd = j.numbers("image_std", c.imageStd);
    c.includeTop = j.boolean("include_top", c.includeTop);
    if (c.imageMean.size() == 1) c.imageMean.assign(3, c.imageMean[0]);
    if (c.imageStd.size() == 1) c.imageStd.assign(3, c.imageStd[0]);
    if (c.imageMean.size() != 3) j.fail("image_mean", QStringLiteral("expected 3 values (R, G, B)"));
    if (c.imageStd.size() != 3) j.fail("image_std", QStringLiteral("expected 3 values (R, G, B)"));
    for (double s : c.imageStd)
        if (s == 0 && (c.doNormalize || c.includeTop))
            j.fail("image_std", QStringLiteral("must not contain 0"));
    return c;
}

int ImageProcessorConfig::outputHeight() const { return doCenterCrop ? cropHeight : resizeHeight; }
int ImageProcessorConfig::outputWidth() const { return doCenterCrop ? cropWidth : resizeWidth; }

ImageProcessor::ImageProcessor(ImageProcessorConfig config) : config_(std::move(config)) {
    // The steps are affine per channel; fold them into one scale and offset, computed in double.
    for (int c = 0; c < 3; ++c) {
        double scale = 1.0, offset = 0.0;  // value = pixel * scale + offset
        if (config_.doRescale) {
            scale = config_.rescaleFactor;
            offset = config_.rescaleOffset ? -127.5 * config_.rescaleFactor : 0.0;
        }
        if (config_.doNormalize) {
            scale /= config_.imageStd[c];
            offset = (offset - config_.imageMean[c]) / config_.imageStd[c];
        }
        if (config_.includeTop) {
            scale /= config_.imageStd[c];
            offset /= config_.imageStd[c];
        }
        scale_[c] = static_cast<float>(scale);
        offset_[c] = static_cast<float>(offset);
    }
}

ImageProcessor ImageProcessor::fromFolder(const QString& modelFolder) {
    return ImageProcessor(ImageProcessorConfig::fromFile(
        QDir(modelFolder).filePath(QStringLiteral("preprocessor_config.json"))));
}

cv::Mat ImageProcessor::resizeAndCrop(const cv::Mat& rgb) const {
    if (rgb.type() != CV_8UC3) throw AlignError("the image processor expects an 8-bit RGB image");
    cv::Mat image = rgb;
    if (config_.doResize)
        image = pilResize(image, config_.resizeWidth, config_.resizeHeight, config_.resample);
    if (!config_.doCenterCrop) return image;

    // Hugging Face's center_crop: pad with zeros to at least the crop size (centered), then crop the
    // middle. (Hugging Face can then return one row short for odd differences; a model needs the
    // full crop, so the origin is clamped into the padded image instead.)
    const int h = image.rows, w = image.cols;
    const int ch = config_.cropHeight, cw = config_.cropWidth;
    int top = (h - ch) / 2, left = (w - cw) / 2;
    if (ch > h || cw > w) {
        const int nh = std::max(ch, h), nw = std::max(cw, w);
        const int padTop = (nh - h) / 2, padLeft = (nw - w) / 2;
        cv::Mat padded(nh, nw, image.type(), cv::Scalar::all(0));
        image.copyTo(padded(cv::Rect(padLeft, padTop, w, h)));
        image = padded;
        top = std::clamp(static_cast<int>(std::floor((h - ch) / 2.0)) + padTop, 0, nh - ch);
        left = std::clamp(static_cast<int>(std::floor((w - cw) / 2.0)) + padLeft, 0, nw - cw);
    }
    return image(cv::Rect(left, top, cw, ch)).clone();
}

PixelValues ImageProcessor::toPixelValues(const cv::Mat& resized) const {
    PixelValues p;
    p.channels = 3;
    p.height = resized.rows;
    p.width = resized.cols;
    p.data.resize(static_cast<size_t>(3) * p.height * p.width);
    const size_t plane = static_cast<size_t>(p.height) * p.width;
    for (int y = 0; y < p.height; ++y) {
        const uint8_t* row = resized.ptr<uint8_t>(y);
        for (int x = 0; x < p.width; ++x) {
            for (int c = 0; c < 3; ++c)
                p.data[c * plane + static_cast<size_t>(y) * p.width + x] =
                    row[x * 3 + c] * scale_[c] + offset_[c];
        }
    }
    return p;
}

cv::Size ImageProcessor::reducedDecodeSize() const {
    if (!config_.doResize) return {};
    return {static_cast<int>(config_.resizeWidth * kReducedDecodeMargin),
            static_cast<int>(config_.resizeHeight * kReducedDecodeMargin)};
}

PixelValues ImageProcessor::preprocessFile(const QString& path) const {
    const DecodedImage image = ImageDecoder::decodeFile(path);
    try {
        return preprocess(image.rgb);
    } catch (const AlignError& e) {
        throw AlignError(path.toStdString() + ": " + e.what());
    }
}

}  // namespace photosearch
