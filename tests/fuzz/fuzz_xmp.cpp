// libFuzzer target: keywords read through Exiv2 from a photo or its sidecar (any file a person's folders
// hold, written by any tool), and tags merged into that sidecar. The first byte says where the rest goes:
// even, the photo itself; odd, its digiKam sidecar. Exiv2 is not built with coverage here: the fuzzer steers
// by our code, and the sanitizers catch what Exiv2 does with our buffers. After a merge that says it wrote,
// the tag must be read back, in any case: tags are one in any case, so a sidecar already holding "fuzz taG"
// in one list gets "fuzz tag" only in the other, and is read back as "fuzz taG".
#include "fuzz_common.h"
#include "xmp_sidecar.h"

#include <QFile>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    if (size < 1) return 0;
    const QString photo = fuzz::scratchFile(".jpg");
    const QString sidecar = XmpSidecar::pathFor(photo, XmpSidecar::Style::DigiKam);
    QFile::remove(sidecar);
    if (data[0] & 1) {
        fuzz::writeScratch(nullptr, 0, ".jpg");
        QFile f(sidecar);
        if (!f.open(QIODevice::WriteOnly)) std::abort();
        f.write(reinterpret_cast<const char*>(data + 1), static_cast<qint64>(size - 1));
    } else {
        fuzz::writeScratch(data + 1, size - 1, ".jpg");
    }
    (void)XmpSidecar::readKeywords(photo);
    try {
        if (XmpSidecar::addTags(photo, {QStringLiteral("fuzz tag")}, XmpSidecar::Style::DigiKam) &&
            !XmpSidecar::readKeywords(photo).contains(QStringLiteral("fuzz tag"), Qt::CaseInsensitive))
            std::abort();
    } catch (const AlignError&) {
    }
    QFile::remove(sidecar);
    return 0;
}
