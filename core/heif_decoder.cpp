#include "heif_decoder.h"

#include "align_error.h"

#include <libheif/heif.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace photosearch {

namespace {

[[noreturn]] void fail(const QString& name, const QString& problem) {
    throw AlignError((name + QStringLiteral(": ") + problem).toStdString());
}

QString reason(const heif_error& e) {
    QString text = QString::fromUtf8(e.message ? e.message : "unknown error");
    if (e.code == heif_error_Unsupported_feature || e.code == heif_error_Unsupported_filetype)
        text += QStringLiteral(" (not supported by this system's libheif)");
    if (e.code == heif_error_Invalid_input) text += QStringLiteral(" (a damaged or truncated file?)");
    return text;
}

void initOnce() {
    static std::once_flag once;
    std::call_once(once, [] { heif_init(nullptr); });  // loads libheif's codec plugins, if it has any
}

struct ContextFree {
    void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleFree {
    void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct ImageFree {
    void operator()(heif_image* i) const { heif_image_release(i); }
};
struct OptionsFree {
    void operator()(heif_decoding_options* o) const { heif_decoding_options_free(o); }
};

// The Exif item: a 4-byte big-endian offset to the TIFF header, then the data (ISO/IEC 23008-12 A.2.1).
QByteArray exifOf(heif_image_handle* handle) {
    heif_item_id id = 0;
    if (heif_image_handle_get_list_of_metadata_block_IDs(handle, "Exif", &id, 1) < 1) return {};
    const size_t size = heif_image_handle_get_metadata_size(handle, id);
    if (size < 4 || size > (64u << 20)) return {};
    QByteArray block(qsizetype(size), Qt::Uninitialized);
    if (heif_image_handle_get_metadata(handle, id, block.data()).code != heif_error_Ok) return {};
    const auto* b = reinterpret_cast<const unsigned char*>(block.constData());
    const uint64_t offset = (uint64_t(b[0]) << 24) | (uint64_t(b[1]) << 16) | (uint64_t(b[2]) << 8) | b[3];
    if (offset > size - 4) return {};
    return block.mid(qsizetype(4 + offset));
}

}  // namespace

bool HeifDecoder::probe(const QByteArray& bytes, int* width, int* height, QByteArray* exifTiff) {
    initOnce();
    std::unique_ptr<heif_context, ContextFree> context(heif_context_alloc());
    heif_image_handle* rawHandle = nullptr;
    if (!context ||
        heif_context_read_from_memory_without_copy(context.get(), bytes.constData(), size_t(bytes.size()),
                                                   nullptr)
                .code != heif_error_Ok ||
        heif_context_get_primary_image_handle(context.get(), &rawHandle).code != heif_error_Ok)
        return false;
    const std::unique_ptr<heif_image_handle, HandleFree> handle(rawHandle);
    *width = heif_image_handle_get_width(handle.get());
    *height = heif_image_handle_get_height(handle.get());
    *exifTiff = exifOf(handle.get());
    return true;
}

HeifImage HeifDecoder::decode(const QByteArray& bytes, const QString& name, int64_t maxPixels) {
    initOnce();
    std::unique_ptr<heif_context, ContextFree> context(heif_context_alloc());
    if (!context) fail(name, QStringLiteral("out of memory"));
    heif_error e = heif_context_read_from_memory_without_copy(context.get(), bytes.constData(),
                                                              size_t(bytes.size()), nullptr);
    if (e.code != heif_error_Ok) fail(name, QStringLiteral("cannot read the HEIF file: ") + reason(e));
    heif_image_handle* rawHandle = nullptr;
    e = heif_context_get_primary_image_handle(context.get(), &rawHandle);
    if (e.code != heif_error_Ok) fail(name, QStringLiteral("no primary image: ") + reason(e));
    const std::unique_ptr<heif_image_handle, HandleFree> handle(rawHandle);

    // The coded size (ispe) is what gets decoded; the size shown may be a crop of it (clap), so both count.
    const int64_t width = std::max(heif_image_handle_get_ispe_width(handle.get()),
                                   heif_image_handle_get_width(handle.get())),
                  height = std::max(heif_image_handle_get_ispe_height(handle.get()),
                                    heif_image_handle_get_height(handle.get()));
    if (width <= 0 || height <= 0) fail(name, QStringLiteral("the image declares no size"));
    if (width > maxPixels / height)
        fail(name, QStringLiteral("the HEIF declares %1 x %2 = %3 pixels, more than the %4 allowed (a "
                                  "decompression bomb?); not decoded")
                       .arg(width)
                       .arg(height)
                       .arg(width * height)
                       .arg(maxPixels));

    const std::unique_ptr<heif_decoding_options, OptionsFree> options(heif_decoding_options_alloc());
    if (!options) fail(name, QStringLiteral("out of memory"));
    options->ignore_transformations = 0;
    options->convert_hdr_to_8bit = 1;
    heif_image* rawImage = nullptr;
    e = heif_decode_image(handle.get(), &rawImage, heif_colorspace_RGB, heif_chroma_interleaved_RGB,
                          options.get());
    if (e.code != heif_error_Ok) fail(name, QStringLiteral("cannot decode the image: ") + reason(e));
    const std::unique_ptr<heif_image, ImageFree> image(rawImage);

    int stride = 0;
    const uint8_t* plane = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
    const int w = heif_image_get_width(image.get(), heif_channel_interleaved),
              h = heif_image_get_height(image.get(), heif_channel_interleaved);
    if (!plane || w <= 0 || h <= 0 ||
        heif_image_get_bits_per_pixel(image.get(), heif_channel_interleaved) != 24)
        fail(name, QStringLiteral("libheif gave no 8-bit RGB image"));
    HeifImage out;
    out.rgb = cv::Mat(h, w, CV_8UC3, const_cast<uint8_t*>(plane), size_t(stride)).clone();
    out.exifTiff = exifOf(handle.get());
    return out;
}

}  // namespace photosearch
