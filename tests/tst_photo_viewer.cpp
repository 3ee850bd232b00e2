// The photo viewer and the tag manager, offscreen with the real event loop: keys step through the results and
// zoom, the info panel says what the file's EXIF records and why the photo is shown, the filmstrip model
// obeys Qt's model rules, "Open with" asks the desktop (a stand-in xdg-mime on PATH) and says so when nothing
// is set, and tags given by hand are counted, renamed (merged) and deleted through the session.
#include "app_translations.h"
#include "image_view.h"
#include "library_session.h"
#include "library_writer.h"
#include "photo_facts.h"
#include "photo_viewer.h"
#include "tag_manager.h"
#include "tag_teacher.h"
#include "testutils.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDesktopServices>
#include <QFile>
#include <QFileInfo>
#include <QListView>
#include <QListWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgproc.hpp>

using namespace photosearch;

// Receives the URLs QDesktopServices would hand to the desktop.
class UrlCatcher : public QObject {
    Q_OBJECT
  public:
    QList<QUrl> urls;
  public slots:
    void open(const QUrl& url) { urls << url; }
};

class TestPhotoViewer : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QByteArray oldPath_;
    QString path(const QString& p) const { return tmp_.filePath(p); }

    // Three photos: a 300x200 JPEG from a Canon, a 120x160 PNG, a 40x30 JPEG.
    QVector<SearchHit> makeHits() {
        cv::Mat a(200, 300, CV_8UC3, cv::Scalar(200, 60, 30));
        test::ExifFields canon;
        canon.make = "Canon";
        canon.model = "Canon EOS 5D";
        test::writeFile(path(QStringLiteral("a.jpg")), test::jpegWithExif(a, canon));
        QImage b(120, 160, QImage::Format_RGB32);
        b.fill(Qt::darkGreen);
        b.save(path(QStringLiteral("b.png")));
        test::writeFile(path(QStringLiteral("c.jpg")),
                        test::plainJpeg(cv::Mat(30, 40, CV_8UC3, cv::Scalar(9, 9, 9))));
        return {{path(QStringLiteral("a.jpg")), 0.31f, 0},
                {path(QStringLiteral("b.png")), 0.22f, 0},
                {path(QStringLiteral("c.jpg")), 0.05f, 0}};
    }

    // The three photos as search results for `query`.
    ViewerContent searchFor(const QString& query) {
        ViewerContent content;
        content.hits = makeHits();
        content.ranked = true;
        content.query = query;
        return content;
    }

    // An xdg-mime that answers `answer` to "query default".
    void fakeXdgMime(const QByteArray& answer) {
        QDir().mkpath(path(QStringLiteral("bin")));
        QFile f(path(QStringLiteral("bin/xdg-mime")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\necho '" + answer + "'\n");
        f.close();
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qputenv("PATH", path(QStringLiteral("bin")).toUtf8() + ':' + oldPath_);
    }

    // The test photos, in `dir`/photos, indexed into a library in `dir` that `session` opens (writable or
    // not); `root` is their folder as the catalog holds it. Returns what went wrong, empty when nothing did.
    QString openIndexed(LibrarySession& session, const QTemporaryDir& dir, bool writable, QString* root) {
        test::makePhotos(dir.filePath(QStringLiteral("photos")));
        QString problem = session.open({dir.filePath(QStringLiteral("library")),
                                        test::dataPath(QStringLiteral("align-tiny/model")),
                                        QStringLiteral("cpu"),
                                        1,
                                        writable,
                                        {}});
        if (problem.isEmpty()) problem = session.addFolder(dir.filePath(QStringLiteral("photos")));
        if (!problem.isEmpty()) return problem;
        QSignalSpy finished(&session, &LibrarySession::indexingFinished);
        session.startIndexing();
        if (!QTest::qWaitFor([&] { return !finished.isEmpty(); }, 60000))
            return QStringLiteral("indexing did not finish within 60 s");
        *root = QFileInfo(dir.filePath(QStringLiteral("photos"))).canonicalFilePath();
        return {};
    }

  private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        installTranslations(*QCoreApplication::instance());  // as the app does: plurals in English
        qputenv("XDG_CACHE_HOME", path(QStringLiteral("cache")).toUtf8());
        oldPath_ = qgetenv("PATH");
    }
    void cleanup() { qputenv("PATH", oldPath_); }

    void keysStepAndZoom() {
        const ViewerContent content = searchFor(QStringLiteral("“red wall”"));
        PhotoViewer viewer(content, 0, nullptr);
        viewer.resize(900, 700);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        QTRY_COMPARE(viewer.imageView()->image().size(), QSize(300, 200));
        ImageView* view = viewer.imageView();
        QVERIFY(view->isFitted());
        QVERIFY(view->zoom() <= 1.0);  // a photo smaller than the window is not enlarged

        QTest::keyClick(view, Qt::Key_Plus);
        QVERIFY(!view->isFitted());
        QTest::keyClick(view, Qt::Key_1);
        QCOMPARE(view->zoom(), 1.0);
        QTest::keyClick(view, Qt::Key_Plus);
        QVERIFY(view->zoom() > 1.0);
        QTest::keyClick(view, Qt::Key_0);
        QVERIFY(view->isFitted());

        QSignalSpy changed(&viewer, &PhotoViewer::currentChanged);
        QTest::keyClick(view, Qt::Key_End);
        QCOMPARE(viewer.current(), 2);
        QTRY_COMPARE(viewer.imageView()->image().size(), QSize(40, 30));
        QTest::keyClick(view, Qt::Key_Right);  // past the last: stays
        QCOMPARE(viewer.current(), 2);
        QTest::keyClick(view, Qt::Key_Backspace);
        QCOMPARE(viewer.current(), 1);
        QTest::keyClick(view, Qt::Key_Home);
        QCOMPARE(viewer.current(), 0);
        QCOMPARE(changed.count(), 3);
        QCOMPARE(viewer.filmstrip()->currentIndex().row(), 0);

        // The filmstrip follows Qt's model rules while thumbnails arrive.
        QAbstractItemModelTester tester(viewer.filmstrip()->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(viewer.filmstrip()->model()->rowCount(), 3);
        QTest::qWait(200);

        // A click on a filmstrip tile shows that photo.
        QListView* strip = viewer.filmstrip();
        const QRect tile = strip->visualRect(strip->model()->index(2, 0));
        QTest::mouseClick(strip->viewport(), Qt::LeftButton, {}, tile.center());
        QCOMPARE(viewer.current(), 2);
    }

    void infoSaysWhatAndWhy() {
        const ViewerContent content = searchFor(QStringLiteral("“red wall”"));
        PhotoViewer viewer(content, 0, nullptr);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        QTRY_VERIFY(!viewer.imageView()->image().isNull());  // the facts are read before the pixels
        const QString info = viewer.infoText();
        QVERIFY2(info.contains(QStringLiteral("Canon EOS 5D")), qPrintable(info));
        QVERIFY2(info.contains(QStringLiteral("300 × 200")), qPrintable(info));
        QVERIFY2(info.contains(QStringLiteral("“red wall”")), qPrintable(info));
        QVERIFY2(info.contains(QStringLiteral("JPEG")), qPrintable(info));
        QTest::keyClick(viewer.imageView(), Qt::Key_Right);
        QTRY_VERIFY(viewer.infoText().contains(QStringLiteral("120 × 160")));
        QVERIFY(viewer.infoText().contains(QStringLiteral("PNG")));
        QVERIFY(!viewer.infoText().contains(QStringLiteral("Canon")));  // no camera recorded: not shown

        // I hides and shows the panel.
        QVERIFY(viewer.infoPanel()->isVisible());
        QTest::keyClick(viewer.imageView(), Qt::Key_I);
        QVERIFY(!viewer.infoPanel()->isVisible());
        QTest::keyClick(viewer.imageView(), Qt::Key_I);
        QVERIFY(viewer.infoPanel()->isVisible());

        // A photo deleted while the viewer is open: it says so instead of showing a stale or blank picture.
        QFile::remove(path(QStringLiteral("c.jpg")));
        QTest::keyClick(viewer.imageView(), Qt::Key_End);
        QTRY_VERIFY(viewer.imageView()->image().isNull() && !viewer.imageView()->message().isEmpty());
        makeHits();
    }

    void openWithAsksTheDesktop() {
        ViewerContent content;
        content.hits = makeHits();
        PhotoViewer viewer(content, 0, nullptr);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        UrlCatcher catcher;
        QDesktopServices::setUrlHandler(QStringLiteral("file"), &catcher, "open");

        fakeXdgMime("");  // nothing set for image/jpeg
        viewer.openWithDefaultApp();
        QVERIFY2(viewer.errorText().contains(QStringLiteral("No application is set")),
                 qPrintable(viewer.errorText()));
        QVERIFY(viewer.errorText().contains(QStringLiteral("image/jpeg")));
        QVERIFY(catcher.urls.isEmpty());

        fakeXdgMime("org.gnome.eog.desktop");
        viewer.openWithDefaultApp();
        QCOMPARE(viewer.errorText(), QString());
        QCOMPARE(catcher.urls, QList<QUrl>{fileUrl(path(QStringLiteral("a.jpg")))});
        QDesktopServices::unsetUrlHandler(QStringLiteral("file"));

        // Characters that mean something in a URL are escaped, so the desktop gets this very file.
        QCOMPARE(fileUrl(QStringLiteral("/p/a b#1.jpg")).toEncoded(), QByteArray("file:///p/a%20b%231.jpg"));
    }

    void tagsByHandThroughTheSession() {
        QTemporaryDir dir;
        LibrarySession session;
        QString root;
        QCOMPARE(openIndexed(session, dir, false, &root), QString());
        const QStringList two{root + QStringLiteral("/chelsea.jpg"), root + QStringLiteral("/rocket.jpg")};
        QSignalSpy changed(&session, &LibrarySession::libraryChanged);
        QCOMPARE(session.setTag(two, QStringLiteral("  my   cats "), true), QString());  // spaces tidied
        QCOMPARE(changed.count(), 1);
        QCOMPARE(session.tagsOf(two[0]), QStringList{QStringLiteral("my cats")});
        QVERIFY(!session.setTag(two, QStringLiteral("   "), true).isEmpty());  // no name: refused, said
        QCOMPARE(session.setTag({root + QStringLiteral("/coffee.jpg")}, QStringLiteral("drinks"), true),
                 QString());

        TagManager manager(&session);
        QCOMPARE(manager.list()->count(), 2);
        QVERIFY2(manager.list()->item(1)->text().contains(QStringLiteral("my cats (2 photos)")),
                 qPrintable(manager.list()->item(1)->text()));
        QCOMPARE(manager.rename(QStringLiteral("drinks"), QStringLiteral("my cats")), QString());  // merged
        QCOMPARE(manager.list()->count(), 1);
        QVERIFY(manager.list()->item(0)->text().contains(QStringLiteral("(3 photos)")));
        QCOMPARE(manager.remove(QStringLiteral("my cats")), QString());
        QCOMPARE(manager.list()->count(), 0);
        QVERIFY(session.tagsOf(two[0]).isEmpty());
        QVERIFY(QFileInfo::exists(two[0]));  // the photos stay
    }

    // Suggested tags in the viewer (#18): the info panel shows them apart from the confirmed ones; Y accepts
    // the first (the photo carries the tag, confirmed, and the suggestion goes), N rejects it (never
    // suggested again). The suggestions are put in the catalog as re-scoring would: the tiny fixture model's
    // photo vectors all sit at cosine 0.9997 or more to each other, too alike for a label to pick any out.
    void suggestionsAreAcceptedWithYAndRejectedWithN() {
        QTemporaryDir dir;
        LibrarySession session;
        QString root;
        QCOMPARE(openIndexed(session, dir, true, &root), QString());
        const QString cat = root + QStringLiteral("/chelsea.jpg"),
                      rocket = root + QStringLiteral("/rocket.jpg");
        PhotoLibrary& lib = *session.library();
        TagTeacher(lib).addLabels({QStringLiteral("cat")});
        const int64_t catId = lib.catalog().photoByPath(cat)->id,
                      rocketId = lib.catalog().photoByPath(rocket)->id;
        lib.writer()->write([&](PhotoCatalog& c) {
            c.replaceSuggestions(QStringLiteral("cat"), {{catId, 6.0f}, {rocketId, 4.0f}});
        });

        ViewerContent content;
        content.hits = {{cat, 0.3f, 0}, {rocket, 0.2f, 0}};
        PhotoViewer viewer(content, 0, &session);
        viewer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&viewer));
        QVERIFY2(viewer.infoText().contains(QStringLiteral("Suggested: cat")), qPrintable(viewer.infoText()));
        QVERIFY(viewer.infoText().contains(QStringLiteral("Tags: None")));

        QSignalSpy judged(&session, &LibrarySession::tagJudged);
        QTest::keyClick(viewer.imageView(), Qt::Key_Y);
        QTRY_COMPARE_WITH_TIMEOUT(judged.count(), 1, 60000);
        QCOMPARE(judged.first().at(0).toString(), QStringLiteral("cat"));
        QVERIFY(judged.first().at(1).toBool());
        QCOMPARE(session.tagsOf(cat), QStringList{QStringLiteral("cat")});
        QVERIFY(session.suggestedTagsOf(cat).isEmpty());
        QTRY_VERIFY(viewer.infoText().contains(QStringLiteral("Tags: cat")));

        QTest::keyClick(viewer.imageView(), Qt::Key_Right);
        QTRY_COMPARE(viewer.current(), 1);
        // Re-scoring after the first verdict replaced the suggestions: put the rocket's back to judge it.
        lib.writer()->write([&](PhotoCatalog& c) {
            c.replaceSuggestions(QStringLiteral("cat"), {{rocketId, 4.0f}});
        });
        viewer.showPhoto(1);
        QTest::keyClick(viewer.imageView(), Qt::Key_N);
        QTRY_COMPARE_WITH_TIMEOUT(judged.count(), 2, 60000);
        QVERIFY(!judged.last().at(1).toBool());
        QCOMPARE(lib.catalog().photosRejected(QStringLiteral("cat")), std::vector<int64_t>{rocketId});
        QVERIFY(session.suggestedTagsOf(rocket).isEmpty());
        QVERIFY(session.tagsOf(rocket).isEmpty());

        // With nothing suggested, Y says so rather than doing nothing silently.
        QTest::keyClick(viewer.imageView(), Qt::Key_Y);
        QVERIFY2(viewer.errorText().contains(QStringLiteral("no suggested tag")),
                 qPrintable(viewer.errorText()));
        QCOMPARE(judged.count(), 2);
    }
};

QTEST_MAIN(TestPhotoViewer)
#include "tst_photo_viewer.moc"
