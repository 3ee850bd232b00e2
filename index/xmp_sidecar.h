#pragma once

#include <QString>
#include <QStringList>

namespace photosearch {

// Keywords other photo tools read and write (#18), through Exiv2: XMP dc:subject, lr:hierarchicalSubject
// (Lightroom, "Places|Berlin"), digiKam:TagsList (digiKam, "Places/Berlin") and IPTC Keywords, in the photo
// itself and in its sidecar. A sidecar is `photo.jpg.xmp` (digiKam, darktable) or `photo.xmp` (Lightroom).
// The photo itself is only ever read.
class XmpSidecar {
  public:
    enum class Style { DigiKam, Lightroom };
    static QString pathFor(const QString& photo, Style style);
    // Every keyword the photo carries, in the file and in either sidecar, once each (the first spelling): a
    // hierarchical keyword by its last level. None when nothing can be read (a format Exiv2 does not know, a
    // damaged file); this never throws.
    static QStringList readKeywords(const QString& photo);
    // Adds `tags` to the photo's sidecar of `style`: to dc:subject, and to lr:hierarchicalSubject and
    // digiKam:TagsList unless a keyword there already ends in the tag. Everything else the sidecar holds is
    // kept. Written whole to a temporary file beside it and renamed over it, so a reader never sees half a
    // sidecar. Returns false when the sidecar already had every tag (nothing written); throws AlignError
    // naming the sidecar and what to do when it cannot be read or written (a read-only folder, a full disk).
    static bool addTags(const QString& photo, const QStringList& tags, Style style);
};

}  // namespace photosearch
