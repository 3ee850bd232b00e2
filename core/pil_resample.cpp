#include "pil_resample.h"

#include "align_error.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace photosearch {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double boxFilter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double bilinearFilter(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

double hammingFilter(double x) {
    x = std::fabs(x);
    if (x == 0.0) return 1.0;
    if (x >= 1.0) return 0.0;
    x *= M_PI;
    // Pillow mixes float constants into this double expression; keep them float to match its rounding.
    return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));
}

double bicubicFilter(double x) {
    constexpr double a = -0.5;
    x = std::fabs(x);
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

double sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= M_PI;
    return std::sin(x) / x;
}

double lanczosFilter(double x) { return (x >= -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0; }

struct Filter {
    double (*fn)(double);
    double support;
};

Filter filterFor(ResampleFilter f) {
    switch (f) {
        case ResampleFilter::Box:
            return {boxFilter, 0.5};
        case ResampleFilter::Bilinear:
            return {bilinearFilter, 1.0};
        case ResampleFilter::Hamming:
            return {hammingFilter, 1.0};
        case ResampleFilter::Bicubic:
            return {bicubicFilter, 2.0};
        case ResampleFilter::Lanczos:
            return {lanczosFilter, 3.0};
        case ResampleFilter::Nearest:
            break;
    }
    throw AlignError("nearest resampling has no convolution filter");
}

// For each output pixel: the first input pixel, how many it reads, and their fixed-point weights.
struct Coefficients {
    int kernelSize = 0;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<int32_t> weights;  // outSize x kernelSize
};

Coefficients computeCoefficients(int inSize, int outSize, const Filter& filter) {
    const double scale = static_cast<double>(inSize) / outSize;
    const double filterScale = std::max(scale, 1.0);
    const double support = filter.support * filterScale;
    Coefficients c;
    c.kernelSize = static_cast<int>(std::ceil(support)) * 2 + 1;
    c.first.resize(outSize);
    c.count.resize(outSize);
    c.weights.assign(static_cast<size_t>(outSize) * c.kernelSize, 0);
    std::vector<double> w(c.kernelSize);
    for (int xx = 0; xx < outSize; ++xx) {
        const double center = (xx + 0.5) * scale;
        const double ss = 1.0 / filterScale;
        // Pillow truncates toward zero here, not floor.
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > inSize) xmax = inSize;
        xmax -= xmin;
        double total = 0.0;
        for (int x = 0; x < xmax; ++x) {
            w[x] = filter.fn((x + xmin - center + 0.5) * ss);
            total += w[x];
        }
        for (int x = 0; x < xmax; ++x) {
            const double normalized = total != 0.0 ? w[x] / total : w[x];
            const double fixed = normalized * (1 << kPrecisionBits);
            c.weights[static_cast<size_t>(xx) * c.kernelSize + x] =
                static_cast<int32_t>(normalized < 0 ? -0.5 + fixed : 0.5 + fixed);
        }
        c.first[xx] = xmin;
        c.count[xx] = xmax;
    }
    return c;
}

inline uint8_t clip8(int32_t v) {
    const int32_t shifted = v >> kPrecisionBits;  // arithmetic shift: floor, as Pillow's lookup table
    return static_cast<uint8_t>(std::clamp(shifted, 0, 255));
}

// Horizontal pass over rows [rowBegin, rowBegin + out.rows) of `in`.
void resampleHorizontal(const cv::Mat& in, cv::Mat& out, int rowBegin, const Coefficients& c) {
    const int channels = in.channels();
    for (int y = 0; y < out.rows; ++y) {
        const uint8_t* src = in.ptr<uint8_t>(y + rowBegin);
        uint8_t* dst = out.ptr<uint8_t>(y);
        for (int xx = 0; xx < out.cols; ++xx) {
            const int32_t* k = &c.weights[static_cast<size_t>(xx) * c.kernelSize];
            const uint8_t* p = src + static_cast<size_t>(c.first[xx]) * channels;
            for (int ch = 0; ch < channels; ++ch) {
                int32_t sum = 1 << (kPrecisionBits - 1);
                for (int x = 0; x < c.count[xx]; ++x) sum += p[x * channels + ch] * k[x];
                dst[xx * channels + ch] = clip8(sum);
            }
        }
    }
}

