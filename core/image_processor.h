#pragma once

#include "pil_resample.h"

#include <QString>

#include <opencv2/core.hpp>

#include <vector>

namespace photosearch {

// preprocessor_config.json of an EfficientNetImageProcessor. Defaults are the Hugging Face class's.
struct ImageProcessorConfig {
    bool doResize = true;
    int resizeHeight = 346;
    int resizeWidth = 346;
    ResampleFilter resample = ResampleFilter::Nearest;
    bool doCenterCrop = false;
    int cropHeight = 289;
    int cropWidth = 289;
    bool doRescale = true;
    double rescaleFactor = 1.0 / 255.0;
    bool rescaleOffset = false;
    bool doNormalize = true;
    std::vector<double> imageMean{0.5, 0.5, 0.5};
    std::vector<double> imageStd{0.5, 0.5, 0.5};
    bool includeTop = true;

    static ImageProcessorConfig fromFile(const QString& path);
    int outputHeight() const;
    int outputWidth() const;
};

// Model input for one image: float32, channels first (3 x height x width), contiguous.
struct PixelValues {
    int channels = 0;
    int height = 0;
    int width = 0;
    std::vector<float> data;
};

// Hugging Face's EfficientNetImageProcessor: resize (Pillow's filters), center crop (zero padding when
// the crop is larger), rescale (with the (x - 127.5) * factor offset variant), normalize, and the
// include_top second division by the standard deviation.
class ImageProcessor {
  public:
    explicit ImageProcessor(ImageProcessorConfig config = {});
    static ImageProcessor fromFolder(const QString& modelFolder);

    // The uint8 RGB image after resize and crop, before rescaling.
    cv::Mat resizeAndCrop(const cv::Mat& rgb) const;
    PixelValues toPixelValues(const cv::Mat& resizedRgb) const;
    PixelValues preprocess(const cv::Mat& rgb) const { return toPixelValues(resizeAndCrop(rgb)); }
    // Decodes (EXIF orientation applied) and preprocesses a file; errors name the file.
    PixelValues preprocessFile(const QString& path) const;

    // How small a JPEG may be decoded (in the DCT domain, see ImageDecoder) before resizing without
    // moving the embedding: the resize size times kReducedDecodeMargin; {} when nothing is resized.
    // A margin of 1 moved one fixture photo's embedding by a third of its distance to the nearest other
    // photo; 2 by 0.13 of it (tst_image_inputs), at 1/4 instead of 1/8 scale for a 4032x3024 photo.
    cv::Size reducedDecodeSize() const;
    static constexpr double kReducedDecodeMargin = 2.0;

    const ImageProcessorConfig& config() const { return config_; }

  private:
    ImageProcessorConfig config_;
    float scale_[3];
    float offset_[3];
};

}  // namespace photosearch
