// The window with the real Qt event loop (offscreen platform), a real library and the tiny model.
#include "app_translations.h"
#include "library_session.h"
#include "main_window.h"
#include "photo_library.h"
#include "query_chips.h"
#include "results_model.h"
#include "tag_dialog.h"
#include "testutils.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDropEvent>
#include <QGroupBox>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>
#include <QUrl>

#include <algorithm>
#include <atomic>

using namespace photosearch;

class TestMainWindow : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;
    QStringList photos_;

    QString library() const { return tmp_->filePath(QStringLiteral("library")); }
    QString model() const { return test::dataPath("align-tiny/model"); }

    std::unique_ptr<MainWindow> openWindow() {
        auto w = std::make_unique<MainWindow>(MainWindow::Options{library(), model(), {}, false});
        w->show();
        // Ready once the model is loaded and the start-up re-scan has finished.
        QSignalSpy finished(w->session(), &LibrarySession::indexingFinished);
        if (!finished.wait(60000)) return nullptr;
        return w;
    }

    // What the window shows for a typed query: the library's results for what the box reads, good matches
    // first (each group in the library's order).
    std::vector<SearchResult> expectedSearch(const QString& typed, int limit = 200) {
        auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, false, {}});
        const ParsedQuery q = parseQuery(typed, lib->queryContext());
        SearchOptions o;
        o.limit = limit;
        addParsedQuery(q, o);
        auto results = lib->search(q.text, o);
        std::stable_partition(results.begin(), results.end(), [](const SearchResult& r) { return r.good; });
        return results;
    }

  private slots:
    void initTestCase() {
        installTranslations(*QCoreApplication::instance());
    }  // as the app: English plurals
    void init() {
        tmp_ = std::make_unique<QTemporaryDir>();
        qputenv("XDG_CACHE_HOME", tmp_->filePath(QStringLiteral("cache")).toUtf8());
        qputenv("XDG_CONFIG_HOME", tmp_->filePath(QStringLiteral("config")).toUtf8());
        photos_ = test::makePhotos(tmp_->filePath(QStringLiteral("photos")));
        auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, true, {}});
        lib->addFolder(tmp_->filePath(QStringLiteral("photos")));
        lib->index();
    }

    // No model: the window says where it looked and how to get one, and offers the way in its menu.
    void noModelSaysWhatToDo() {
        const QString missing = tmp_->filePath(QStringLiteral("no-model-here"));
        MainWindow w(MainWindow::Options{library(), missing, {}, false});
        w.show();
        QTRY_VERIFY(!w.errorBanner().isEmpty());
        QVERIFY2(w.errorBanner().startsWith(QStringLiteral("No ALIGN model at ") + missing),
                 qPrintable(w.errorBanner()));
        QVERIFY(w.errorBanner().contains(QStringLiteral("Library > Get the model...")));
        bool offered = false;
        for (QAction* a : w.menuBar()->actions())
            if (a->menu())
                for (QAction* item : a->menu()->actions())
                    offered |= item->text() == QStringLiteral("Get the model...");
        QVERIFY(offered);
        // Adding a folder, tagging or searching before there is a library says so (it used to crash).
        QVERIFY(w.session()
                    ->addFolder(tmp_->filePath(QStringLiteral("photos")))
                    .contains(QStringLiteral("not open yet")));
        QVERIFY(w.session()
                    ->removeFolder(tmp_->filePath(QStringLiteral("photos")))
                    .contains(QStringLiteral("not open yet")));
        QVERIFY(w.session()->saveTags({QStringLiteral("cat")}, {}).contains(QStringLiteral("not open yet")));
        QSignalSpy failed(w.session(), &LibrarySession::searchFailed);
        w.session()->search(QStringLiteral("a cat"), SearchOptions{});
        // The search thread may report before wait() would start listening (the spy connects directly).
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("not open yet")));
    }

    void typingAQueryFillsTheGridInRankedOrder() {
        auto w = openWindow();
        QVERIFY(w);
        // The folder and file names typed words are matched against were read in the background once the
        // model was loaded and the start-up run was done, not at the first keystroke.
        QVERIFY(w->session()->library()->queryContextPrepared());
        // The results model keeps Qt's model contract through every reset the search makes.
        QAbstractItemModelTester tester(w->results(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTest::keyClicks(w->searchField(), QStringLiteral("a cup of coffee"));
        const auto expected = expectedSearch(QStringLiteral("a cup of coffee"));
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->isRanked(), 20000);
        QCOMPARE(w->results()->count(), static_cast<int>(expected.size()));
        QTRY_COMPARE(w->results()->results().front().path, expected.front().path);
        for (int i = 0; i < w->results()->count(); ++i) {
            QCOMPARE(w->results()->results()[i].path, expected[i].path);
            QVERIFY(w->results()
                        ->indexOfResult(i)
                        .data(Qt::ToolTipRole)
                        .toString()
                        .contains(QStringLiteral("match")));
        }
        // Thumbnails arrive from the background and replace the placeholders, kept in the desktop's shared
        // cache (the "large" size for 160-pixel tiles).
        QTRY_VERIFY_WITH_TIMEOUT(!QDir(tmp_->filePath(QStringLiteral("cache/thumbnails/large"))).isEmpty(),
                                 20000);
        // Esc clears the query: the library again, unranked.
        QTest::keyClick(w->searchField(), Qt::Key_Escape);
        QCOMPARE(w->searchField()->text(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(!w->results()->isRanked() && w->results()->count() == 12, 20000);
    }

    // The box's parts become chips; removing one takes its words out of the box. A search saved under a
    // name sits in the side panel after a restart and, chosen, puts the query back.
    void typedPartsAreChipsAndSearchesAreSaved() {
        {
            auto w = openWindow();
            QVERIFY(w);
            QTest::keyClicks(w->searchField(), QStringLiteral("a cup of coffee -snow since 2020"));
            QTRY_VERIFY_WITH_TIMEOUT(w->chips()->texts().contains(QStringLiteral("not: snow")), 20000);
            QVERIFY2(w->chips()->texts().contains(QStringLiteral("taken since 2020: from 2020-01-01")),
                     qPrintable(w->chips()->texts().join(QLatin1Char('|'))));
            QVERIFY(w->chips()->texts().contains(QStringLiteral("named: coffee")));  // coffee.jpg
            // The "not" part is the second chip; its remove button takes "-snow" out of the box.
            QToolButton* notChip = w->chips()->button(QStringLiteral("typed:1"));
            QVERIFY(notChip);
            QTest::mouseClick(notChip, Qt::LeftButton);
            QCOMPARE(w->searchField()->text(), QStringLiteral("a cup of coffee since 2020"));
            QTRY_VERIFY_WITH_TIMEOUT(!w->chips()->texts().contains(QStringLiteral("not: snow")), 20000);
            QCOMPARE(w->session()->saveSearch(SavedSearch{
                         QStringLiteral("Coffee lately"), w->searchField()->text(), {}, {}, {}, {}, {}, {}}),
                     QString());
        }
        auto w = openWindow();  // a restart
        QVERIFY(w);
        QListWidget* saved = w->savedList();
        QTRY_COMPARE(saved->count(), 1);
        QCOMPARE(saved->item(0)->text(), QStringLiteral("Coffee lately"));
        w->clearFocus();
        QTest::mouseClick(saved->viewport(), Qt::LeftButton, {},
                          saved->visualItemRect(saved->item(0)).center());
        QCOMPARE(w->searchField()->text(), QStringLiteral("a cup of coffee since 2020"));
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->isRanked(), 20000);
        QCOMPARE(w->session()->deleteSavedSearch(QStringLiteral("Coffee lately")), QString());
        QTRY_COMPARE(saved->item(0)->flags(), Qt::NoItemFlags);  // the hint that none are saved
    }

    void droppingAPhotoShowsSimilarOnes() {
        auto w = openWindow();
        QVERIFY(w);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(photos_[2])});
        QDragEnterEvent enter(QPoint(300, 300), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(300, 300), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.get(), &drop);
        QCOMPARE(w->queryImage(), photos_[2]);
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->isRanked(), 20000);
        QCOMPARE(w->results()->count(), photos_.size() - 1);
        for (const SearchHit& h : w->results()->results()) QVERIFY(h.path != photos_[2]);
    }

    void tagDialogWritesTagsThatBecomeFilters() {
        auto w = openWindow();
        QVERIFY(w);
        auto tagRows = [this] {
            auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, false, {}});
            return lib->catalog().db().scalar("SELECT count(*) FROM tags");
        };
        {
            TagDialog dialog(w->session(), tmp_->filePath(QStringLiteral("photos")));
            dialog.show();
            QVERIFY(!dialog.templateEdit()->isVisible());  // the prompt template waits under Advanced
            dialog.advancedCheck()->setChecked(true);
            QVERIFY(dialog.templateEdit()->isVisible());
            dialog.labelsEdit()->setPlainText(QStringLiteral("cat\nrocket\n"));
            dialog.noneOfTheseCheck()->setChecked(false);  // every photo its closest label
            QTest::mouseClick(dialog.previewButton(), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(dialog.applyButton()->isEnabled(), 20000);
            QCOMPARE(dialog.results()->count(), photos_.size());
            QTRY_VERIFY(!dialog.results()->item(0)->icon().isNull());  // thumbnails, not only names
            QVERIFY2(dialog.summaryText().startsWith(QStringLiteral("12 photos")),
                     qPrintable(dialog.summaryText()));
            QTest::mouseClick(dialog.applyButton(), Qt::LeftButton);
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
        QCOMPARE(tagRows(), int64_t(photos_.size()));
        // The side panel lists them for filtering.
        QTRY_VERIFY(w->tagsList()->count() >= 2);

        // "None of these": at 99% a photo no label fits that surely is shown untagged, and Apply takes away
        // what the same labels said of it before. What is stored is what the preview showed.
        TagDialog dialog(w->session(), tmp_->filePath(QStringLiteral("photos")));
        dialog.show();
        dialog.labelsEdit()->setPlainText(QStringLiteral("cat\nrocket"));
        QVERIFY(dialog.noneOfTheseCheck()->isChecked());  // on by default
        dialog.confidenceSpin()->setValue(99);
        QTest::mouseClick(dialog.previewButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.applyButton()->isEnabled(), 20000);
        int untagged = 0;
        for (int i = 0; i < dialog.results()->count(); ++i)
            untagged += dialog.results()->item(i)->text().startsWith(QStringLiteral("no tag"));
        int decidedUntagged = 0;
        for (const TaggedPhoto& t : dialog.decided()) {
            float best = 0;
            for (const auto& [label, p] : t.probabilities) best = std::max(best, p);
            QCOMPARE(t.tag.isEmpty(), best * 100 < 99);
            decidedUntagged += t.tag.isEmpty();
        }
        QCOMPARE(untagged, decidedUntagged);
        if (untagged > 0) QVERIFY(dialog.summaryText().contains(QStringLiteral("left untagged")));
        QTest::mouseClick(dialog.applyButton(), Qt::LeftButton);
        QCOMPARE(tagRows(), int64_t(photos_.size() - untagged));
    }

    // A run's photos are in the window as each batch is in, not when the run ends (a first run of 10,000
    // photos takes 20 minutes): the run is paused after its first batch, and what the catalog then holds is
    // what the grid browses, what the folder tree counts (a new subfolder included) and what a typed query
    // ranks. The grid is not reset under a person who has chosen a photo in it.
    void photosOfARunShowAsTheyCome() {
        auto w = openWindow();
        QVERIFY(w);
        QTRY_COMPARE(w->results()->count(), 12);
        for (int i = 1; i <= 4; ++i)
            test::makePhotos(tmp_->filePath(QStringLiteral("photos/more%1").arg(i)), i);
        QSignalSpy finished(w->session(), &LibrarySession::indexingFinished);
        std::atomic<int> batches{0}, pauseAfter{1};
        LibrarySession* session = w->session();
        // On the indexing thread, as a batch is reported: the run waits before its next one.
        connect(
            session, &LibrarySession::indexProgress, session,
            [&batches, &pauseAfter, session] {
                if (++batches == pauseAfter) session->setPaused(true);
            },
            Qt::DirectConnection);
        session->startIndexing();
        QTRY_VERIFY_WITH_TIMEOUT(batches == 1, 30000);
        const int64_t first = session->status().indexed;  // committed, and no batch after it
        QVERIFY2(first > 12 && first < 60, qPrintable(QString::number(first)));

        QTRY_COMPARE_WITH_TIMEOUT(w->results()->count(), int(first), 5000);
        QTreeWidget* folders = w->foldersTree();
        QTRY_VERIFY_WITH_TIMEOUT(
            folders->topLevelItemCount() == 2 &&
                folders->topLevelItem(1)->text(0) == QStringLiteral("photos (%1)").arg(first),
            5000);
        QCOMPARE(folders->topLevelItem(1)->child(0)->text(0), QStringLiteral("more1 (%1)").arg(first - 12));
        QVERIFY2(w->libraryStatusText().startsWith(QStringLiteral("%1 photos").arg(first)),
                 qPrintable(w->libraryStatusText()));
        QTest::keyClicks(w->searchField(), QStringLiteral("a rocket"));
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->isRanked() && w->results()->count() == int(first), 20000);
        bool newPhotoFound = false;
        for (int row = 0; row < w->results()->rowCount(); ++row)
            newPhotoFound |= w->results()
                                 ->index(row)
                                 .data(ResultsModel::PathRole)
                                 .toString()
                                 .contains(QStringLiteral("/more1/"));
        QVERIFY(newPhotoFound);

        // Back to browsing, a photo chosen: the next batch is counted, and the grid stays as the person has
        // it.
        QTest::keyClick(w->searchField(), Qt::Key_Escape);
        QTRY_VERIFY_WITH_TIMEOUT(!w->results()->isRanked() && w->results()->count() == int(first), 20000);
        const QModelIndex chosen = w->results()->index(1);  // the first photo, under its month
        QVERIFY(!chosen.data(ResultsModel::PathRole).toString().isEmpty());
        w->grid()->setCurrentIndex(chosen);
        QSignalSpy shown(w.get(), &MainWindow::resultsShown);
        pauseAfter = 2;
        session->setPaused(false);
        QTRY_VERIFY_WITH_TIMEOUT(batches == 2, 30000);
        const int64_t second = session->status().indexed;
        QVERIFY(second > first);
        QTRY_VERIFY_WITH_TIMEOUT(w->libraryStatusText().startsWith(QStringLiteral("%1 photos").arg(second)),
                                 5000);
        QTest::qWait(1000);  // a browse asked for with the counts would be back (in 20 ms here)
        QCOMPARE(shown.count(), 0);
        QCOMPARE(w->results()->count(), int(first));
        QCOMPARE(w->grid()->currentIndex(), chosen);

        session->setPaused(false);
        QVERIFY(finished.wait(60000));
        QCOMPARE(session->status().indexed, int64_t(60));
        QTRY_COMPARE(w->results()->count(), 60);  // the run's end shows them all
    }

    void cancelStopsIndexingAndKeepsWhatWasDone() {
        auto w = openWindow();
        QVERIFY(w);
        for (int i = 1; i <= 4; ++i)
            test::makePhotos(tmp_->filePath(QStringLiteral("photos/more%1").arg(i)), i);
        QSignalSpy progress(w->session(), &LibrarySession::indexProgress);
        QSignalSpy finished(w->session(), &LibrarySession::indexingFinished);
        w->session()->startIndexing();
        QVERIFY(progress.wait(30000));
        QTRY_VERIFY(w->cancelButton()->isVisible());
        QTest::mouseClick(w->cancelButton(), Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.takeFirst().at(1).toBool(), true);
        auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, false, {}});
        const int64_t vectors = lib->catalog().vectorCount();
        QVERIFY(vectors > 12 && vectors < 12 + 48);  // some of the new photos, not all
        QCOMPARE(lib->catalog().db().scalar("SELECT count(*) FROM photos WHERE status = 'indexed'"), vectors);
    }

    void closingStopsTheWorkerAndLosesNothing() {
        auto w = openWindow();
        QVERIFY(w);
        for (int i = 1; i <= 4; ++i)
            test::makePhotos(tmp_->filePath(QStringLiteral("photos/more%1").arg(i)), i);
        QSignalSpy progress(w->session(), &LibrarySession::indexProgress);
        w->session()->startIndexing();
        QVERIFY(progress.wait(30000));
        w->close();
        w.reset();  // joins the worker
        auto lib = PhotoLibrary::open(
            {library(), model(), QStringLiteral("cpu"), 1, true, {}});  // the lock was released
        {
            SqliteStatement check(lib->catalog().db(), "PRAGMA integrity_check");
            QVERIFY(check.step());
            QCOMPARE(check.text(0), QStringLiteral("ok"));
        }  // finished: an open statement would hold the reading connection's snapshot
        const IndexReport rest = lib->index();
        QCOMPARE(rest.total, int64_t(60));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
