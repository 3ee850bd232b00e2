#include "image_decoder.h"

#include "align_error.h"
#include "exif_reader.h"
#include "heif_decoder.h"
#include "image_format.h"
#include "image_header.h"
#include "jpeg_decoder.h"
#include "jxl_decoder.h"
#include "native_path.h"
#include "png_decoder.h"
#include "raw_decoder.h"

#include <QFile>
#include <QFileInfo>
#include <atomic>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace photosearch {

namespace {

std::atomic<ImageDecoder::FallbackDecoder> gFallback{nullptr};

[[noreturn]] void fail(const QString& name, const QString& problem) {
    throw AlignError((native_path::display(name) + QStringLiteral(": ") + problem).toStdString());
}

}  // namespace

DecodedImage ImageDecoder::decodeFile(const QString& path, bool applyOrientation, cv::Size reduceTo) {
    const auto status = native_path::status(path);  // by the name's exact bytes
    if (!status && native_path::existsOrIsLink(path))
        fail(path, QStringLiteral("broken symbolic link (its target %1 does not exist)")
                       .arg(QFileInfo(path).symLinkTarget()));
    if (!status) fail(path, QStringLiteral("file not found"));
    if (status->isDir) fail(path, QStringLiteral("is a folder, not an image"));
    if (!status->isFile) fail(path, QStringLiteral("not a regular file (a device, pipe or socket)"));
    if (status->size > kMaxFileBytes)
        fail(path, QStringLiteral("the file is %1 MB, larger than the %2 MB an image may be")
                       .arg(status->size >> 20)
                       .arg(kMaxFileBytes >> 20));
    QFile file;
    if (const QString error = native_path::openForReading(file, path); !error.isEmpty())
        fail(path, QStringLiteral("cannot read: ") + error);
    const QByteArray bytes = file.readAll();
    if (file.error() != QFile::NoError) fail(path, QStringLiteral("cannot read: ") + file.errorString());
    return decodeBytes(bytes, path, applyOrientation, reduceTo);
}

DecodedImage ImageDecoder::decodeBytes(const QByteArray& bytes, const QString& name, bool applyOrientation,
                                       cv::Size reduceTo) {
    if (bytes.isEmpty()) fail(name, QStringLiteral("the file is empty"));
    if (bytes.size() > kMaxFileBytes)
        fail(name,
             QStringLiteral("the file is larger than the %1 MB an image may be").arg(kMaxFileBytes >> 20));
    // Only the formats we claim reach a decoder (see image_format.h).
    const ImageFormat format = sniffImageFormat(bytes.left(4096));
    if (format == ImageFormat::Unknown) {
        const QString looksLike = foreignFormatName(bytes.left(64));
        fail(name,
             looksLike.isEmpty()
                 ? QStringLiteral("not an image format PhotoSearch reads (JPEG, PNG, HEIC, AVIF, JPEG XL, "
                                  "WebP, TIFF, GIF, BMP), or the start of the file is damaged")
                 : QStringLiteral("the file holds %1, which PhotoSearch does not read").arg(looksLike));
    }
    if (format == ImageFormat::Heif || format == ImageFormat::Avif || format == ImageFormat::JpegXl)
        return decodeModern(format, bytes, name, reduceTo);
    if (ownFormat(bytes, name) == ImageFormat::Raw) {
        // Twice the model's resize size when the caller gave one; otherwise the preview when it is at least
        // 692 pixels (twice ALIGN's 346) in both dimensions.
        const cv::Size minPreview = reduceTo.empty() ? cv::Size(692, 692) : reduceTo;
        RawImage raw = RawDecoder::decode(bytes, native_path::display(name), kMaxImagePixels, minPreview);
        DecodedImage out;
        out.rgb = raw.rgb;
        out.width = raw.width;
        out.height = raw.height;
        out.dateTimeOriginal = raw.dateTimeOriginal;
        out.decodedFrom = raw.source;
        return out;
    }
    const std::optional<ImageHeader> header = readImageHeader(bytes);
    if (header && header->pixels() > kMaxImagePixels)
        fail(name, QStringLiteral("the %1 declares %2 x %3 = %4 pixels, more than the %5 allowed (a "
                                  "decompression bomb?); not decoded")
                       .arg(header->format.toUpper())
                       .arg(header->width)
                       .arg(header->height)
                       .arg(header->pixels())
                       .arg(kMaxImagePixels));
    const ExifInfo exif = readExif(bytes);
    DecodedImage out;
    out.orientation = exif.orientation;
    out.dateTimeOriginal = exif.dateTimeOriginal;
    const bool transposed = applyOrientation && exif.orientation >= 5 && exif.orientation <= 8;

    if (JpegDecoder::isJpeg(bytes)) {
        const cv::Size minimum = transposed ? cv::Size(reduceTo.height, reduceTo.width) : reduceTo;
        out.rgb = JpegDecoder::decodeRgb(bytes, native_path::display(name), minimum);
        const cv::Size full =
            header ? cv::Size(static_cast<int>(header->width), static_cast<int>(header->height))
                   : out.rgb.size();
        out.width = transposed ? full.height : full.width;
        out.height = transposed ? full.width : full.height;
        if (applyOrientation) out.rgb = applyExifOrientation(out.rgb, exif.orientation);
        return out;
    }

    if (PngDecoder::isPng(bytes)) {
        out.rgb = PngDecoder::decodeRgb(bytes, native_path::display(name));
        if (applyOrientation) out.rgb = applyExifOrientation(out.rgb, exif.orientation);
        out.width = out.rgb.cols;
        out.height = out.rgb.rows;
        return out;
    }

    cv::Mat decoded;
    try {
        const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                             const_cast<char*>(bytes.constData()));
        // IMREAD_UNCHANGED keeps alpha and grey as they are (we convert like Pillow below) and leaves
        // the EXIF orientation to us.
        decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        fail(name, QStringLiteral("cannot decode the image: ") + QString::fromStdString(e.msg).trimmed());
    }
    if (decoded.empty())
        if (const FallbackDecoder fallback = gFallback.load()) decoded = fallback(bytes);
    if (decoded.empty())
        fail(name, QStringLiteral("not an image OpenCV can decode (unsupported format or corrupt data)"));

    out.rgb = toRgb(decoded, name);
    if (applyOrientation) out.rgb = applyExifOrientation(out.rgb, exif.orientation);
    out.width = out.rgb.cols;
    out.height = out.rgb.rows;
    return out;
}

