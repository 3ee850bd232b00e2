// Indexing a library as the command line and the window do (incremental runs, moves and copies, broken
// files, GIF, the vector cache, another model, offline folders, pause and cancel, a second writer): real
// photo files in temporary folders, a real SQLite catalog, a real FAISS index, the tiny fixture model.
#include "align_embedder.h"
#include "align_error.h"
#include "image_decoder.h"
#include "library_writer.h"
#include "photo_library.h"
#include "qt_image_fallback.h"
#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

using namespace photosearch;

namespace {

QString model() { return test::dataPath("align-tiny/model"); }

using test::makePhotos;

}  // namespace

class TestPhotoLibrary : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;

    QString path(const QString& relative) const { return tmp_->filePath(relative); }
    std::unique_ptr<PhotoLibrary> open(bool writable = true, const QString& modelDir = model()) {
        return PhotoLibrary::open(
            {path(QStringLiteral("library")), modelDir, QStringLiteral("cpu"), 2, writable, {}});
    }

  private slots:
    // As both programs' main() does, once per process: GIF through Qt's plug-in (OpenCV 4.6 reads none).
    void initTestCase() { installQtImageFallback(); }
    void init() { tmp_ = std::make_unique<QTemporaryDir>(); }

    // Search ranks exactly as the cosine of `embed`'s outputs ranks.
    void incrementalReindex() {
        const QString dir = path(QStringLiteral("photos"));
        QStringList photos = makePhotos(dir);
        auto lib = open();
        lib->addFolder(dir);
        QCOMPARE(lib->index().indexed, int64_t(photos.size()));

        IndexReport r = lib->index();  // nothing changed
        QCOMPARE(r.indexed, int64_t(0));
        QCOMPARE(r.unchanged, int64_t(photos.size()));

        // Added: only the new photo is embedded.
        cv::Mat noise(120, 160, CV_8UC3);
        cv::randu(noise, 0, 255);
        cv::imwrite((dir + QStringLiteral("/NOISE.JPG")).toStdString(), noise);
        r = lib->index();
        QCOMPARE(r.indexed, int64_t(1));
        QCOMPARE(r.total, int64_t(photos.size() + 1));

        // Deleted: forgotten.
        QVERIFY(QFile::remove(photos[0]));
        r = lib->index();
        QCOMPARE(r.removed, int64_t(1));
        QCOMPARE(r.indexed, int64_t(0));
        QVERIFY(!lib->catalog().photoByPath(photos[0]));

        // Modified in place: embedded again, same row.
        const int64_t id = lib->catalog().photoByPath(photos[1])->id;
        const auto before = *lib->catalog().vector(id);
        QVERIFY(QFile::remove(photos[1]));
        QVERIFY(QFile::copy(photos[2], photos[1]));
        QFile f(photos[1]);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.setFileTime(QDateTime::currentDateTime().addSecs(60), QFileDevice::FileModificationTime));
        f.close();
        r = lib->index();
        QCOMPARE(r.indexed + r.copies, int64_t(1));
        QCOMPARE(lib->catalog().photoByPath(photos[1])->id, id);
        QVERIFY(*lib->catalog().vector(id) != before);

        // Moved (renamed into a sub-folder): same row, vector and tags; nothing embedded.
        lib->tag(dir, {QStringLiteral("cat"), QStringLiteral("rocket")});
        const auto moving = *lib->catalog().photoByPath(photos[3]);
        const auto movingTags = lib->catalog().tags(moving.id);
        QCOMPARE(movingTags.size(), size_t(1));
        QVERIFY(QDir().mkpath(dir + QStringLiteral("/2024/summer")));
        const QString moved = dir + QStringLiteral("/2024/summer/renamed.jpg");
        QVERIFY(QFile::rename(photos[3], moved));
        r = lib->index();
        QCOMPARE(r.moved, int64_t(1));
        QCOMPARE(r.indexed, int64_t(0));
        QCOMPARE(r.removed, int64_t(0));
        const auto after = lib->catalog().photoByPath(moved);
        QVERIFY(after);
        QCOMPARE(after->id, moving.id);
        QCOMPARE(lib->catalog().tags(after->id).front().tag, movingTags.front().tag);

        // A byte-identical copy reuses the vector instead of embedding.
        QVERIFY(QFile::copy(photos[4], dir + QStringLiteral("/copy of photo.png")));
        r = lib->index();
        QCOMPARE(r.copies, int64_t(1));
        QCOMPARE(r.indexed, int64_t(0));
        const auto copy = lib->catalog().photoByPath(dir + QStringLiteral("/copy of photo.png"));
        QCOMPARE(*lib->catalog().vector(copy->id),
                 *lib->catalog().vector(lib->catalog().photoByPath(photos[4])->id));

        // Searches agree with the catalog: no stale or duplicate vectors.
        QCOMPARE(lib->vectors()->size(), lib->catalog().vectorCount());
        QCOMPARE(lib->catalog().db().scalar("SELECT count(*) FROM photos"), lib->catalog().vectorCount());
    }

    void skipsHiddenFoldersTheLibraryAndNonPhotos() {
        const QString dir = path(QStringLiteral("photos"));
        makePhotos(dir + QStringLiteral("/visible"));
        makePhotos(dir + QStringLiteral("/.hidden"));
        test::writeFile(dir + QStringLiteral("/notes.txt"), "not a photo");
        test::writeFile(dir + QStringLiteral("/visible/.secret.jpg"), "hidden file");
        QVERIFY(QFile::link(dir, dir + QStringLiteral("/visible/loop")));  // a symlink loop
        auto lib = PhotoLibrary::open(
            {dir + QStringLiteral("/library"), model(), QStringLiteral("cpu"), 2, true, {}});
        lib->addFolder(dir);
        const IndexReport r = lib->index();
        QCOMPARE(r.total, int64_t(12));
        QVERIFY(r.failed.empty());
        for (const PhotoRecord& p : lib->catalog().photos()) {
            QVERIFY2(!p.path.contains(QStringLiteral("/.")), qPrintable(p.path));
            QVERIFY2(!p.path.contains(QStringLiteral("/loop/")), qPrintable(p.path));
        }
    }

    // OpenCV 4.6 reads no GIF; the library reads its first frame through Qt. This 2x1 GIF89a holds one
    // red and one blue pixel (colour table: red, blue).
    void gifPhotosAreIndexed() {
        const QString dir = path(QStringLiteral("photos"));
        makePhotos(dir);
        const QByteArray gif = QByteArray::fromHex(
            "474946383961"
            "0200"
            "0100"
            "80"
            "00"
            "00"  // GIF89a, 2x1, a global table of 2 colours
            "ff0000"
            "0000ff"  // red, blue
            "2c"
            "00000000"
            "0200"
            "0100"
            "00"  // image descriptor
            "02"
            "02"
            "440a"
            "00"  // LZW: clear, 0, 1, end in 3-bit codes
            "3b");
        test::writeFile(dir + QStringLiteral("/Animated.GIF"), gif);
        auto lib = open();
        lib->addFolder(dir);
        const IndexReport r = lib->index();
        QVERIFY2(r.failed.empty(), r.failed.empty() ? "" : qPrintable(r.failed.front().second));
        QCOMPARE(r.indexed, int64_t(13));
        const auto rec = lib->catalog().photoByPath(dir + QStringLiteral("/Animated.GIF"));
        QCOMPARE(rec->width, 2);
        QCOMPARE(rec->height, 1);
        const DecodedImage d = ImageDecoder::decodeFile(dir + QStringLiteral("/Animated.GIF"));
        QCOMPARE(d.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 0, 0));
        QCOMPARE(d.rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(0, 0, 255));
    }

    void brokenFilesAreRecordedNotFatal() {
        const QString dir = path(QStringLiteral("photos"));
        makePhotos(dir);
        test::writeFile(dir + QStringLiteral("/truncated.jpg"),
                        test::readFile(dir + QStringLiteral("/rocket.jpg")).left(200));
        test::writeFile(dir + QStringLiteral("/empty.png"), {});
        auto lib = open();
        lib->addFolder(dir);
        const IndexReport r = lib->index();
        QCOMPARE(r.indexed, int64_t(12));
        QCOMPARE(r.failed.size(), size_t(2));
        const auto empty = lib->catalog().photoByPath(dir + QStringLiteral("/empty.png"));
        QVERIFY(empty->status == PhotoStatus::Failed);
        QVERIFY(empty->error.contains(QStringLiteral("empty")));
        QCOMPARE(lib->index().failed.size(), size_t(0));  // not retried until the file changes
    }

    // The FAISS cache is only a cache: deleted, garbage or truncated, it is rebuilt from the catalog. So is
    // one FAISS would read without complaint but that does not hold this library's vectors: damaged in the
    // middle, copied from another library of the same size, or declaring 2^40 vectors. Each of those would
    // give wrong rankings (or allocate terabytes); the checksum and size bound recorded in the catalog catch
    // them.
    void vectorCacheMissingOrWrongIsRebuilt_data() {
        QTest::addColumn<QString>("how");
        QTest::newRow("deleted") << "deleted";
        QTest::newRow("garbage") << "garbage";
        QTest::newRow("truncated") << "truncated";
        QTest::newRow("damaged in the middle") << "middle";
        QTest::newRow("another library's") << "foreign";
        QTest::newRow("declares 2^40 vectors") << "forged";
    }
    void vectorCacheMissingOrWrongIsRebuilt() {
        QFETCH(QString, how);
        makePhotos(path(QStringLiteral("photos")));
        SearchOptions o;
        o.limit = 100;
        std::vector<SearchResult> before;
        {
            auto lib = open();
            lib->addFolder(path(QStringLiteral("photos")));
            lib->index();
            before = lib->search(QStringLiteral("a rocket launch"), o);
        }
        const QString faiss = path(QStringLiteral("library/vectors.faiss"));
        QByteArray bytes = test::readFile(faiss);
        QVERIFY(bytes.startsWith("IxM2"));
        if (how == QLatin1String("deleted")) {
            bytes.clear();
        } else if (how == QLatin1String("garbage")) {
            bytes = "this is not a FAISS index at all";
        } else if (how == QLatin1String("truncated")) {
            bytes = "IxM2";
        } else if (how == QLatin1String("middle")) {
            for (int i = 0; i < 16; ++i)
                bytes[bytes.size() / 2 + i] = static_cast<char>(bytes[bytes.size() / 2 + i] ^ 0x5a);
        } else if (how == QLatin1String("foreign")) {
            test::makePhotos(path(QStringLiteral("other")), 1);
            auto other = PhotoLibrary::open(
                {path(QStringLiteral("other-library")), model(), QStringLiteral("cpu"), 2, true, {}});
            other->addFolder(path(QStringLiteral("other")));
            other->index();
            const QByteArray theirs = test::readFile(path(QStringLiteral("other-library/vectors.faiss")));
            QCOMPARE(theirs.size(), bytes.size());
            QVERIFY(theirs != bytes);
            bytes = theirs;
        } else {
            // IndexIDMap2's header: "IxM2", d (int32), then ntotal (int64).
            const qint64 huge = qint64(1) << 40;
            std::memcpy(bytes.data() + 8, &huge, sizeof huge);
        }
        QFile::remove(faiss);
        if (!bytes.isEmpty()) test::writeFile(faiss, bytes);
        auto lib = open(false);
        const auto after = lib->search(QStringLiteral("a rocket launch"), o);
        QCOMPARE(after.size(), before.size());
        for (size_t i = 0; i < after.size(); ++i) {
            QCOMPARE(after[i].path, before[i].path);
            QCOMPARE(after[i].score, before[i].score);
        }
        QCOMPARE(lib->vectors()->size(), lib->catalog().vectorCount());
    }

    void anotherModelIsRefusedThenReindexed() {
        makePhotos(path(QStringLiteral("photos")));
        {
            auto lib = open();
            lib->addFolder(path(QStringLiteral("photos")));
            lib->index();
        }
        // Same architecture, different weights: the temperature changed.
        const QString other = path(QStringLiteral("other-model"));
        test::copyFolder(model(), other);
        QByteArray config = test::readFile(other + QStringLiteral("/config.json"));
        test::writeFile(other + QStringLiteral("/config.json"),
                        config.replace("\"projection_dim\": 80",
                                       "\"projection_dim\": 80, \"temperature_init_value\": 0.5"));
        auto lib = open(true, other);
        try {
            lib->search(QStringLiteral("a cat"), {});
            QFAIL("searching with another model must fail");
        } catch (const AlignError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("indexed with another model")),
                     e.what());
            QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("--reindex")));
        }
        QVERIFY_THROWS_EXCEPTION(AlignError, lib->index());
        lib->resetVectors();
        const IndexReport r = lib->index();
        QCOMPARE(r.indexed, int64_t(12));
        QCOMPARE(lib->search(QStringLiteral("a cat"), {}).size(), size_t(12));
    }

    // "not" pushes a concept away: the score becomes cos(q) - w * cos(not).
    void offlineFolderKeepsItsPhotos() {
        const QString dir = path(QStringLiteral("drive/photos"));
        makePhotos(dir);
        auto lib = open();
        lib->addFolder(dir);
        lib->index();
        QVERIFY(QDir().rename(path(QStringLiteral("drive")), path(QStringLiteral("unplugged"))));
        IndexReport r = lib->index();
        QCOMPARE(r.offline, int64_t(12));
        QCOMPARE(r.removed, int64_t(0));
        QCOMPARE(lib->status().offline, int64_t(12));
        QVERIFY(QDir().rename(path(QStringLiteral("unplugged")), path(QStringLiteral("drive"))));
        r = lib->index();
        QCOMPARE(r.unchanged, int64_t(12));
        QCOMPARE(lib->status().offline, int64_t(0));
        QCOMPARE(lib->status().indexed, int64_t(12));
    }

    // The drive is unplugged while its photos are being indexed: what was embedded stays, what was not
    // is not marked failed (it would never be retried), and everything comes back with the drive.
    void folderVanishingMidIndexLosesNothing() {
        // 36 photos: when the first batch of 4 is written, the decoding workers have read at most 12 more
        // into the queue (3 batches) and one each besides, so the drive goes while some are still to be read
        // on machines of up to 20 cores.
        const QString dir = path(QStringLiteral("drive/photos"));
        for (int v = 0; v < 3; ++v) makePhotos(dir + QStringLiteral("/%1").arg(v), v);
        auto lib = open();
        lib->addFolder(dir);
        bool unplugged = false;
        IndexCallbacks callbacks;
        callbacks.progress = [&](const IndexProgress& p) {
            if (!unplugged && p.done >= 3)
                unplugged = QDir().rename(path(QStringLiteral("drive")), path(QStringLiteral("unplugged")));
        };
        IndexReport r = lib->index(callbacks);
        QVERIFY(unplugged);
        QVERIFY2(r.indexed >= 3 && r.indexed < 36,
                 qPrintable(QString::number(r.indexed)));  // a worker may have read ahead
        QCOMPARE(r.failed.size(), size_t(0));
        QCOMPARE(r.indexed + r.offline, int64_t(36));
        const int64_t embedded = r.indexed;
        r = lib->index();  // still unplugged: offline, nothing removed
        QCOMPARE(r.removed, int64_t(0));
        QCOMPARE(lib->status().offline, embedded);
        QVERIFY(QDir().rename(path(QStringLiteral("unplugged")), path(QStringLiteral("drive"))));
        r = lib->index();
        QCOMPARE(r.unchanged, embedded);
        QCOMPARE(r.indexed, 36 - embedded);
        QCOMPARE(r.failed.size(), size_t(0));
        QCOMPARE(lib->status().indexed, int64_t(36));
        QCOMPARE(lib->status().offline, int64_t(0));
    }

    // The tiny random model maps all photos within 1e-5 of each other, so grouping is checked on
    // vectors we choose, stored through the real catalog and FAISS: cos(a, a2) = 1/sqrt(1.01) ~ 0.995,
    // cos(b, b2) = 1/sqrt(1.25) ~ 0.894, every other pair 0.
    // Cancel takes effect within one batch and keeps what was committed; pause holds the run.
    void pauseAndCancelWithinOneBatch() {
        const QString dir = path(QStringLiteral("photos"));
        for (int i = 0; i < 4; ++i)
            makePhotos(dir + QStringLiteral("/set%1").arg(i), i + 1);  // 48 photos, several batches
        auto lib = open();
        lib->addFolder(dir);
        IndexControl control;
        std::vector<int64_t> doneAtProgress;
        std::atomic<int64_t> vectorsWhilePaused{-1};
        std::thread releaser;
        IndexCallbacks callbacks;
        callbacks.progress = [&](const IndexProgress& p) {
            doneAtProgress.push_back(p.done);
            QVERIFY(p.total == 48);
            QVERIFY(p.photosPerSecond > 0);
            if (doneAtProgress.size() == 1) {
                control.setPaused(true);
                // Released from another thread after a moment; nothing may be embedded meanwhile.
                releaser = std::thread([&] {
                    QThread::msleep(400);
                    PhotoCatalog reader(path(QStringLiteral("library/catalog.sqlite")));
                    vectorsWhilePaused = reader.vectorCount();
                    control.setPaused(false);
                });
            }
            if (doneAtProgress.size() == 2) control.cancel();
        };
        const IndexReport r = lib->index(callbacks, &control);
        releaser.join();
        QCOMPARE(vectorsWhilePaused.load(), doneAtProgress.front());
        QVERIFY(r.cancelled);
        QCOMPARE(doneAtProgress.size(), size_t(2));
        QCOMPARE(r.indexed, doneAtProgress.back());
        QVERIFY(r.indexed < 48);
        QCOMPARE(lib->catalog().vectorCount(), r.indexed);
        // The next run picks up the rest.
        const IndexReport rest = lib->index();
        QCOMPARE(rest.indexed, 48 - r.indexed);
        QCOMPARE(rest.total, int64_t(48));
    }

    // A pause holds the run from its start, hashing included: the broken link's failure is found only once
    // the run is resumed (before, the whole first chunk was hashed and settled while paused). The progress
    // for files settled without embedding names the last of them, as the status line shows it.
    void pauseHoldsTheHashingAndSettledFilesAreNamed() {
        const QString dir = path(QStringLiteral("held"));
        makePhotos(dir, 1);  // 12 photos
        QVERIFY(QFile::link(path(QStringLiteral("nowhere.jpg")), dir + QStringLiteral("/zz-broken.jpg")));
        auto lib = open();
        lib->addFolder(dir);
        IndexControl control;
        control.setPaused(true);
        std::atomic<int> failures{0}, failuresWhilePaused{-1};
        std::vector<QString> paths;
        IndexCallbacks callbacks;
        callbacks.fileFailed = [&](const QString&, const QString&) { ++failures; };
        callbacks.progress = [&](const IndexProgress& p) { paths.push_back(p.currentPath); };
        std::thread releaser([&] {
            QThread::msleep(400);
            failuresWhilePaused = failures.load();
            control.setPaused(false);
        });
        const IndexReport r = lib->index(callbacks, &control);
        releaser.join();
        QCOMPARE(failuresWhilePaused.load(), 0);
        QCOMPARE(failures.load(), 1);
        QCOMPARE(r.indexed, int64_t(12));
        // The settled link, then each embedded batch, named by its last photo.
        const auto batch = static_cast<size_t>(lib->embedder().preferredBatch());
        QCOMPARE(paths.size(), 1 + (12 + batch - 1) / batch);
        QVERIFY2(paths.front().endsWith(QStringLiteral("zz-broken.jpg")), qPrintable(paths.front()));
        for (size_t i = 1; i < paths.size(); ++i)
            QVERIFY2(paths[i].startsWith(dir) && !paths[i].contains(QStringLiteral("zz-")),
                     qPrintable(paths[i]));
    }

    void secondWriterIsRefused() {
        auto first = open(true);
        try {
            open(true);
            QFAIL("a second writer must be refused");
        } catch (const AlignError& e) {
            QVERIFY2(
                QString::fromUtf8(e.what()).contains(QStringLiteral("being changed by another PhotoSearch")),
                e.what());
        }
        open(false);  // readers are welcome
        first.reset();
        open(true);  // and the lock is released with the writer
    }
};

QTEST_GUILESS_MAIN(TestPhotoLibrary)
#include "tst_photo_library.moc"