void resampleVertical(const cv::Mat& in, cv::Mat& out, const Coefficients& c, int rowOffset) {
    const int rowElems = in.cols * in.channels();
    std::vector<int32_t> sums(static_cast<size_t>(rowElems));
    for (int yy = 0; yy < out.rows; ++yy) {
        std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
        const int32_t* k = &c.weights[static_cast<size_t>(yy) * c.kernelSize];
        for (int y = 0; y < c.count[yy]; ++y) {
            const uint8_t* src = in.ptr<uint8_t>(c.first[yy] - rowOffset + y);
            const int32_t w = k[y];
            for (int i = 0; i < rowElems; ++i) sums[i] += src[i] * w;
        }
        uint8_t* dst = out.ptr<uint8_t>(yy);
        for (int i = 0; i < rowElems; ++i) dst[i] = clip8(sums[i]);
    }
}

cv::Mat nearestResize(const cv::Mat& in, int width, int height) {
    const int channels = in.channels();
    const double ax = static_cast<double>(in.cols) / width;
    const double ay = static_cast<double>(in.rows) / height;
    std::vector<int> xs(width, -1);
    double xo = ax * 0.5;  // Pillow accumulates the position rather than multiplying; so do we
    for (int x = 0; x < width; ++x) {
        const int xin = xo < 0.0 ? -1 : static_cast<int>(xo);
        if (xin >= 0 && xin < in.cols) xs[x] = xin;
        xo += ax;
    }
    cv::Mat out(height, width, in.type(), cv::Scalar::all(0));
    double yo = ay * 0.5;
    for (int y = 0; y < height; ++y) {
        const int yin = yo < 0.0 ? -1 : static_cast<int>(yo);
        yo += ay;
        if (yin < 0 || yin >= in.rows) continue;
        const uint8_t* src = in.ptr<uint8_t>(yin);
        uint8_t* dst = out.ptr<uint8_t>(y);
        for (int x = 0; x < width; ++x) {
            if (xs[x] < 0) continue;
            std::copy_n(src + static_cast<size_t>(xs[x]) * channels, channels,
                        dst + static_cast<size_t>(x) * channels);
        }
    }
    return out;
}

}  // namespace

ResampleFilter resampleFilterFromPil(int value) {
    if (value < 0 || value > 5)
        throw AlignError(
            "resample " + std::to_string(value) +
            " is not a Pillow filter (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)");
    return static_cast<ResampleFilter>(value);
}

std::string resampleFilterName(ResampleFilter filter) {
    switch (filter) {
        case ResampleFilter::Nearest:
            return "nearest";
        case ResampleFilter::Lanczos:
            return "lanczos";
        case ResampleFilter::Bilinear:
            return "bilinear";
        case ResampleFilter::Bicubic:
            return "bicubic";
        case ResampleFilter::Box:
            return "box";
        case ResampleFilter::Hamming:
            return "hamming";
    }
    return "unknown";
}

cv::Mat pilResize(const cv::Mat& image, int width, int height, ResampleFilter filter) {
    if (image.depth() != CV_8U) throw AlignError("resize expects an 8-bit image");
    if (image.empty() || width <= 0 || height <= 0)
        throw AlignError("resize to " + std::to_string(width) + "x" + std::to_string(height) + " of a " +
                         std::to_string(image.cols) + "x" + std::to_string(image.rows) + " image");
    if (image.cols == width && image.rows == height) return image.clone();
    if (filter == ResampleFilter::Nearest) return nearestResize(image, width, height);

    const Filter f = filterFor(filter);
    const bool horizontal = width != image.cols;
    const bool vertical = height != image.rows;
    const Coefficients cx = computeCoefficients(image.cols, width, f);
    const Coefficients cy = computeCoefficients(image.rows, height, f);

    // Only the rows the vertical pass reads go through the horizontal pass, as in Pillow.
    const int firstRow = cy.first.front();
    const int lastRow = cy.first.back() + cy.count.back();

    cv::Mat temp;
    int rowOffset = 0;
    if (horizontal) {
        temp.create(vertical ? lastRow - firstRow : image.rows, width, image.type());
        const int begin = vertical ? firstRow : 0;
        resampleHorizontal(image, temp, begin, cx);
        rowOffset = begin;
    } else {
        temp = image;
    }
    if (!vertical) return temp;
    cv::Mat out(height, width, image.type());
    resampleVertical(temp, out, cy, rowOffset);
    return out;
}

}  // namespace photosearch
