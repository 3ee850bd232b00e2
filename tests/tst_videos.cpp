// Videos through FFmpeg's libraries. The reference user would take a frame with the ffmpeg command-line tool
// (ffmpeg -ss T -i video -frames:v 1 frame.png) and hand the PNG to AlignProcessor: our frames are compared
// with exactly that, pixel for pixel. Test videos are made here with ffmpeg's lavfi test sources.
#include "align_error.h"
#include "image_view.h"
#include "library_search.h"
#include "photo_library.h"
#include "photo_scanner.h"
#include "photo_viewer.h"
#include "results_model.h"
#include "testutils.h"
#include "video_decoder.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace photosearch;

namespace {

QString model() { return test::dataPath("align-tiny/model"); }

// Runs the ffmpeg tool; fails the test with its output when it fails.
bool ffmpeg(const QStringList& arguments) {
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
    if (tool.isEmpty()) {
        qWarning("ffmpeg is not installed: run scripts/deps.sh (Debian package ffmpeg)");
        return false;
    }
    QProcess p;
    p.start(tool, QStringList{QStringLiteral("-nostdin"), QStringLiteral("-loglevel"),
                              QStringLiteral("error"), QStringLiteral("-y")} +
                      arguments);
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
        qWarning("ffmpeg %s failed: %s", qPrintable(arguments.join(QLatin1Char(' '))),
                 p.readAllStandardError().constData());
        return false;
    }
    return true;
}

// A 6-second 320 x 240 clip at 10 frames/s (testsrc2: moving shapes and a frame counter), a key frame every
// second, so a frame at 3 s is reached by seeking and decoding forward.
bool makeClip(const QString& out, const QStringList& codec, double seconds = 6,
              const QString& source = QStringLiteral("testsrc2")) {
    return ffmpeg(
        QStringList{QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                    QStringLiteral("%1=size=320x240:rate=10:duration=%2").arg(source).arg(seconds)} +
        codec + QStringList{out});
}

const QStringList kH264{QStringLiteral("-c:v"),    QStringLiteral("libx264"), QStringLiteral("-pix_fmt"),
                        QStringLiteral("yuv420p"), QStringLiteral("-g"),      QStringLiteral("10")};

// The frame the ffmpeg tool writes for -ss `t`, as RGB.
cv::Mat toolFrame(const QString& video, double t, const QString& png) {
    if (!ffmpeg({QStringLiteral("-ss"), QString::number(t), QStringLiteral("-i"), video,
                 QStringLiteral("-frames:v"), QStringLiteral("1"), png}))
        return {};
    cv::Mat bgr = cv::imread(png.toStdString(), cv::IMREAD_COLOR), rgb;
    if (bgr.empty()) return {};
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

}  // namespace

