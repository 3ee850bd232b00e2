// PhotoLibrary's XMP sidecars (#18): tags written where digiKam, darktable and Lightroom read them.
#include "align_error.h"
#include "library_search.h"
#include "library_writer.h"
#include "photo_library.h"

namespace photosearch {
namespace {

const char* const kAutomaticKey = "xmp_sidecars";  // meta: "digikam", "lightroom" or absent

QStringList tagsToWrite(const PhotoCatalog& catalog, int64_t photo, bool withSuggested) {
    QStringList tags;
    for (const TagRecord& t : catalog.tags(photo))
        if (!tags.contains(t.tag)) tags << t.tag;
    if (withSuggested)
        for (const auto& [tag, standing] : catalog.suggestions(photo))
            if (!tags.contains(tag)) tags << tag;
    return tags;
}

}  // namespace

PhotoLibrary::SidecarReport PhotoLibrary::writeSidecars(const QString& folder, XmpSidecar::Style style,
                                                        bool withSuggested) {
    SidecarReport r;
    const PhotoCatalog& catalog = *reader_;
    for (const PhotoRecord& p : catalog.photos()) {
        if (p.status != PhotoStatus::Indexed || (!folder.isEmpty() && !isUnderFolder(p.path, folder)))
            continue;
        const QStringList tags = tagsToWrite(catalog, p.id, withSuggested);
        if (tags.isEmpty()) continue;
        try {
            (XmpSidecar::addTags(p.path, tags, style) ? r.written : r.upToDate)++;
        } catch (const AlignError& e) {
            r.failures << QString::fromUtf8(e.what());
        }
    }
    return r;
}

std::optional<XmpSidecar::Style> PhotoLibrary::automaticSidecars() const {
    const QString v = reader_->meta(QString::fromLatin1(kAutomaticKey));
    if (v == QLatin1String("digikam")) return XmpSidecar::Style::DigiKam;
    if (v == QLatin1String("lightroom")) return XmpSidecar::Style::Lightroom;
    return std::nullopt;
}

void PhotoLibrary::setAutomaticSidecars(std::optional<XmpSidecar::Style> style) {
    requireWritable();
    const QString v = !style                                   ? QString()
                      : *style == XmpSidecar::Style::Lightroom ? QStringLiteral("lightroom")
                                                               : QStringLiteral("digikam");
    writer_->write([&](PhotoCatalog& c) { c.setMeta(QString::fromLatin1(kAutomaticKey), v); });
}

QStringList PhotoLibrary::writeSidecarsIfAutomatic(const QStringList& paths) {
    QStringList failures;
    const auto style = automaticSidecars();
    if (!style) return failures;
    for (const QString& path : paths) {
        const auto p = reader_->photoByPath(path);
        if (!p) continue;
        const QStringList tags = tagsToWrite(*reader_, p->id, false);
        if (tags.isEmpty()) continue;
        try {
            XmpSidecar::addTags(p->path, tags, *style);
        } catch (const AlignError& e) {
            failures << QString::fromUtf8(e.what());
        }
    }
    return failures;
}

}  // namespace photosearch
