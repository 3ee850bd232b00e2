#include "photo_facts.h"

#include "exif_reader.h"
#include "image_decoder.h"
#include "native_path.h"
#include "photo_image.h"
#include "photo_scanner.h"
#include "video_decoder.h"

#include <QCoreApplication>
#include <QDesktopServices>
#include <QFile>
#include <QImageReader>
#include <QLocale>
#include <QMimeDatabase>
#include <QProcess>
#include <QStringList>

#include <cmath>

namespace photosearch {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("PhotoFacts", text); }

// 1/250 s for a short exposure, 2 s or 0.5 s for a long one, as cameras show it.
QString exposureTime(double seconds) {
    if (seconds >= 0.3) return tr("%1 s").arg(QLocale().toString(seconds, 'g', 3));
    return tr("1/%1 s").arg(std::lround(1 / seconds));
}

}  // namespace

PhotoFacts readPhotoFacts(const QString& path) {
    PhotoFacts facts;
    if (const auto status = native_path::status(path)) facts.bytes = status->size;
    QFile file;
    if (!native_path::openForReading(file, path).isEmpty()) return facts;
    ExifInfo exif;
    if (VideoDecoder::isVideoName(path)) {
        try {
            const VideoInfo info = VideoDecoder::probe(path);
            facts.dimensions = QSize(info.width, info.height);
            facts.format =
                tr("Video (%1, %2), %3 long").arg(info.container, info.codec, clockTime(info.durationS));
        } catch (const std::exception&) {
            facts.format = tr("Video (cannot be read)");
        }
        return facts;
    }
    if (isOwnDecodedFormat(file.peek(4096), path)) {  // HEIF, AVIF, JPEG XL, RAW: what Qt cannot describe
        int width = 0, height = 0;
        const QByteArray bytes = file.size() <= ImageDecoder::kMaxFileBytes ? file.readAll() : QByteArray();
        if (ImageDecoder::probeOwnFormat(bytes, path, &width, &height, &exif))
            facts.dimensions = QSize(width, height);  // upright already
        const ImageFormat format = ImageDecoder::ownFormat(bytes, path);
        facts.format = format == ImageFormat::Raw
                           ? tr("Camera RAW (%1)").arg(path.section(QLatin1Char('.'), -1).toUpper())
                           : imageFormatName(format);
    } else {
        exif = readExif(file.peek(256 * 1024));  // the EXIF block is near the start
        QImageReader reader(&file);
        reader.setAutoTransform(true);
        facts.format = QString::fromLatin1(reader.format()).toUpper();
        QSize size = reader.size();
        if (size.isValid() && exif.orientation >= 5) size.transpose();  // stored sideways, shown upright
        facts.dimensions = size;
    }
    if (!livePhotoVideo(path).isEmpty())
        facts.format = tr("%1, Live Photo (with its video)").arg(facts.format);
    // "Canon" + "Canon EOS 5D" is said once; "Apple" + "iPhone 12" as both.
    facts.camera = exif.model.startsWith(exif.make, Qt::CaseInsensitive) || exif.make.isEmpty()
                       ? exif.model
                       : (exif.model.isEmpty() ? exif.make : exif.make + QLatin1Char(' ') + exif.model);
    QStringList parts;
    if (exif.exposureTime > 0) parts << exposureTime(exif.exposureTime);
    if (exif.fNumber > 0) parts << tr("f/%1").arg(QLocale().toString(exif.fNumber, 'g', 2));
    if (exif.iso > 0) parts << tr("ISO %1").arg(exif.iso);
    if (exif.focalLength > 0) parts << tr("%1 mm").arg(QLocale().toString(exif.focalLength, 'g', 3));
    facts.exposure = parts.join(QStringLiteral(" · "));
    return facts;
}

QUrl fileUrl(const QString& path) {
    return QUrl::fromEncoded("file://" + native_path::encode(path).toPercentEncoding("/"));
}

QString openWithDesktop(const QString& path) {
    const auto status = native_path::status(path);
    if (!status) return tr("%1 is not there any more (moved or deleted?).").arg(native_path::display(path));
    const QMimeType type = status->isDir ? QMimeDatabase().mimeTypeForName(QStringLiteral("inode/directory"))
                                         : QMimeDatabase().mimeTypeForFile(path);
    // Asked first: xdg-open itself, without a default, falls back to a browser or fails without a word.
    QProcess query;
    query.start(QStringLiteral("xdg-mime"),
                {QStringLiteral("query"), QStringLiteral("default"), type.name()});
    const bool answered = query.waitForFinished(3000) && query.exitStatus() == QProcess::NormalExit;
    if (answered && query.readAllStandardOutput().trimmed().isEmpty())
        return tr("No application is set to open %1 (%2). Choose one in your desktop's settings under "
                  "Default "
                  "Applications, or with \"Open With\" in your file manager.")
            .arg(type.comment(), type.name());
    if (!QDesktopServices::openUrl(fileUrl(path)))
        return tr("The desktop could not open %1: xdg-open is missing or failed. Install xdg-utils.")
            .arg(native_path::display(path));
    return {};
}

QString clockTime(double seconds) {
    const int whole = static_cast<int>(std::max(0.0, seconds));
    return QStringLiteral("%1:%2").arg(whole / 60).arg(whole % 60, 2, 10, QLatin1Char('0'));
}

QString playVideoAt(const QString& path, double timeS) {
    if (path.isEmpty() || !native_path::status(path))
        return tr("The video is not there any more (moved or deleted?).");
    // The person's default player for the type; the ones known to take a start time get it.
    const QMimeType type = QMimeDatabase().mimeTypeForFile(path);
    QProcess query;
    query.start(QStringLiteral("xdg-mime"),
                {QStringLiteral("query"), QStringLiteral("default"), type.name()});
    const QString app =
        query.waitForFinished(3000) ? QString::fromUtf8(query.readAllStandardOutput()).trimmed() : QString();
    const QString start = QString::number(std::max(0.0, timeS), 'f', 2);
    const QString file = native_path::display(path);
    struct Player {
        const char* desktopId;
        const char* program;
        QStringList arguments;
    };
    const Player players[] = {
        {"mpv.desktop", "mpv", {QStringLiteral("--start=") + start, file}},
        {"vlc.desktop", "vlc", {QStringLiteral("--start-time=") + start, file}},
        {"io.github.celluloid_player.Celluloid.desktop",
         "celluloid",
         {QStringLiteral("--mpv-start=") + start, file}},
        {"smplayer.desktop", "smplayer", {QStringLiteral("-ss"), start, file}},
    };
    for (const Player& p : players)
        if (app == QLatin1String(p.desktopId) &&
            QProcess::startDetached(QLatin1String(p.program), p.arguments))
            return {};
    return openWithDesktop(path);
}

}  // namespace photosearch