class TestVideos : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString path(const QString& name) const { return tmp_.filePath(name); }

  private slots:
    void initTestCase() {
        QVERIFY(makeClip(path(QStringLiteral("clip.mp4")), kH264));
        // A phone held sideways: the same frames with a display matrix saying "turn 90 degrees
        // counterclockwise" (ffmpeg 5.1's rotate=90 tag; ffprobe reports rotation=90).
        QVERIFY(ffmpeg({QStringLiteral("-i"), path(QStringLiteral("clip.mp4")), QStringLiteral("-c"),
                        QStringLiteral("copy"), QStringLiteral("-metadata:s:v:0"),
                        QStringLiteral("rotate=90"), path(QStringLiteral("upright.mov"))}));
    }

    // The sampling rule: one frame every 2 s at the middle of each interval, at most 24, the first frame of a
    // clip shorter than that; a long video evenly covered.
    void samplingRule() {
        const VideoSampling s;
        QCOMPARE(VideoDecoder::sampleTimes(6.0, s), (std::vector<double>{1.0, 3.0, 5.0}));
        QCOMPARE(VideoDecoder::sampleTimes(1.5, s), std::vector<double>{0.0});
        QCOMPARE(VideoDecoder::sampleTimes(0.0, s), std::vector<double>{0.0});  // duration unknown
        const std::vector<double> hour = VideoDecoder::sampleTimes(3600.0, s);
        QCOMPARE(hour.size(), size_t(24));
        QCOMPARE(hour.front(), 75.0);  // 3600 / 24 = 150 s apart, each at the middle of its stretch
        QCOMPARE(hour.back(), 3525.0);
    }

    // Each sampled frame equals, pixel for pixel, the PNG the ffmpeg tool extracts at that time: H.264 in
    // MP4, VP9 in WebM, MPEG-4 Part 2 in AVI.
    void framesEqualTheToolsPngs_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("codec");
        QTest::newRow("h264.mp4") << QStringLiteral("h264.mp4") << kH264;
        QTest::newRow("vp9.webm") << QStringLiteral("vp9.webm")
                                  << QStringList{QStringLiteral("-c:v"),      QStringLiteral("libvpx-vp9"),
                                                 QStringLiteral("-g"),        QStringLiteral("10"),
                                                 QStringLiteral("-deadline"), QStringLiteral("realtime")};
        QTest::newRow("mpeg4.avi") << QStringLiteral("mpeg4.avi")
                                   << QStringList{QStringLiteral("-c:v"), QStringLiteral("mpeg4"),
                                                  QStringLiteral("-g"), QStringLiteral("10")};
    }
    void framesEqualTheToolsPngs() {
        QFETCH(QString, file);
        QFETCH(QStringList, codec);
        const QString video = path(file);
        QVERIFY(makeClip(video, codec));
        std::vector<std::pair<double, cv::Mat>> frames;
        const VideoInfo info = VideoDecoder::decodeFrames(
            video, VideoSampling{},
            [&](double t, const cv::Mat& rgb) { frames.emplace_back(t, rgb.clone()); });
        QCOMPARE(info.width, 320);
        QCOMPARE(info.height, 240);
        QCOMPARE(frames.size(), size_t(3));
        const double expected[] = {1.0, 3.0, 5.0};
        for (size_t i = 0; i < frames.size(); ++i) {
            QCOMPARE(frames[i].first, expected[i]);
            const cv::Mat reference = toolFrame(video, expected[i], path(file + QStringLiteral(".png")));
            QVERIFY(!reference.empty());
            QCOMPARE(test::maxAbsDiff(frames[i].second, reference), 0);
        }
    }

    // A phone video's rotation is applied as the ffmpeg tool's autorotate applies it.
    void rotationIsApplied() {
        const QString video = path(QStringLiteral("upright.mov"));
        const VideoInfo info = VideoDecoder::probe(video);
        QCOMPARE(info.rotation,
                 270);  // clockwise, to show it upright: the matrix turns it 90 counterclockwise
        QCOMPARE(info.width, 240);
        QCOMPARE(info.height, 320);
        double t = 0;
        const cv::Mat frame = VideoDecoder::frameAt(video, 3.0, &t);
        QCOMPARE(t, 3.0);
        QCOMPARE(frame.size(), cv::Size(240, 320));
        QCOMPARE(test::maxAbsDiff(frame, toolFrame(video, 3.0, path(QStringLiteral("upright.png")))), 0);
        cv::Mat turned;
        cv::rotate(VideoDecoder::frameAt(path(QStringLiteral("clip.mp4")), 3.0), turned,
                   cv::ROTATE_90_COUNTERCLOCKWISE);
        QCOMPARE(test::maxAbsDiff(frame, turned), 0);
    }

    // A file that takes longer than its budget fails with a reason instead of holding the indexer.
    void aTimeBudgetBoundsEachFile() {
        VideoSampling s;
        s.budgetS = 0;
        try {
            VideoDecoder::decodeFrames(path(QStringLiteral("clip.mp4")), s, [](double, const cv::Mat&) {});
            QFAIL("decoded without any time");
        } catch (const AlignError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("time budget")), e.what());
        }
    }

    // Indexed as one item per video, searchable at its moments: the PNG of the frame at 3 s finds the video
    // first, at 3 s (its vector is that frame's own: same pixels, same embedding), and the video comes once.
    // A Live Photo (a JPEG with a MOV of the same name) is one item, the still. Broken files fail one by one.
    // A changed video's frames replace the old ones; a deleted video leaves no frame behind.
    void indexSearchAndReindex() {
        const QString dir = path(QStringLiteral("phone"));
        QDir().mkpath(dir);
        QVERIFY(QFile::copy(path(QStringLiteral("clip.mp4")), dir + QStringLiteral("/VID_0001.mp4")));
        QVERIFY(QFile::copy(path(QStringLiteral("upright.mov")), dir + QStringLiteral("/VID_0002.MOV")));
        const QStringList photos = test::makePhotos(dir);
        const QString still = dir + QStringLiteral("/IMG_0005.JPG");
        QVERIFY(QFile::copy(photos.first(), still));
        QVERIFY(QFile::copy(path(QStringLiteral("clip.mp4")), dir + QStringLiteral("/IMG_0005.MOV")));
        const QByteArray clip = test::readFile(path(QStringLiteral("clip.mp4")));
        test::writeFile(dir + QStringLiteral("/cut.mp4"), clip.left(clip.size() / 4));
        test::writeFile(dir + QStringLiteral("/empty.mkv"), {});
        test::writeFile(dir + QStringLiteral("/notes.avi"), "not a video\n");
        test::writeFile(dir + QStringLiteral("/photo.webm"), test::readFile(photos.first()));
        const cv::Mat at3 = toolFrame(path(QStringLiteral("clip.mp4")), 3.0, path(QStringLiteral("at3.png")));
        QVERIFY(cv::imwrite(path(QStringLiteral("at3.png")).toStdString(), [&] {
            cv::Mat bgr;
            cv::cvtColor(at3, bgr, cv::COLOR_RGB2BGR);
            return bgr;
        }()));

        const LibraryOptions options{
            path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 2, true, {}};
        auto lib = PhotoLibrary::open(options);
        lib->addFolder(dir);
        IndexReport r = lib->index();
        QStringList failed;
        for (const auto& [file, error] : r.failed) {
            QVERIFY2(!error.isEmpty(), qPrintable(file));
            failed << QFileInfo(file).fileName();
        }
        failed.sort();
        QCOMPARE(failed, (QStringList{QStringLiteral("cut.mp4"), QStringLiteral("empty.mkv"),
                                      QStringLiteral("notes.avi"), QStringLiteral("photo.webm")}));
        QVERIFY(lib->catalog().photoByPath(still));
        QVERIFY(
            !lib->catalog().photoByPath(dir + QStringLiteral("/IMG_0005.MOV")));  // the Live Photo's video
        QCOMPARE(livePhotoVideo(still), dir + QStringLiteral("/IMG_0005.MOV"));
        const auto video = lib->catalog().photoByPath(dir + QStringLiteral("/VID_0001.mp4"));
        QVERIFY(video);
        QVERIFY(video->isVideo());
        QCOMPARE(video->width, 320);
        const auto upright = lib->catalog().photoByPath(dir + QStringLiteral("/VID_0002.MOV"));
        QVERIFY(upright);
        QCOMPARE(upright->width, 240);                                         // as shown
        QCOMPARE(lib->catalog().frameVectorIds(video->id).size(), size_t(2));  // frames at 3 s and 5 s
        QCOMPARE(lib->catalog().frameTimes()[video->id], (std::vector<int64_t>{1000, 3000, 5000}));
        QCOMPARE(lib->ensureVectors()->size(), lib->catalog().vectorCount());

        SearchOptions o;
        o.limit = 50;
        std::vector<SearchResult> found = lib->similar(path(QStringLiteral("at3.png")), o);
        QVERIFY(!found.empty());
        QCOMPARE(found.front().path, dir + QStringLiteral("/VID_0001.mp4"));
        QCOMPARE(found.front().timeS, 3.0);
        QVERIFY2(found.front().score > 0.9999f, qPrintable(QString::number(found.front().score)));
        QStringList paths;
        for (const SearchResult& s : found) {
            QVERIFY2(!paths.contains(s.path), qPrintable(s.path));  // each video once
            paths << s.path;
            QCOMPARE(s.isVideo(),
                     s.path.endsWith(QLatin1String(".mp4")) || s.path.endsWith(QLatin1String(".MOV")));
        }
        QCOMPARE(paths.size(), 15);  // 12 photos, the still, two videos

        // The same through photosearch-cli: the video's "time_s" is its moment; photos have none.
        lib.reset();
        QProcess cli;
        cli.start(QStringLiteral(PHOTOSEARCH_CLI),
                  {QStringLiteral("similar"), path(QStringLiteral("at3.png")), QStringLiteral("--json"),
                   QStringLiteral("--limit"), QStringLiteral("50"), QStringLiteral("--library"),
                   options.libraryDir, QStringLiteral("--model"), model()});
        QVERIFY(cli.waitForFinished(300000));
        QCOMPARE(cli.exitCode(), 0);
        const QJsonArray rows = QJsonDocument::fromJson(cli.readAllStandardOutput())
                                    .object()
                                    .value(QStringLiteral("results"))
                                    .toArray();
        QCOMPARE(rows.size(), 15);
        const QJsonObject best = rows.first().toObject();
        QCOMPARE(best.value(QStringLiteral("path")).toString(), dir + QStringLiteral("/VID_0001.mp4"));
        QCOMPARE(best.value(QStringLiteral("time_s")).toDouble(-1), 3.0);
        for (const QJsonValue& row : rows) {
            const QString p = row.toObject().value(QStringLiteral("path")).toString();
            QCOMPARE(row.toObject().contains(QStringLiteral("time_s")), p.contains(QLatin1String("VID_")));
        }
        lib = PhotoLibrary::open(options);

        // Unchanged on a second run; a changed video (now 3 s long) has its frames replaced.
        r = lib->index();
        QCOMPARE(r.indexed, int64_t(0));
        QVERIFY(makeClip(path(QStringLiteral("short.mp4")), kH264, 3, QStringLiteral("testsrc")));
        QFile::remove(dir + QStringLiteral("/VID_0001.mp4"));
        QVERIFY(QFile::copy(path(QStringLiteral("short.mp4")), dir + QStringLiteral("/VID_0001.mp4")));
        r = lib->index();
        QCOMPARE(r.indexed, int64_t(1));
        QCOMPARE(lib->catalog().frameTimes()[video->id], (std::vector<int64_t>{1000}));
        QCOMPARE(lib->ensureVectors()->size(), lib->catalog().vectorCount());
        found = lib->similar(path(QStringLiteral("at3.png")), o);
        QVERIFY(found.front().path != dir + QStringLiteral("/VID_0001.mp4") || found.front().score < 0.9999f);

        QVERIFY(QFile::remove(dir + QStringLiteral("/VID_0002.MOV")));
        r = lib->index();
        QCOMPARE(r.removed, int64_t(1));
        QCOMPARE(lib->ensureVectors()->size(), lib->catalog().vectorCount());
        QCOMPARE(lib->catalog().vectorCount(), int64_t(14));  // 12 photos, the still, one frame of the video
    }

    // The viewer shows a video at the moment it matched, and offers to play it from there; a Live Photo's
    // still offers its video.
    void viewerShowsTheMoment() {
        const QString video = path(QStringLiteral("upright.mov"));
        const QString still = path(QStringLiteral("LIVE_0001.jpg"));
        test::writeFile(
            still, test::plainJpeg(test::readRgb(QStringLiteral("align-tiny/expected/images/chelsea.png"))));
        QVERIFY(QFile::copy(path(QStringLiteral("clip.mp4")), path(QStringLiteral("LIVE_0001.mov"))));
        ViewerContent content;
        content.hits = {SearchHit{video, 0.3f, 0, 3.0}, SearchHit{still, 0.2f, 0, -1}};
        content.ranked = true;
        PhotoViewer viewer(content, 0, nullptr);
        viewer.resize(900, 700);
        viewer.show();
        QTRY_COMPARE(viewer.imageView()->image().size(), QSize(240, 320));
        QAction* play = nullptr;
        for (QAction* a : viewer.findChild<QToolBar*>()->actions())
            if (a->text().startsWith(QLatin1String("Play"))) play = a;
        QVERIFY(play);
        QVERIFY(play->isVisible());
        QCOMPARE(play->text(), QStringLiteral("Play from 0:03"));
        QTRY_VERIFY2(viewer.infoText().contains(QLatin1String("Video (MP4/MOV, h264), 0:06 long")),
                     qPrintable(viewer.infoText()));
        viewer.showPhoto(1);
        QCOMPARE(play->text(), QStringLiteral("Play Live Photo"));
        QVERIFY(play->isVisible());
        QTRY_VERIFY2(viewer.infoText().contains(QLatin1String("JPEG, Live Photo")),
                     qPrintable(viewer.infoText()));
        QVERIFY(QFile::remove(path(QStringLiteral("LIVE_0001.mov"))));  // without its video, a photo
        viewer.showPhoto(0);
        viewer.showPhoto(1);
        QVERIFY(!play->isVisible());
        QTRY_VERIFY2(viewer.infoText().contains(QLatin1String("JPEG")), qPrintable(viewer.infoText()));
        QVERIFY2(!viewer.infoText().contains(QLatin1String("Live Photo")), qPrintable(viewer.infoText()));
    }
};

QTEST_MAIN(TestVideos)
#include "tst_videos.moc"
