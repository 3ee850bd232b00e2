#pragma once

#include <opencv2/core.hpp>

#include <string>

namespace photosearch {

// Pillow's resampling filters, numbered as PIL.Image.Resampling numbers them.
enum class ResampleFilter { Nearest = 0, Lanczos = 1, Bilinear = 2, Bicubic = 3, Box = 4, Hamming = 5 };

// Throws AlignError for a number Pillow does not define.
ResampleFilter resampleFilterFromPil(int value);
std::string resampleFilterName(ResampleFilter filter);

// Image.resize((width, height), filter) as Pillow computes it for 8-bit images (any channel count):
// separable convolution with a support that widens by the downscale factor, 22-bit fixed-point
// coefficients, a horizontal pass rounded to 8 bits, then a vertical pass. Nearest follows Pillow's
// affine scaling. This is the resize the ALIGN checkpoint was converted and evaluated with; OpenCV's
// cv::resize differs by tens of levels on real photos.
cv::Mat pilResize(const cv::Mat& image, int width, int height, ResampleFilter filter);

}  // namespace photosearch
