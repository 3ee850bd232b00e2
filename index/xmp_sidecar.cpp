#include "xmp_sidecar.h"

#include "align_error.h"
#include "native_path.h"

#include <QFileInfo>
#include <QLoggingCategory>
#include <QSaveFile>

#include <algorithm>

// Exiv2 0.27's headers use std::auto_ptr.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <exiv2/exiv2.hpp>
#pragma GCC diagnostic pop

#include <mutex>

namespace photosearch {

Q_LOGGING_CATEGORY(lcXmp, "photosearch.library.xmp", QtWarningMsg)

namespace {

// Recursive, as the critical section of Exiv2's own example: the toolkit may take it again while holding it.
std::recursive_mutex xmpToolkitMutex;

void lockXmpToolkit(void* data, bool lock) {
    auto* m = static_cast<std::recursive_mutex*>(data);
    lock ? m->lock() : m->unlock();
}

// The XMP toolkit once per process, with a lock so several indexing threads may read at once; Exiv2's own
// messages off the terminal (what matters is reported by us).
void initialiseExiv2() {
    static std::once_flag once;
    std::call_once(once, [] {
        Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
        Exiv2::XmpParser::initialize(lockXmpToolkit, &xmpToolkitMutex);
    });
}

const char* const kSubject = "Xmp.dc.subject";
const char* const kLightroom = "Xmp.lr.hierarchicalSubject";
const char* const kDigiKam = "Xmp.digiKam.TagsList";

QStringList valuesOf(const Exiv2::XmpData& xmp, const char* key) {
    QStringList out;
    const auto it = xmp.findKey(Exiv2::XmpKey(key));
    if (it == xmp.end()) return out;
    for (long i = 0; i < it->count(); ++i) out << QString::fromStdString(it->toString(i));
    return out;
}

QString lastLevel(const QString& keyword, QChar separator) {
    return keyword.section(separator, -1).trimmed();
}

void collect(const Exiv2::Image& image, QStringList& out) {
    const Exiv2::XmpData& xmp = image.xmpData();
    QStringList found = valuesOf(xmp, kSubject);
    for (const QString& k : valuesOf(xmp, kLightroom)) found << lastLevel(k, QLatin1Char('|'));
    for (const QString& k : valuesOf(xmp, kDigiKam)) found << lastLevel(k, QLatin1Char('/'));
    for (const Exiv2::Iptcdatum& d : image.iptcData())
        if (d.key() == "Iptc.Application2.Keywords") found << QString::fromStdString(d.toString());
    for (const QString& k : found) {
        const QString t = k.simplified();
        if (!t.isEmpty() && !out.contains(t, Qt::CaseInsensitive)) out << t;
    }
}

std::string fileName(const QString& path) { return QFile::encodeName(path).toStdString(); }

}  // namespace

QString XmpSidecar::pathFor(const QString& photo, Style style) {
    if (style == Style::DigiKam) return photo + QStringLiteral(".xmp");
    const QFileInfo info(photo);
    const QString base = info.completeBaseName().isEmpty() ? info.fileName() : info.completeBaseName();
    return info.path() + QLatin1Char('/') + base + QStringLiteral(".xmp");
}

QStringList XmpSidecar::readKeywords(const QString& photo) {
    initialiseExiv2();
    QStringList out;
    for (const QString& path : {photo, pathFor(photo, Style::DigiKam), pathFor(photo, Style::Lightroom)}) {
        if (path != photo && !QFileInfo(path).isFile()) continue;
        try {
            auto image = Exiv2::ImageFactory::open(fileName(path));
            image->readMetadata();
            collect(*image, out);
        } catch (const std::exception& e) {  // Exiv2::AnyError, std::bad_alloc on a hostile file
            qCDebug(lcXmp) << path << "keywords not read:" << e.what();
        }
    }
    return out;
}

bool XmpSidecar::addTags(const QString& photo, const QStringList& tags, Style style) {
    initialiseExiv2();
    const QString sidecar = pathFor(photo, style);
    const QString shown = native_path::display(sidecar);
    Exiv2::XmpData xmp;
    if (QFileInfo(sidecar).exists()) {
        try {
            auto image = Exiv2::ImageFactory::open(fileName(sidecar));
            image->readMetadata();
            xmp = image->xmpData();
        } catch (const std::exception& e) {
            throw AlignError(shown.toStdString() + ": the sidecar cannot be read (" + e.what() +
                             "); it was left as it is. Repair or move it, then export again.");
        }
    }
    bool changed = false;
    const auto add = [&](const char* key, Exiv2::TypeId type, bool hierarchical, QChar separator) {
        QStringList values = valuesOf(xmp, key);
        bool more = false;
        for (const QString& tag : tags) {
            const bool there = std::any_of(values.begin(), values.end(), [&](const QString& v) {
                return (hierarchical ? lastLevel(v, separator) : v.trimmed())
                           .compare(tag, Qt::CaseInsensitive) == 0;
            });
            if (!there) {
                values << tag;
                more = true;
            }
        }
        if (!more) return;
        const auto it = xmp.findKey(Exiv2::XmpKey(key));
        if (it != xmp.end()) xmp.erase(it);
        auto value = Exiv2::Value::create(type);
        for (const QString& v : values) value->read(v.toStdString());
        xmp.add(Exiv2::XmpKey(key), value.get());
        changed = true;
    };
    add(kSubject, Exiv2::xmpBag, false, QChar());
    add(kLightroom, Exiv2::xmpBag, true, QLatin1Char('|'));
    add(kDigiKam, Exiv2::xmpSeq, true, QLatin1Char('/'));
    if (!changed) return false;
    std::string packet;
    if (Exiv2::XmpParser::encode(packet, xmp, Exiv2::XmpParser::useCompactFormat, 0) != 0)
        throw AlignError(shown.toStdString() + ": the keywords could not be written as XMP");
    QSaveFile file(sidecar);
    const auto failed = [&](const QString& why) {
        return AlignError(shown.toStdString() + ": the sidecar could not be written (" + why.toStdString() +
                          "). Make the folder writable or free some space, then export again; the photo "
                          "was not touched.");
    };
    if (!file.open(QIODevice::WriteOnly)) throw failed(file.errorString());
    file.write(packet.data(), static_cast<qint64>(packet.size()));
    if (!file.commit()) throw failed(file.errorString());
    return true;
}

}  // namespace photosearch
