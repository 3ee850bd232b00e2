#include "raw_decoder.h"

#include "align_error.h"
#include "image_decoder.h"
#include "jpeg_decoder.h"

#include <libraw/libraw.h>

#include <QDateTime>
#include <QSet>

#include <opencv2/imgproc.hpp>

#include <memory>

namespace photosearch {

namespace {

[[noreturn]] void fail(const QString& name, const QString& problem) {
    throw AlignError((name + QStringLiteral(": ") + problem).toStdString());
}

QString reason(int code) { return QString::fromUtf8(libraw_strerror(code)); }

// LibRaw's flip (0, 3, 5, 6) as an EXIF orientation.
int orientationOf(int flip) {
    switch (flip) {
        case 3:
            return 3;
        case 5:
            return 8;
        case 6:
            return 6;
        default:
            return 1;
    }
}

struct ImageFree {
    void operator()(libraw_processed_image_t* image) const { LibRaw::dcraw_clear_mem(image); }
};

}  // namespace

bool RawDecoder::isRawName(const QString& name) {
    static const QSet<QString> suffixes{QStringLiteral("dng"), QStringLiteral("cr2"), QStringLiteral("cr3"),
                                        QStringLiteral("nef"), QStringLiteral("arw"), QStringLiteral("raf"),
                                        QStringLiteral("orf"), QStringLiteral("rw2"), QStringLiteral("pef")};
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    return dot > 0 && suffixes.contains(name.mid(dot + 1).toLower());
}

bool RawDecoder::probe(const QByteArray& bytes, int* width, int* height, QString* make, QString* model,
                       QString* dateTimeOriginal) {
    const auto raw = std::make_unique<LibRaw>(LIBRAW_OPTIONS_NONE);
    if (raw->open_buffer(const_cast<char*>(bytes.constData()), size_t(bytes.size())) != LIBRAW_SUCCESS)
        return false;
    const libraw_image_sizes_t& sizes = raw->imgdata.sizes;
    const bool transposed = orientationOf(sizes.flip) >= 5;
    *width = transposed ? sizes.height : sizes.width;
    *height = transposed ? sizes.width : sizes.height;
    *make = QString::fromLatin1(raw->imgdata.idata.make).trimmed();
    *model = QString::fromLatin1(raw->imgdata.idata.model).trimmed();
    if (const time_t taken = raw->imgdata.other.timestamp; taken > 0)
        *dateTimeOriginal =
            QDateTime::fromSecsSinceEpoch(taken).toString(QStringLiteral("yyyy:MM:dd HH:mm:ss"));
    return true;
}

RawImage RawDecoder::decode(const QByteArray& bytes, const QString& name, int64_t maxPixels,
                            cv::Size minPreview) {
    // LibRaw's object holds large tables: on the heap, one per file (it is not shared between threads).
    const auto raw = std::make_unique<LibRaw>(LIBRAW_OPTIONS_NONE);
    raw->imgdata.params.max_raw_memory_mb = 1024;  // a hostile file's allocation is refused beyond this
    int code = raw->open_buffer(const_cast<char*>(bytes.constData()), size_t(bytes.size()));
    if (code != LIBRAW_SUCCESS)
        fail(name, QStringLiteral("not a camera RAW file LibRaw can read: ") + reason(code));
    const libraw_image_sizes_t& sizes = raw->imgdata.sizes;
    const int64_t rawPixels = int64_t(sizes.raw_width) * sizes.raw_height;
    if (sizes.raw_width == 0 || sizes.raw_height == 0)
        fail(name, QStringLiteral("the RAW file declares no image"));
    if (rawPixels > maxPixels)
        fail(name, QStringLiteral(
                       "the RAW file declares %1 x %2 = %3 pixels, more than the %4 allowed; not decoded")
                       .arg(sizes.raw_width)
                       .arg(sizes.raw_height)
                       .arg(rawPixels)
                       .arg(maxPixels));
    const int orientation = orientationOf(sizes.flip);
    const bool transposed = orientation >= 5;

    RawImage out;
    out.width = transposed ? sizes.height : sizes.width;
    out.height = transposed ? sizes.width : sizes.height;
    if (const time_t taken = raw->imgdata.other.timestamp; taken > 0)
        out.dateTimeOriginal =
            QDateTime::fromSecsSinceEpoch(taken).toString(QStringLiteral("yyyy:MM:dd HH:mm:ss"));

    // The camera's own preview, when it is a JPEG at least minPreview (upright) in both dimensions.
    if (raw->unpack_thumb() == LIBRAW_SUCCESS && raw->imgdata.thumbnail.tformat == LIBRAW_THUMBNAIL_JPEG) {
        const libraw_thumbnail_t& thumb = raw->imgdata.thumbnail;
        const int w = transposed ? thumb.theight : thumb.twidth,
                  h = transposed ? thumb.twidth : thumb.theight;
        if (w >= minPreview.width && h >= minPreview.height && thumb.thumb && thumb.tlength > 0) {
            const QByteArray jpeg = QByteArray::fromRawData(thumb.thumb, qsizetype(thumb.tlength));
            const cv::Size stored = transposed ? cv::Size(minPreview.height, minPreview.width) : minPreview;
            out.rgb =
                ImageDecoder::applyExifOrientation(JpegDecoder::decodeRgb(jpeg, name, stored), orientation);
            out.source = QStringLiteral("preview");
            return out;
        }
    }

    raw->imgdata.params.half_size = 1;
    raw->imgdata.params.output_bps = 8;
    if ((code = raw->unpack()) != LIBRAW_SUCCESS)
        fail(name, QStringLiteral("cannot read the RAW data: ") + reason(code));
    if ((code = raw->dcraw_process()) != LIBRAW_SUCCESS)
        fail(name, QStringLiteral("cannot develop the RAW data: ") + reason(code));
    int error = 0;
    const std::unique_ptr<libraw_processed_image_t, ImageFree> image(raw->dcraw_make_mem_image(&error));
    if (!image || error != LIBRAW_SUCCESS)
        fail(name, QStringLiteral("cannot develop the RAW data: ") + reason(error));
    if (image->type != LIBRAW_IMAGE_BITMAP || image->bits != 8 || (image->colors != 3 && image->colors != 1))
        fail(name, QStringLiteral("LibRaw gave no 8-bit image"));
    const cv::Mat developed(image->height, image->width, image->colors == 3 ? CV_8UC3 : CV_8UC1, image->data);
    if (image->colors == 3)
        out.rgb = developed.clone();  // LibRaw's output is RGB, already turned by its flip
    else
        cv::cvtColor(developed, out.rgb, cv::COLOR_GRAY2RGB);
    out.source = QStringLiteral("developed");
    return out;
}

}  // namespace photosearch
