// The real window on a real X server (Xvfb), driven through the path a new user takes: first run -> add the
// Pictures folder -> indexing -> browse the timeline -> type a search -> open the viewer -> find similar ->
// tag the folder -> filter by a tag. Each step is checked as a person would see it and saved as a screenshot
// of the whole screen into the build folder (walkthrough/NN-step.png) to be looked at.
#include "app_translations.h"
#include "image_view.h"
#include "library_session.h"
#include "main_window.h"
#include "photo_viewer.h"
#include "query_chips.h"
#include "results_model.h"
#include "tag_dialog.h"
#include "testutils.h"

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace photosearch;

class TestWindowWalkthrough : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString shots_;
    QString path(const QString& relative) const { return tmp_.filePath(relative); }

    // The whole screen as a person sees it (dialogs included), once pending paints are done.
    void screenshot(const QString& name) {
        QTest::qWait(400);
        const QPixmap shot = QGuiApplication::primaryScreen()->grabWindow(0);
        QVERIFY(!shot.isNull());
        QVERIFY(shot.save(shots_ + QLatin1Char('/') + name + QStringLiteral(".png")));
    }

  private slots:
    void initTestCase() {
        installTranslations(*QCoreApplication::instance());
        QVERIFY2(QGuiApplication::platformName() == QStringLiteral("xcb"),
                 "this test drives a real window: run it under xvfb-run (ctest does)");
        shots_ = qEnvironmentVariable("PHOTOSEARCH_WALKTHROUGH_DIR",
                                      QDir::currentPath() + QStringLiteral("/walkthrough"));
        QVERIFY(QDir().mkpath(shots_));
        qputenv("XDG_CACHE_HOME", path(QStringLiteral("cache")).toUtf8());
        qputenv("XDG_CONFIG_HOME", path(QStringLiteral("config")).toUtf8());
        QDir().mkpath(path(QStringLiteral("config")));
    }

    void firstRunToFilteredResults() {
        // A person's Pictures folder, known to the desktop through user-dirs.dirs.
        test::makePhotos(path(QStringLiteral("Pictures")));
        QFile dirs(path(QStringLiteral("config/user-dirs.dirs")));
        QVERIFY(dirs.open(QIODevice::WriteOnly));
        dirs.write("XDG_PICTURES_DIR=\"" + path(QStringLiteral("Pictures")).toUtf8() + "\"\n");
        dirs.close();

        MainWindow w(MainWindow::Options{
            path(QStringLiteral("library")), test::dataPath(QStringLiteral("align-tiny/model")), {}, false});
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy ready(&w, &MainWindow::modelReady);
        QVERIFY(ready.wait(60000));

        // 1. First run: the empty library says what to do.
        QTRY_VERIFY(w.emptyText().contains(QStringLiteral("Your library is empty")));
        screenshot(QStringLiteral("01-first-run"));

        // 2. One click adds the Pictures folder; indexing runs and the timeline fills.
        QPushButton* pictures = nullptr;
        for (QPushButton* b : w.findChildren<QPushButton*>())
            if (b->isVisible() && b->text().startsWith(QStringLiteral("Add your Pictures folder")))
                pictures = b;
        QVERIFY(pictures);
        QTest::mouseClick(pictures, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w.results()->count() == 12 && !w.session()->isIndexing(), 60000);
        QVERIFY(
            w.results()->data(w.results()->index(0), ResultsModel::HeaderRole).toBool());  // a month opens
        screenshot(QStringLiteral("02-timeline"));

        // 3. Typing searches: the best match first, ranked, counted.
        QSignalSpy shown(&w, &MainWindow::resultsShown);
        w.searchField()->setFocus();
        QTest::keyClicks(w.searchField(), QStringLiteral("a cup of coffee"));
        QTRY_VERIFY_WITH_TIMEOUT(w.results()->isRanked() && !w.countText().isEmpty(), 20000);
        QTest::qWait(500);  // the debounce: the last keystroke's search
        QTRY_VERIFY_WITH_TIMEOUT(w.results()->count() == 12, 20000);
        screenshot(QStringLiteral("03-search"));

        // 4. Enter on the best match opens the viewer with its info; Right steps to the next photo.
        w.grid()->setFocus();
        w.grid()->setCurrentIndex(w.results()->indexOfResult(0));
        QTest::keyClick(w.grid(), Qt::Key_Return);
        QTRY_VERIFY(w.viewer() && w.viewer()->isVisible());
        PhotoViewer* viewer = w.viewer();
        QVERIFY(QTest::qWaitForWindowExposed(viewer));
        QTRY_VERIFY_WITH_TIMEOUT(
            !viewer->imageView()->image().isNull() && viewer->imageView()->image().width() > 100, 10000);
        QVERIFY2(viewer->infoText().contains(QStringLiteral("match for “a cup of coffee”")),
                 qPrintable(viewer->infoText()));
        QVERIFY(viewer->infoText().contains(QStringLiteral("Dimensions")));
        screenshot(QStringLiteral("04-viewer"));
        QTest::keyClick(viewer->imageView(), Qt::Key_Right);
        QCOMPARE(viewer->current(), 1);

        // 5. Find similar from the viewer: the viewer closes, the photo becomes the query (a chip), the text
        // goes.
        const QString similarTo = w.results()->results()[1].path;
        QTest::keyClick(viewer->imageView(), Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(!w.viewer());
        QCOMPARE(w.queryImage(), similarTo);
        QCOMPARE(w.searchField()->text(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(w.results()->isRanked() && w.results()->count() == 11,
                                 20000);  // itself left out
        screenshot(QStringLiteral("05-similar"));

        // 6. Tag the folder: labels in, preview, apply.
        QTimer::singleShot(0, this, [this] {
            auto* dialog = qobject_cast<TagDialog*>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            dialog->labelsEdit()->setPlainText(QStringLiteral("cat\nrocket\ncoffee"));
            dialog->noneOfTheseCheck()->setChecked(
                false);  // the tiny test model is never sure: tag every photo
            QTest::mouseClick(dialog->previewButton(), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(dialog->applyButton()->isEnabled(), 30000);
            screenshot(QStringLiteral("06-tag-dialog"));
            QTest::mouseClick(dialog->applyButton(), Qt::LeftButton);
        });
        w.openTagDialog(QFileInfo(path(QStringLiteral("Pictures"))).canonicalFilePath());
        QVERIFY(!w.session()->tags().isEmpty());

        // 7. Three photos chosen by hand get a tag of the person's own; the tag in the side panel filters the
        //    library to exactly them, and a chip says so.
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QTest::keyClick(w.searchField(), Qt::Key_Escape);  // Esc clears the query: back to the whole library
        QVERIFY(w.queryImage().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!w.results()->isRanked() && w.results()->count() == 12, 20000);
        QStringList chosen;
        for (int i = 0; i < 3; ++i) chosen << w.results()->results()[i].path;
        QVERIFY2(w.tagPhotos(chosen, QStringLiteral("holiday"), true).isEmpty(), "tagging failed");
        QListWidget* tags = w.tagsList();
        QListWidgetItem* tag = nullptr;
        QTRY_VERIFY([&] {
            for (int i = 0; i < tags->count(); ++i)
                if (tags->item(i)->data(Qt::UserRole).toString() == QStringLiteral("holiday"))
                    tag = tags->item(i);
            return tag != nullptr;
        }());
        QVERIFY2(tag->text().contains(QStringLiteral("(3)")), qPrintable(tag->text()));
        QTest::mouseClick(tags->viewport(), Qt::LeftButton, {}, tags->visualItemRect(tag).center());
        QTRY_COMPARE_WITH_TIMEOUT(w.results()->count(), 3, 20000);
        QStringList shownPaths;
        for (const auto& r : w.results()->results()) shownPaths << r.path;
        shownPaths.sort();
        chosen.sort();
        QCOMPARE(shownPaths, chosen);
        QVERIFY(w.chips()->texts().contains(QStringLiteral("tag: holiday")));
        screenshot(QStringLiteral("07-tag-filter"));
    }
};

QTEST_MAIN(TestWindowWalkthrough)
#include "tst_window_walkthrough.moc"
