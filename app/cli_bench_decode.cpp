// photosearch-cli bench --decode FILE...: how long decoding takes, per file, the way indexing decodes it.
#include "cli_commands.h"

#include "image_decoder.h"
#include "native_path.h"
#include "video_decoder.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>
#include <vector>

namespace photosearch::cli {

int benchDecode(const QStringList& files, int repeats, bool json) {
    QTextStream out(stdout);
    QJsonArray rows;
    // align-base's resize size: indexing decodes a JPEG at a reduced scale no smaller, and takes a RAW file's
    // preview when it is at least twice that.
    const cv::Size reduceTo(346, 346);
    for (const QString& file : files) {
        std::vector<double> ms;
        QString what;
        for (int i = 0; i < std::max(1, repeats) + 1; ++i) {  // the first run warms the file cache
            QElapsedTimer t;
            t.start();
            if (VideoDecoder::isVideoName(file)) {
                int frames = 0;
                const VideoInfo info = VideoDecoder::decodeFrames(file, VideoSampling{},
                                                                  [&](double, const cv::Mat&) { ++frames; });
                what = QStringLiteral("video %1x%2 %3, %4 s, %5 frames sampled")
                           .arg(info.width)
                           .arg(info.height)
                           .arg(info.codec)
                           .arg(info.durationS, 0, 'f', 1)
                           .arg(frames);
            } else {
                const DecodedImage image = ImageDecoder::decodeFile(file, true, reduceTo);
                what = QStringLiteral("%1x%2 photo, decoded to %3x%4%5")
                           .arg(image.width)
                           .arg(image.height)
                           .arg(image.rgb.cols)
                           .arg(image.rgb.rows)
                           .arg(image.decodedFrom.isEmpty()
                                    ? QString()
                                    : QStringLiteral(" (") + image.decodedFrom + QLatin1Char(')'));
            }
            if (i > 0) ms.push_back(t.nsecsElapsed() / 1e6);
        }
        std::sort(ms.begin(), ms.end());
        const double median = ms[ms.size() / 2];
        rows.append(QJsonObject{{QStringLiteral("file"), native_path::display(file)},
                                {QStringLiteral("what"), what},
                                {QStringLiteral("median_ms"), median},
                                {QStringLiteral("min_ms"), ms.front()},
                                {QStringLiteral("max_ms"), ms.back()}});
        if (!json)
            out << QFileInfo(file).fileName() << ": " << what << ": " << QString::number(median, 'f', 1)
                << " ms median (" << QString::number(ms.front(), 'f', 1) << "-"
                << QString::number(ms.back(), 'f', 1) << ", " << ms.size() << " runs, one thread)\n";
    }
    if (json) out << QJsonDocument(QJsonObject{{QStringLiteral("decode"), rows}}).toJson();
    return Ok;
}

}  // namespace photosearch::cli
