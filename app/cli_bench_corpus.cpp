// The photos `photosearch-cli bench` indexes: made from a few images, distinct files, realistic sizes.
#include "align_error.h"
#include "cli_bench_support.h"

#include <QDir>
#include <QFile>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <array>

namespace photosearch::cli::bench {

namespace {

std::vector<cv::Mat> sourceImages(const QString& imagesDir) {
    std::vector<cv::Mat> sources;
    for (const QString& name :
         QDir(imagesDir).entryList({QStringLiteral("*.png"), QStringLiteral("*.jpg")}, QDir::Files)) {
        cv::Mat m = cv::imread((imagesDir + QLatin1Char('/') + name).toStdString(), cv::IMREAD_COLOR);
        if (!m.empty() && m.cols >= 64 && m.rows >= 64) sources.push_back(m);
    }
    if (sources.empty())
        throw AlignError(imagesDir.toStdString() + ": no images to make the benchmark photos from");
    return sources;
}

// One source image at `size`, with sensor-like noise (realistic JPEG sizes), as JPEG quality 90.
std::vector<uchar> photoJpeg(const cv::Mat& source, cv::Size size, double noiseSigma) {
    cv::Mat big, noise(size, CV_8UC3);
    cv::resize(source, big, size, 0, 0, cv::INTER_CUBIC);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(noiseSigma));
    cv::add(big, noise, big, cv::noArray(), CV_8UC3);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", big, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
    return jpeg;
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
        throw AlignError("cannot write " + path.toStdString() + ": " + f.errorString().toStdString());
}

}  // namespace

QStringList writeCorpus(const QString& imagesDir, const QString& out, int count) {
    QDir().mkpath(out);
    const auto sources = sourceImages(imagesDir);
    QStringList paths;
    for (int i = 0; i < count; ++i) {
        const auto jpeg = photoJpeg(sources[static_cast<size_t>(i) % sources.size()], {4032, 3024}, 6);
        const QString path = QStringLiteral("%1/IMG_%2.jpg").arg(out).arg(i, 4, 10, QLatin1Char('0'));
        writeFile(path,
                  QByteArray(reinterpret_cast<const char*>(jpeg.data()), static_cast<int>(jpeg.size())));
        paths << path;
    }
    return paths;
}

QStringList writeMixedCorpus(const QString& imagesDir, const QString& out, int count) {
    struct Kind {
        int width, height, percent;
    };
    // What a phone-era library holds: 12 MP phone photos (landscape and portrait), some 24 MP camera
    // photos, screenshots and video stills, and smaller pictures kept from messages and the web.
    static constexpr std::array<Kind, 6> kinds{{{4032, 3024, 45},
                                                {3024, 4032, 15},
                                                {6000, 4000, 5},
                                                {1920, 1080, 15},
                                                {2048, 1536, 10},
                                                {1600, 1200, 10}}};
    constexpr int kVariants = 12;  // distinct pictures per kind; every file is distinct (below)
    const auto sources = sourceImages(imagesDir);
    std::vector<std::vector<QByteArray>> variants(kinds.size());
    for (size_t k = 0; k < kinds.size(); ++k)
        for (int v = 0; v < kVariants; ++v) {
            const auto jpeg = photoJpeg(sources[(k * kVariants + static_cast<size_t>(v)) % sources.size()],
                                        {kinds[k].width, kinds[k].height}, 4);
            variants[k].emplace_back(reinterpret_cast<const char*>(jpeg.data()),
                                     static_cast<int>(jpeg.size()));
        }
    QStringList paths;
    for (int i = 0; i < count; ++i) {
        // Kinds by their shares, spread evenly; 100 photos an album, 10 albums a year.
        const int slot = static_cast<int>((static_cast<int64_t>(i) * 37) % 100);
        size_t k = 0;
        int below = kinds[0].percent;
        while (slot >= below) below += kinds[++k].percent;
        const QString folder = QStringLiteral("%1/%2/Album %3")
                                   .arg(out)
                                   .arg(2014 + i / 1000)
                                   .arg(i / 100 % 10 + 1, 2, 10, QLatin1Char('0'));
        QDir().mkpath(folder);
        // The same picture as other files of its kind, but a distinct file: a JPEG comment (COM segment)
        // right after the start-of-image marker carries the photo's number.
        const QByteArray comment = QStringLiteral("photosearch bench photo %1").arg(i).toLatin1();
        const int length = comment.size() + 2;
        const QByteArray& jpeg = variants[k][static_cast<size_t>(i) % kVariants];
        QByteArray bytes = jpeg.left(2);
        bytes += '\xFF';
        bytes += '\xFE';
        bytes += static_cast<char>(length >> 8);
        bytes += static_cast<char>(length & 0xFF);
        bytes += comment;
        bytes += jpeg.mid(2);
        const QString path = QStringLiteral("%1/IMG_%2.jpg").arg(folder).arg(i, 5, 10, QLatin1Char('0'));
        writeFile(path, bytes);
        paths << path;
    }
    return paths;
}

}  // namespace photosearch::cli::bench