DecodedImage ImageDecoder::decodeModern(ImageFormat format, const QByteArray& bytes, const QString& name,
                                        cv::Size reduceTo) {
    (void)reduceTo;  // libheif and libjxl decode at full size
    const QString shown = native_path::display(name);
    DecodedImage out;
    QByteArray exifTiff;
    if (format == ImageFormat::JpegXl) {
        JxlImage image = JxlDecoder::decode(bytes, shown, kMaxImagePixels);
        out.rgb = image.rgb;
        exifTiff = image.exifTiff;
    } else {
        HeifImage image = HeifDecoder::decode(bytes, shown, kMaxImagePixels);
        out.rgb = image.rgb;
        exifTiff = image.exifTiff;
    }
    // Upright already (irot/imir, the codestream's orientation): the EXIF orientation is not applied on top.
    const ExifInfo exif = parseTiffExif(exifTiff.constData(), size_t(exifTiff.size()));
    out.dateTimeOriginal = exif.dateTimeOriginal;
    out.width = out.rgb.cols;
    out.height = out.rgb.rows;
    return out;
}

ImageFormat ImageDecoder::ownFormat(const QByteArray& head, const QString& name) {
    const ImageFormat format = sniffImageFormat(head.left(4096));
    switch (format) {
        case ImageFormat::Heif:
        case ImageFormat::Avif:
        case ImageFormat::JpegXl:
        case ImageFormat::Raw:
            return format;
        case ImageFormat::Tiff:
            return RawDecoder::isRawName(name) ? ImageFormat::Raw : ImageFormat::Unknown;
        default:
            return ImageFormat::Unknown;
    }
}

bool ImageDecoder::probeOwnFormat(const QByteArray& bytes, const QString& name, int* width, int* height,
                                  ExifInfo* exif) {
    const ImageFormat format = ownFormat(bytes, name);
    QByteArray exifTiff;
    bool ok = false;
    if (format == ImageFormat::JpegXl) ok = JxlDecoder::probe(bytes, width, height, &exifTiff);
    if (format == ImageFormat::Heif || format == ImageFormat::Avif)
        ok = HeifDecoder::probe(bytes, width, height, &exifTiff);
    if (ok) *exif = parseTiffExif(exifTiff.constData(), size_t(exifTiff.size()));
    if (format == ImageFormat::Raw) {
        *exif = {};
        ok = RawDecoder::probe(bytes, width, height, &exif->make, &exif->model, &exif->dateTimeOriginal);
    }
    return ok;
}

void ImageDecoder::setFallbackDecoder(FallbackDecoder decoder) { gFallback = decoder; }

cv::Mat ImageDecoder::toRgb(const cv::Mat& decoded, const QString& name) {
    cv::Mat eight;
    switch (decoded.depth()) {
        case CV_8U:
            eight = decoded;
            break;
        // Pillow keeps the high byte of 16-bit samples ("RGB;16B"): floor(v / 256), not rounded.
        case CV_16U:
            decoded.convertTo(eight, CV_8U, 1.0 / 256.0, -0.5 + 1.0 / 512.0);
            break;
        default:
            fail(name, QStringLiteral("unsupported pixel format (expected 8- or 16-bit integer samples)"));
    }
    cv::Mat rgb;
    switch (eight.channels()) {
        case 1:
            cv::cvtColor(eight, rgb, cv::COLOR_GRAY2RGB);
            break;
        case 3:
            cv::cvtColor(eight, rgb, cv::COLOR_BGR2RGB);
            break;
        case 4:
            cv::cvtColor(eight, rgb, cv::COLOR_BGRA2RGB);
            break;
        default:
            fail(name, QStringLiteral("unsupported image with %1 channels").arg(eight.channels()));
    }
    return rgb;
}

cv::Mat ImageDecoder::applyExifOrientation(const cv::Mat& image, int orientation) {
    cv::Mat out;
    switch (orientation) {
        case 2:
            cv::flip(image, out, 1);
            break;
        case 3:
            cv::rotate(image, out, cv::ROTATE_180);
            break;
        case 4:
            cv::flip(image, out, 0);
            break;
        case 5:
            cv::transpose(image, out);
            break;
        case 6:
            cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
            break;
        case 7: {
            cv::Mat t;
            cv::transpose(image, t);
            cv::rotate(t, out, cv::ROTATE_180);
            break;
        }
        case 8:
            cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
            break;
        default:
            return image;
    }
    return out;
}

}  // namespace photosearch
