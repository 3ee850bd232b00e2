#include "shared_thumbnails.h"

#include "library_paths.h"
#include "native_path.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace photosearch::shared_thumbnails {

namespace {

constexpr Flavor kFlavors[] = {{"normal", 128}, {"large", 256}, {"x-large", 512}, {"xx-large", 1024}};
constexpr char kFailFolder[] = "fail/photosearch";

bool matches(const QImage& image, const QString& path, int64_t mtimeSeconds) {
    return !image.isNull() && image.text(QStringLiteral("Thumb::URI")).toLatin1() == uri(path) &&
           image.text(QStringLiteral("Thumb::MTime")) == QString::number(mtimeSeconds);
}

QString save(const QString& file, const QImage& image) {
    const QString dir = file.section(QLatin1Char('/'), 0, -2);
    if (!QDir().mkpath(dir)) return QStringLiteral("cannot create %1").arg(dir);
    // The standard: the cache folders and the thumbnails are for their owner only.
    QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QFile::setPermissions(root(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly)) return out.errorString();
    out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (!image.save(&out, "PNG")) {
        out.cancelWriting();
        return QStringLiteral("cannot encode the PNG");
    }
    if (!out.commit()) return out.errorString();
    return {};
}

}  // namespace

QString root() { return LibraryPaths::cacheHome() + QStringLiteral("/thumbnails"); }

QByteArray uri(const QString& path) {
    return "file://" + native_path::encode(path).toPercentEncoding("!*'()/:@&=+$,");
}

Flavor flavorFor(int pixels) {
    for (const Flavor& f : kFlavors)
        if (f.size >= pixels) return f;
    return kFlavors[std::size(kFlavors) - 1];
}

QString thumbnailPath(const QString& path, const char* flavor) {
    return root() + QLatin1Char('/') + QLatin1String(flavor) + QLatin1Char('/') +
           QString::fromLatin1(QCryptographicHash::hash(uri(path), QCryptographicHash::Md5).toHex()) +
           QStringLiteral(".png");
}

QImage read(const QString& path, int64_t mtimeSeconds, int pixels) {
    const int wanted = flavorFor(pixels).size;
    for (const Flavor& f : kFlavors) {
        if (f.size < wanted) continue;
        // Decoded to check (QImageReader::text() cannot read keys with a colon, as all of these have).
        const QImage image(thumbnailPath(path, f.name), "png");
        if (matches(image, path, mtimeSeconds)) return image;
    }
    return {};
}

QString write(const QString& path, int64_t mtimeSeconds, int64_t fileSize, const QImage& image,
              Flavor flavor) {
    QImage out = image;
    out.setText(QStringLiteral("Thumb::URI"), QString::fromLatin1(uri(path)));
    out.setText(QStringLiteral("Thumb::MTime"), QString::number(mtimeSeconds));
    out.setText(QStringLiteral("Thumb::Size"), QString::number(fileSize));
    out.setText(QStringLiteral("Software"), QStringLiteral("PhotoSearch"));
    return save(thumbnailPath(path, flavor.name), out);
}

void recordFailure(const QString& path, int64_t mtimeSeconds) {
    QImage marker(1, 1, QImage::Format_ARGB32);
    marker.fill(Qt::transparent);
    marker.setText(QStringLiteral("Thumb::URI"), QString::fromLatin1(uri(path)));
    marker.setText(QStringLiteral("Thumb::MTime"), QString::number(mtimeSeconds));
    save(thumbnailPath(path, kFailFolder), marker);
}

bool failedBefore(const QString& path, int64_t mtimeSeconds) {
    return matches(QImage(thumbnailPath(path, kFailFolder), "png"), path, mtimeSeconds);
}

}  // namespace photosearch::shared_thumbnails
