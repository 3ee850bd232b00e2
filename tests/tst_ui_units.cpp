// The window's non-widget units on their own, with real files, a real library, the tiny model and the real
// Qt event loop: the thumbnail cache (orientation, reduced size, disk cache, broken files, size changes) and
// the library session (not open yet, read-only beside another writer, indexing reported through signals).
#include "cpu_sharing.h"
#include "library_session.h"
#include "model_dialog.h"
#include "native_path.h"
#include "results_model.h"
#include "shared_thumbnails.h"
#include "testutils.h"
#include "thumbnail_cache.h"

#include <QAbstractItemModelTester>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>

#include <unistd.h>
#include <atomic>
#include <cstdio>

using namespace photosearch;

// The session's signals come from its search and indexing threads, and QSignalSpy records them there at
// once: a spy is polled (QTRY_*) rather than waited on, which would miss a signal sent before the wait.

class TestUiUnits : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;
    QString path(const QString& p) const { return tmp_->filePath(p); }
    QString model() const { return test::dataPath(QStringLiteral("align-tiny/model")); }
    // The thumbnails in the desktop's shared cache of one size ("normal", "large", ...).
    static QStringList sharedFiles(const char* flavor) {
        return QDir(shared_thumbnails::root() + QLatin1Char('/') + QLatin1String(flavor))
            .entryList(QDir::Files);
    }

    // The thumbnail of `file` at the cache's size, waiting for it to be made.
    static QImage thumbnail(ThumbnailCache& cache, const QString& file) {
        QSignalSpy ready(&cache, &ThumbnailCache::ready);
        QImage image = cache.get(file);
        if (!image.isNull()) return image;
        if (!ready.wait(10000)) return {};
        return cache.get(file);
    }

  private slots:
    void init() {
        tmp_ = std::make_unique<QTemporaryDir>();
        qputenv("XDG_CACHE_HOME", path(QStringLiteral("cache")).toUtf8());
    }

    // A landscape JPEG stored sideways (EXIF orientation 6) shows upright, fitted into the size asked.
    void thumbnailIsUprightAndFitted() {
        cv::Mat rgb(200, 400, CV_8UC3, cv::Scalar(200, 30, 30));
        test::writeFile(path(QStringLiteral("sideways.jpg")), test::jpegWithOrientation(rgb, 6));
        ThumbnailCache cache(100);
        const QImage image = thumbnail(cache, path(QStringLiteral("sideways.jpg")));
        QCOMPARE(image.size(), QSize(50, 100));  // 400x200 turned a quarter: 200x400, fitted into 100x100
        QCOMPARE(sharedFiles("normal").size(), 1);
    }

    // The thumbnail is stored where Nautilus, Dolphin and Gwenview look for it (Thumbnail Managing Standard
    // 0.9): named by the MD5 of the URI as GLib spells it (a space escaped, parentheses not), a PNG of the
    // "large" size for a 200-pixel tile, carrying the URI and the file's modification time in seconds,
    // readable by its owner only.
    void thumbnailFollowsTheDesktopStandard() {
        cv::Mat rgb(300, 600, CV_8UC3, cv::Scalar(30, 30, 200));
        const QString file = path(QStringLiteral("a b(1).jpg"));
        test::writeFile(file, test::plainJpeg(rgb));
        const QByteArray uri =
            "file://" + QFile::encodeName(tmp_->path()).toPercentEncoding("/") + "/a%20b(1).jpg";
        QCOMPARE(shared_thumbnails::uri(file), uri);
        ThumbnailCache cache(200);
        QCOMPARE(thumbnail(cache, file).size(), QSize(200, 100));
        const QString name =
            QString::fromLatin1(QCryptographicHash::hash(uri, QCryptographicHash::Md5).toHex());
        QCOMPARE(sharedFiles("large"), QStringList{name + QStringLiteral(".png")});
        const QString stored =
            shared_thumbnails::root() + QStringLiteral("/large/") + name + QStringLiteral(".png");
        QCOMPARE(QImageReader(stored).format(), QByteArray("png"));
        const QImage png(stored);
        QCOMPARE(png.text(QStringLiteral("Thumb::URI")).toLatin1(), uri);
        QCOMPARE(png.text(QStringLiteral("Thumb::MTime")),
                 QString::number(QFileInfo(file).lastModified().toSecsSinceEpoch()));
        QCOMPARE(png.size(), QSize(256, 128));  // the "large" flavour: 256 on the longest side
        QCOMPARE(QFile::permissions(stored) & 0x0077, QFileDevice::Permissions());  // nobody else's
    }

    // A thumbnail another program left in the shared cache is used instead of decoding the photo (painted
    // over here, it is what shows), until the photo changes: then it is stale and made again.
    void sharedThumbnailIsUsedUntilThePhotoChanges() {
        cv::Mat rgb(120, 160, CV_8UC3, cv::Scalar(30, 200, 30));
        const QString file = path(QStringLiteral("green.jpg"));
        test::writeFile(file, test::plainJpeg(rgb));
        {
            ThumbnailCache first(64);
            QVERIFY(!thumbnail(first, file).isNull());
        }
        const QString stored = shared_thumbnails::thumbnailPath(file, "normal");
        QImage blue = QImage(stored);
        QVERIFY(!blue.isNull());
        blue.fill(QColor(0, 0, 255));  // keeps its Thumb:: texts
        QVERIFY(blue.save(stored, "PNG"));
        ThumbnailCache::Source source;
        QImage shown = ThumbnailCache::make(file, 64, &source);
        QCOMPARE(int(source), int(ThumbnailCache::Source::SharedCache));
        QVERIFY(qBlue(shown.pixel(10, 10)) > 200 && qGreen(shown.pixel(10, 10)) < 60);

        QFile touched(file);  // the photo edited: a new modification time
        QVERIFY(touched.open(QIODevice::ReadWrite));
        QVERIFY(
            touched.setFileTime(QDateTime::currentDateTime().addSecs(60), QFileDevice::FileModificationTime));
        touched.close();
        shown = ThumbnailCache::make(file, 64, &source);
        QCOMPARE(int(source), int(ThumbnailCache::Source::Decoded));
        QVERIFY(qGreen(shown.pixel(10, 10)) > 150 && qBlue(shown.pixel(10, 10)) < 100);
        QCOMPARE(sharedFiles("normal").size(), 1);  // replaced, not added
    }

    // The camera's own thumbnail inside the EXIF block is used when it is at least the size stored (normal:
    // 128) and shows the whole photo; a letterboxed one (4:3 for a 3:2 photo) or one too small is not.
    void exifThumbnailIsUsedWhenItFits() {
        const QByteArray red = test::plainJpeg(cv::Mat(120, 160, CV_8UC3, cv::Scalar(220, 20, 20)));
        const QString fits = path(QStringLiteral("fits.jpg")), letterboxed = path(QStringLiteral("3x2.jpg"));
        test::writeFile(fits, test::jpegWithExif(cv::Mat(300, 400, CV_8UC3, cv::Scalar(20, 220, 20)),
                                                 {6, "Canon", "EOS 5D", red}));
        test::writeFile(letterboxed, test::jpegWithExif(cv::Mat(300, 450, CV_8UC3, cv::Scalar(20, 220, 20)),
                                                        {1, {}, {}, red}));
        ThumbnailCache::Source source;
        QImage image = ThumbnailCache::make(fits, 100, &source);
        QCOMPARE(int(source), int(ThumbnailCache::Source::ExifThumbnail));
        QCOMPARE(image.size(), QSize(75, 100));  // turned upright like the photo (orientation 6)
        QVERIFY(qRed(image.pixel(30, 50)) > 180 && qGreen(image.pixel(30, 50)) < 80);
        image = ThumbnailCache::make(letterboxed, 100, &source);
        QCOMPARE(int(source), int(ThumbnailCache::Source::Decoded));
        QVERIFY(qGreen(image.pixel(30, 30)) > 180);
        QFile::remove(shared_thumbnails::thumbnailPath(fits, "large"));
        image =
            ThumbnailCache::make(fits, 200, &source);  // "large" (256): the 160-pixel thumbnail is too small
        QCOMPARE(int(source), int(ThumbnailCache::Source::Decoded));
        QVERIFY(qGreen(image.pixel(30, 30)) > 180);
    }

    // A file that cannot be decoded is tried once: asking again (every repaint of its tile does) neither
    // starts another decode nor announces it again, and a later start (a new cache) finds it recorded as
    // failed in the shared cache's fail folder instead of trying again.
    void brokenFileIsTriedOnce() {
        const QString broken = path(QStringLiteral("broken.jpg"));
        test::writeFile(broken,
                        QByteArray("\xff\xd8\xff\xe0") + " not really a JPEG");  // a JPEG's first bytes
        ThumbnailCache cache(64);
        QSignalSpy ready(&cache, &ThumbnailCache::ready);
        QVERIFY(cache.get(broken).isNull());
        QVERIFY(ready.wait(10000));
        for (int i = 0; i < 5; ++i) QVERIFY(cache.get(broken).isNull());
        QTest::qWait(300);
        QCOMPARE(ready.count(), 1);
        QVERIFY(sharedFiles("normal").isEmpty());
        ThumbnailCache::Source source;
        QVERIFY(ThumbnailCache::make(broken, 64, &source).isNull());
        QCOMPARE(int(source), int(ThumbnailCache::Source::Failed));
        QVERIFY(QFile::exists(shared_thumbnails::thumbnailPath(broken, "fail/photosearch")));
    }

    // A photo whose name is not UTF-8 ("caf\xe9.jpg") has its thumbnail like any other.
    void thumbnailOfANameThatIsNotUtf8() {
        cv::Mat rgb(60, 80, CV_8UC3, cv::Scalar(200, 200, 30));
        const QByteArray jpeg = test::jpegWithOrientation(rgb, 1);
        const QByteArray raw = QFile::encodeName(tmp_->path()) + "/caf\xe9.jpg";
        FILE* f = std::fopen(raw.constData(), "wb");
        QVERIFY(f);
        QCOMPARE(std::fwrite(jpeg.constData(), 1, size_t(jpeg.size()), f), size_t(jpeg.size()));
        std::fclose(f);
        ThumbnailCache cache(40);
        const QImage image = thumbnail(cache, native_path::decode(raw));
        ::unlink(raw.constData());
        QCOMPARE(image.size(), QSize(40, 30));
        QCOMPARE(shared_thumbnails::uri(native_path::decode(raw)).right(11), QByteArray("/caf%E9.jpg"));
    }

    // On a HiDPI screen (device pixel ratio 2) a 64-pixel tile gets a 128-pixel thumbnail that says so.
    void thumbnailIsSharpOnHiDpi() {
        cv::Mat rgb(300, 300, CV_8UC3, cv::Scalar(90, 90, 200));
        test::writeFile(path(QStringLiteral("square.jpg")), test::plainJpeg(rgb));
        ThumbnailCache cache(64);
        cache.setDevicePixelRatio(2);
        const QImage image = thumbnail(cache, path(QStringLiteral("square.jpg")));
        QCOMPARE(image.size(), QSize(128, 128));
        QCOMPARE(image.devicePixelRatio(), 2.0);
    }

    // A new size applies at once, without a restart.
    void sizeChangeApplies() {
        cv::Mat rgb(300, 300, CV_8UC3, cv::Scalar(90, 90, 200));
        test::writeFile(path(QStringLiteral("square.jpg")), test::jpegWithOrientation(rgb, 1));
        ThumbnailCache cache(64);
        QCOMPARE(thumbnail(cache, path(QStringLiteral("square.jpg"))).size(), QSize(64, 64));
        cache.setSize(128);
        QCOMPARE(thumbnail(cache, path(QStringLiteral("square.jpg"))).size(), QSize(128, 128));
    }

    // Before the model is there the window has a session without a library: every request says so, none
    // crashes.
    // The results model: every result kept, the view given a page at a time (a month's header before its
    // first photo in date order), the sort orders, and Qt's model contract through resets and pages.
    // Search results the library judged: the good matches first under their header, then the rest under
    // theirs, each group in the library's order, or in date order (months opening within each group).
    void goodMatchesComeFirstUnderTheirHeader() {
        ThumbnailCache thumbnails(64);
        ResultsModel m(&thumbnails);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVector<SearchHit> hits;
        // Six results in the library's order; the 2nd, 4th and 5th good (a name match can make a lower score
        // good); taken in January 2021 (even ranks) and March 2020 (odd ranks).
        for (int i = 0; i < 6; ++i) {
            SearchHit h{QStringLiteral("/p/%1.jpg").arg(i), 0.3f - 0.01f * float(i),
                        QDateTime(i % 2 ? QDate(2020, 3, 1 + i) : QDate(2021, 1, 1 + i), QTime(12, 0))
                            .toSecsSinceEpoch()};
            h.good = i == 1 || i == 3 || i == 4;
            h.standing = h.good ? 5.0 : 0.5;
            h.rank = i;
            hits.push_back(h);
        }
        m.setResults(hits, true);
        QCOMPARE(m.goodCount(), 3);
        QCOMPARE(m.rowCount(), 8);
        const auto shown = [&m] {
            QStringList rows;
            for (int r = 0; r < m.rowCount(); ++r)
                rows << (m.index(r).data(ResultsModel::HeaderRole).toBool()
                             ? QLatin1Char('[') + m.index(r).data().toString() + QLatin1Char(']')
                             : m.index(r).data(ResultsModel::PathRole).toString().mid(3, 1));
            return rows.join(QLatin1Char(' '));
        };
        QCOMPARE(shown(), QStringLiteral("[Good matches (3)] 1 3 4 [More results (3)] 0 2 5"));
        QCOMPARE(m.index(1).data(ResultsModel::LevelRole).toInt(), int(RelevanceScale::Level::Good));
        QCOMPARE(m.index(5).data(ResultsModel::LevelRole).toInt(), int(RelevanceScale::Level::Weak));
        m.setOrder(ResultsModel::Order::OldestFirst);
        QCOMPARE(shown(), QStringLiteral("[Good matches (3)] [March 2020] 1 3 [January 2021] 4 "
                                         "[More results (3)] [March 2020] 5 [January 2021] 0 2"));
        QCOMPARE(m.resultAt(m.index(2)), 0);
        QCOMPARE(m.indexOfResult(3).data(ResultsModel::PathRole).toString(), QStringLiteral("/p/5.jpg"));
        m.setOrder(ResultsModel::Order::BestMatch);  // back to the library's order within the groups
        QCOMPARE(shown(), QStringLiteral("[Good matches (3)] 1 3 4 [More results (3)] 0 2 5"));
    }

    void resultsModelPagesSortsAndGroups() {
        ThumbnailCache thumbnails(64);
        ResultsModel m(&thumbnails);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setPageSize(4);
        QVector<SearchHit> hits;
        // Ten photos, best first: scores 1.0 down to 0.1; taken one a month from January 2020 in a shuffled
        // order.
        const int months[] = {3, 7, 1, 9, 0, 5, 2, 8, 4, 6};
        for (int i = 0; i < 10; ++i)
            hits.push_back({QStringLiteral("/p/IMG_%1.jpg").arg(i + 1), 1.0f - 0.1f * float(i),
                            QDateTime(QDate(2020, 1 + months[i], 15), QTime(12, 0)).toSecsSinceEpoch()});
        m.setResults(hits, true);
        QCOMPARE(m.count(), 10);
        QCOMPARE(m.rowCount(), 4);  // one page; no headers in best-match order
        QVERIFY(m.canFetchMore({}));
        m.fetchMore({});
        m.fetchMore({});
        QCOMPARE(m.rowCount(), 10);
        QVERIFY(!m.canFetchMore({}));
        for (int i = 0; i < 10; ++i)
            QCOMPARE(m.index(i).data(ResultsModel::PathRole).toString(), hits[i].path);
        QCOMPARE(m.index(0).data(ResultsModel::RelevanceRole).toDouble(), 1.0);

        m.setOrder(ResultsModel::Order::NewestFirst);  // one photo a month: a header before each
        QCOMPARE(m.rowCount(), 8);                     // 4 photos and their 4 headers
        QCOMPARE(m.index(0).data(ResultsModel::HeaderRole).toBool(), true);
        QCOMPARE(m.index(1).data(ResultsModel::PathRole).toString(),
                 QStringLiteral("/p/IMG_4.jpg"));  // October
        QCOMPARE(m.resultAt(m.index(0)), -1);
        QCOMPARE(m.resultAt(m.index(1)), 0);
        const QModelIndex last = m.indexOfResult(9);  // pages in what it needs
        QCOMPARE(last.data(ResultsModel::PathRole).toString(), QStringLiteral("/p/IMG_5.jpg"));  // January
        QCOMPARE(m.rowCount(), 20);

        m.setOrder(ResultsModel::Order::Name);  // as a file manager: IMG_2 before IMG_10
        m.indexOfResult(9);
        QCOMPARE(m.index(0).data(Qt::DisplayRole).toString(), QStringLiteral("IMG_1.jpg"));
        QCOMPARE(m.index(1).data(Qt::DisplayRole).toString(), QStringLiteral("IMG_2.jpg"));
        QCOMPARE(m.index(9).data(Qt::DisplayRole).toString(), QStringLiteral("IMG_10.jpg"));

        m.setResults(hits, false);  // browsed: no scores, no best-match order
        QCOMPARE(m.order(), ResultsModel::Order::NewestFirst);
        QVERIFY(!m.index(1).data(ResultsModel::RelevanceRole).isValid());
        m.clear();
        QCOMPARE(m.rowCount(), 0);
        QVERIFY(!m.canFetchMore({}));
    }

    // A folder that holds no model: the dialog says what is missing, in full, above its buttons (the wrapped
    // text overlapped them: the dialog kept its first height).
    void modelDialogFitsWhatItSays() {
        ModelDialog dialog(path(QStringLiteral("models")));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.chooseFolder(path(QStringLiteral("a folder of holiday photos that is not a model at all")));
        QCOMPARE(dialog.result(), int(QDialog::Rejected));  // not taken
        QLabel* status = dialog.statusLabel();
        QVERIFY(status->text().contains(QStringLiteral("does not hold a model")));
        QTRY_VERIFY(status->isVisible());
        QVERIFY2(status->height() >= status->heightForWidth(status->width()),
                 qPrintable(QStringLiteral("%1 < %2")
                                .arg(status->height())
                                .arg(status->heightForWidth(status->width()))));
        QVERIFY(status->geometry().bottom() < dialog.downloadButton()->geometry().top());
    }

    void sessionNotOpenSaysSo() {
        LibrarySession session;
        QVERIFY(!session.isOpen());
        QVERIFY(session.addFolder(tmp_->path()).contains(QStringLiteral("not open")));
        QVERIFY(session.removeFolder(tmp_->path()).contains(QStringLiteral("not open")));
        QVERIFY(session.saveTags({QStringLiteral("a")}, {}).contains(QStringLiteral("not open")));
        QVERIFY(session.folders().isEmpty());
        QSignalSpy failed(&session, &LibrarySession::searchFailed);
        const int id = session.search(QStringLiteral("a cat"), {});
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
        QCOMPARE(failed.front().at(0).toInt(), id);
        QVERIFY(failed.front().at(1).toString().contains(QStringLiteral("not open")));
        QSignalSpy tagFailed(&session, &LibrarySession::failed);
        session.computeTags(tmp_->path(), {QStringLiteral("a")}, {});
        QTRY_VERIFY_WITH_TIMEOUT(!tagFailed.isEmpty(), 10000);
        session.startIndexing();  // nothing to index: no signal, no crash
        QVERIFY(!session.isIndexing());
    }

    // A folder added through the session is indexed on the indexing thread; the window hears of it only
    // through signals, and the results then come from the search thread.
    void sessionIndexesAndSearches() {
        test::makePhotos(path(QStringLiteral("photos")));
        LibrarySession session;
        QCOMPARE(
            session.open({path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 1, false, {}}),
            QString());
        QVERIFY(session.isWritable());
        QSignalSpy changed(&session, &LibrarySession::libraryChanged);
        QCOMPARE(session.addFolder(path(QStringLiteral("photos"))), QString());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(session.folders(),
                 QStringList{QFileInfo(path(QStringLiteral("photos"))).canonicalFilePath()});
        QSignalSpy started(&session, &LibrarySession::indexingStarted);
        QSignalSpy finished(&session, &LibrarySession::indexingFinished);
        // Seen from the indexing thread itself (a direct connection runs there): by default it indexes in
        // the background, at the idle CPU priority; this thread, the window's, is untouched.
        QSettings().remove(QStringLiteral("indexing/background"));
        std::atomic<int> background{-1};
        connect(
            &session, &LibrarySession::indexingFinished, this,
            [&] { background = cpu_sharing::isThisThreadInBackground() ? 1 : 0; }, Qt::DirectConnection);
        session.startIndexing();
        QCOMPARE(started.count(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
        QCOMPARE(background.load(), 1);
        QVERIFY(!cpu_sharing::isThisThreadInBackground());
        QVERIFY2(finished.front().at(0).toString().startsWith(QStringLiteral("12 photo")),
                 qPrintable(finished.front().at(0).toString()));
        QCOMPARE(finished.front().at(1).toBool(), false);
        QVERIFY(!session.isIndexing());
        QSignalSpy results(&session, &LibrarySession::searchFinished);
        SearchOptions all;
        all.limit = 100;
        const int id = session.search(QStringLiteral("a photo"), all);
        QTRY_VERIFY_WITH_TIMEOUT(!results.isEmpty(), 10000);
        QCOMPARE(results.front().at(0).toInt(), id);
        QCOMPARE(results.front().at(1).value<QVector<SearchHit>>().size(), 12);
    }

    // Settings > Indexing turned off: the next session indexes at normal priority.
    void sessionIndexesAtNormalPriorityWhenAsked() {
        test::makePhotos(path(QStringLiteral("photos")));
        QSettings().setValue(QStringLiteral("indexing/background"), false);
        LibrarySession session;
        QCOMPARE(
            session.open({path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 1, false, {}}),
            QString());
        QCOMPARE(session.addFolder(path(QStringLiteral("photos"))), QString());
        std::atomic<int> background{-1};
        connect(
            &session, &LibrarySession::indexingFinished, this,
            [&] { background = cpu_sharing::isThisThreadInBackground() ? 1 : 0; }, Qt::DirectConnection);
        QSignalSpy finished(&session, &LibrarySession::indexingFinished);
        session.startIndexing();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
        QSettings().remove(QStringLiteral("indexing/background"));
        QCOMPARE(background.load(), 0);
    }

    // Beside another PhotoSearch that writes the library, the session opens it read-only and says so:
    // searches work, changes are refused with a reason, indexing does not start.
    void sessionBesideAnotherWriterIsReadOnly() {
        test::makePhotos(path(QStringLiteral("photos")));
        auto writer = PhotoLibrary::open(
            {path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 1, true, {}});
        writer->addFolder(path(QStringLiteral("photos")));
        writer->index();
        LibrarySession session;
        const QString message =
            session.open({path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 1, false, {}});
        QVERIFY2(message.contains(QStringLiteral("process %1").arg(QCoreApplication::applicationPid())),
                 qPrintable(message));
        QVERIFY(session.isOpen());
        QVERIFY(!session.isWritable());
        QVERIFY(session.addFolder(tmp_->path()).contains(QStringLiteral("read-only")));
        session.startIndexing();
        QVERIFY(!session.isIndexing());
        QSignalSpy results(&session, &LibrarySession::searchFinished);
        session.search(QStringLiteral("a photo"), {});
        QTRY_VERIFY_WITH_TIMEOUT(!results.isEmpty(), 10000);
        QCOMPARE(results.front().at(1).value<QVector<SearchHit>>().size(), 12);
    }
};

QTEST_MAIN(TestUiUnits)
#include "tst_ui_units.moc"
