// The window as a photo application (offscreen, real event loop, real library, the tiny model): browsing
// without a query, honest and complete results, the query's parts as chips, true status, problems that stay
// reachable, live thumbnail size, typed dates, and a first run that leads somewhere. Each numbered case is a
// bug a person met (issue "The window a person expects"), tested as they met it.
#include "app_translations.h"
#include "library_session.h"
#include "main_window.h"
#include "photo_library.h"
#include "query_chips.h"
#include "results_model.h"
#include "testutils.h"
#include "thumbnail_cache.h"
#include "tile_delegate.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDockWidget>
#include <QDropEvent>
#include <QFile>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenuBar>
#include <QMimeData>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>
#include <QUrl>

using namespace photosearch;

class TestWindowBrowse : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;
    QStringList photos_;

    QString path(const QString& relative) const { return tmp_->filePath(relative); }
    QString library() const { return path(QStringLiteral("library")); }
    QString model() const { return test::dataPath("align-tiny/model"); }

    // A library of 12 photos under photos/, indexed before the window opens (unless `index` is false).
    void makeLibrary(bool index = true) {
        photos_ = test::makePhotos(path(QStringLiteral("photos")));
        if (!index) return;
        auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, true, {}});
        lib->addFolder(path(QStringLiteral("photos")));
        lib->index();
    }

    // The window once its model is loaded, its start-up re-scan has finished and it shows the library.
    std::unique_ptr<MainWindow> openWindow(int expectedPhotos = 12) {
        auto w = std::make_unique<MainWindow>(MainWindow::Options{library(), model(), {}, false});
        QSignalSpy finished(w->session(), &LibrarySession::indexingFinished);
        w->show();
        if (!finished.wait(60000)) return nullptr;
        if (!QTest::qWaitFor([&] { return w->results()->count() == expectedPhotos; }, 20000)) return nullptr;
        return w;
    }

    static void waitForSearch(MainWindow* w) {
        QSignalSpy shown(w, &MainWindow::resultsShown);
        QVERIFY(shown.wait(20000));
    }

  private slots:
    void initTestCase() { installTranslations(*QCoreApplication::instance()); }  // as main() does
    void init() {
        tmp_ = std::make_unique<QTemporaryDir>();
        qputenv("XDG_CACHE_HOME", path(QStringLiteral("cache")).toUtf8());
        qputenv("XDG_CONFIG_HOME", path(QStringLiteral("config")).toUtf8());
        QDir().mkpath(path(QStringLiteral("config")));
    }

    // 4. With nothing typed the grid shows the library, newest first, a header opening each month.
    void emptyQueryShowsTheLibraryAsATimeline() {
        makeLibrary(false);
        for (int i = 0; i < photos_.size(); ++i) {  // six photos in March 2021, six in May 2019
            QFile f(photos_[i]);
            QVERIFY(f.open(QIODevice::ReadWrite));
            const QDateTime when = i < 6 ? QDateTime(QDate(2021, 3, 10 + i), QTime(12, 0))
                                         : QDateTime(QDate(2019, 5, 1 + i), QTime(12, 0));
            QVERIFY(f.setFileTime(when, QFileDevice::FileModificationTime));
        }
        auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, true, {}});
        lib->addFolder(path(QStringLiteral("photos")));
        lib->index();
        lib.reset();
        auto w = openWindow();
        QVERIFY(w);
        QAbstractItemModelTester tester(w->results(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        ResultsModel* m = w->results();
        QCOMPARE(m->rowCount(), 12 + 2);  // two months
        QCOMPARE(m->index(0).data(ResultsModel::HeaderRole).toBool(), true);
        QCOMPARE(m->index(0).data(ResultsModel::TakenAtRole).toDateTime().date(), QDate(2021, 3, 1));
        QCOMPARE(m->index(1).data(ResultsModel::PathRole).toString(), photos_[5]);  // 15 March 2021
        QCOMPARE(m->index(7).data(ResultsModel::HeaderRole).toBool(), true);
        QCOMPARE(m->index(7).data(ResultsModel::TakenAtRole).toDateTime().date(), QDate(2019, 5, 1));
        QCOMPARE(m->index(13).data(ResultsModel::PathRole).toString(), photos_[6]);  // 7 May 2019, the oldest
        QVERIFY(!(m->flags(m->index(0)) & Qt::ItemIsSelectable));  // a header is not a photo
        QCOMPARE(w->countText(), QStringLiteral("12 photos"));     // English plurals, not "photo(s)"
        // Oldest first turns the timeline round; by name there are no months.
        w->sortBox()->setCurrentIndex(w->sortBox()->findData(int(ResultsModel::Order::OldestFirst)));
        emit w->sortBox()->activated(w->sortBox()->currentIndex());
        QCOMPARE(m->index(1).data(ResultsModel::PathRole).toString(), photos_[6]);
        w->sortBox()->setCurrentIndex(w->sortBox()->findData(int(ResultsModel::Order::Name)));
        emit w->sortBox()->activated(w->sortBox()->currentIndex());
        QCOMPARE(m->rowCount(), 12);
        QCOMPARE(m->index(0).data(Qt::DisplayRole).toString(), QStringLiteral("astronaut-mirror.png"));
        // A folder chosen in the side panel shows its photos, and a chip says so.
        QTreeWidget* folders = w->foldersTree();
        QCOMPARE(folders->topLevelItemCount(), 2);  // "All folders" and photos/
        QVERIFY(folders->topLevelItem(1)->text(0).contains(QStringLiteral("(12)")));
    }

    // 5. No silent cap: every result is there, the view pages them in as it scrolls, and the count says how
    // many good matches there are and how many more. Two files with one name are told apart by their folder.
    // Paging to the end with the scroll bar, a screen at a time as a person flinging the wheel does, loads
    // every photo, two at a time.
    void scrollingToTheEndLoadsEverything() {
        makeLibrary();
        auto w = openWindow();
        QVERIFY(w);
        ResultsModel* m = w->results();
        m->setPageSize(2);
        w->resize(420, 360);                            // a few tiles per screen
        const int sort = w->sortBox()->currentIndex();  // kept in the settings: put back below
        w->sortBox()->setCurrentIndex(w->sortBox()->findData(int(ResultsModel::Order::OldestFirst)));
        QTRY_VERIFY(m->count() == 12);  // again from the top, two photos at a time (what fills the view loads
                                        // ahead on its own: how many rows are in at this point is timing)
        QScrollBar* bar = w->grid()->verticalScrollBar();
        for (int frame = 0; frame < 200 && m->canFetchMore({}); ++frame) {
            bar->setValue(bar->value() + w->grid()->viewport()->height());
            QCoreApplication::processEvents();
        }
        const bool all = !m->canFetchMore({});
        w->sortBox()->setCurrentIndex(sort);
        QVERIFY(all);
    }

    void resultsAreCompleteAndCounted() {
        makeLibrary(false);
        test::makePhotos(path(QStringLiteral("photos/copy")), 1);  // the same twelve names, another folder
        auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, true, {}});
        lib->addFolder(path(QStringLiteral("photos")));
        lib->index();
        SearchOptions all;
        all.limit = 1000;
        // As the window reads the box ("coffee" names files here: fused) and groups the results.
        const ParsedQuery typed = parseQuery(QStringLiteral("a cup of coffee"), lib->queryContext());
        addParsedQuery(typed, all);
        auto expected = lib->search(typed.text, all);
        std::stable_partition(expected.begin(), expected.end(), [](const SearchResult& r) { return r.good; });
        QCOMPARE(expected.size(), size_t(24));
        lib.reset();
        auto w = openWindow(24);
        QVERIFY(w);
        QAbstractItemModelTester tester(w->results(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        w->results()->setPageSize(10);  // the view pages in what fills it; the rest as it scrolls
        QTest::keyClicks(w->searchField(), QStringLiteral("a cup of coffee"));
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->isRanked() && w->results()->count() == 24, 20000);
        ResultsModel* m = w->results();
        QVERIFY(m->indexOfResult(23).isValid());  // scrolled to the end: every result is there
        int good = 0;
        for (const SearchResult& r : expected) good += r.good;
        // Two groups, each opened by a header, when there are good matches and others.
        QCOMPARE(m->rowCount(), 24 + (good > 0 && good < 24 ? 2 : 0));
        QVERIFY(!m->canFetchMore({}));
        int goodLevels = 0;
        for (int i = 0; i < 24; ++i) {
            const QModelIndex at = m->indexOfResult(i);
            QCOMPARE(at.data(ResultsModel::PathRole).toString(), expected[size_t(i)].path);
            goodLevels += at.data(ResultsModel::LevelRole).toInt() == int(RelevanceScale::Level::Good);
            const double bar = at.data(ResultsModel::RelevanceRole).toDouble();
            QVERIFY(bar >= 0 && bar <= 1);
        }
        QCOMPARE(goodLevels, good);
        QCOMPARE(m->goodCount(), good);
        if (good > 0 && good < 24) {
            QCOMPARE(m->index(0).data(Qt::DisplayRole).toString(),
                     QStringLiteral("Good matches (%1)").arg(good));
            QCOMPARE(m->index(good + 1).data(Qt::DisplayRole).toString(),
                     QStringLiteral("More results (%1)").arg(24 - good));
        }
        if (good > 0) {
            QVERIFY2(w->countText().contains(QString::number(good)), qPrintable(w->countText()));
            QVERIFY2(w->countText().contains(QString::number(24 - good)), qPrintable(w->countText()));
        } else {
            QVERIFY2(w->countText().contains(QStringLiteral("24")), qPrintable(w->countText()));
        }
        // coffee.jpg twice: the tiles say which folder each is in, and so do their tooltips.
        QStringList coffeeFolders, coffeeTips;
        for (int i = 0; i < 24; ++i)
            if (const QModelIndex at = m->indexOfResult(i);
                at.data(Qt::DisplayRole).toString() == QStringLiteral("coffee.jpg")) {
                coffeeFolders << at.data(ResultsModel::FolderRole).toString();
                coffeeTips << at.data(Qt::ToolTipRole).toString();
            }
        QCOMPARE(coffeeFolders.size(), 2);
        QVERIFY(coffeeFolders[0] != coffeeFolders[1]);
        QVERIFY(coffeeTips[0] != coffeeTips[1]);
        QVERIFY(w->tileDelegate()->showDetails());  // folder and date are shown under names by default

        // The folder tree: photos/ holds 24 photos, 12 of them in its subfolder copy/, which can be chosen on
        // its own (by keyboard too) and filters the results to its photos.
        QTreeWidget* folders = w->foldersTree();
        QTreeWidgetItem* root = folders->topLevelItem(1);
        QCOMPARE(root->text(0), QStringLiteral("photos (24)"));
        QCOMPARE(root->childCount(), 1);
        QTreeWidgetItem* copy = root->child(0);
        QCOMPARE(copy->text(0), QStringLiteral("copy (12)"));
        QVERIFY(root->isExpanded());
        folders->setFocus();
        folders->setCurrentItem(root);
        QTest::keyClick(folders, Qt::Key_Down);
        QCOMPARE(folders->currentItem(), copy);
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->isRanked() && w->results()->count() == 12, 20000);
        for (int i = 0; i < 12; ++i)
            QVERIFY(m->indexOfResult(i)
                        .data(ResultsModel::PathRole)
                        .toString()
                        .contains(QStringLiteral("/photos/copy/")));
        QVERIFY(w->chips()->texts().contains(QStringLiteral("in copy")));
        // A subfolder cannot be removed on its own: the window says which folder to remove instead.
        QPushButton* remove = nullptr;
        for (QPushButton* b : w->findChildren<QPushButton*>())
            if (b->text() == QStringLiteral("Remove")) remove = b;
        QVERIFY(remove);
        QTest::mouseClick(remove, Qt::LeftButton);
        QVERIFY2(w->errorBanner().contains(QStringLiteral("is part of")), qPrintable(w->errorBanner()));
        QCOMPARE(w->session()->folders().size(), 1);
    }

    // 3. "Find similar" replaces what was typed: the photo is the query, shown as a chip; nothing blends in
    // unseen.
    void findSimilarReplacesTheTypedText() {
        makeLibrary();
        auto w = openWindow();
        QVERIFY(w);
        QTest::keyClicks(w->searchField(), QStringLiteral("a cup of coffee"));
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->isRanked(), 20000);
        w->searchSimilarTo(photos_[2]);
        QCOMPARE(w->searchField()->text(), QString());
        QVERIFY2(w->chips()->texts().contains(QStringLiteral("like ") + QFileInfo(photos_[2]).fileName()),
                 qPrintable(w->chips()->texts().join(QLatin1Char('|'))));
        QTRY_COMPARE_WITH_TIMEOUT(w->results()->count(), 11, 20000);
        auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, false, {}});
        SearchOptions o;
        o.limit = 1000;
        const auto expected = lib->similar(photos_[2], o);
        for (int i = 0; i < 11; ++i) QCOMPARE(w->results()->results()[i].path, expected[size_t(i)].path);
        // Removing the chip goes back to the library.
        QTest::mouseClick(w->chips()->button(QStringLiteral("image")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!w->results()->isRanked() && w->results()->count() == 12, 20000);
        QVERIFY(w->chips()->texts().isEmpty());
    }

    // 2. A tag chosen as a filter stays visibly chosen when the library changes (a folder added), and a chip
    // shows it; before, its highlight vanished while it still filtered.
    void tagFilterStaysVisible() {
        makeLibrary();
        auto w = openWindow();
        QVERIFY(w);
        w->session()->library()->tag(path(QStringLiteral("photos")),
                                     {QStringLiteral("cat"), QStringLiteral("rocket")});
        const int cats =
            static_cast<int>(w->session()->library()->catalog().photosTagged(QStringLiteral("cat")).size());
        QVERIFY(cats > 0);
        emit w->session()->libraryChanged();
        QListWidget* tags = w->tagsList();
        QListWidgetItem* cat = nullptr;
        for (int i = 0; i < tags->count(); ++i)
            if (tags->item(i)->data(Qt::UserRole).toString() == QStringLiteral("cat")) cat = tags->item(i);
        QVERIFY(cat);
        tags->setCurrentItem(cat);
        emit tags->itemClicked(cat);
        QTRY_COMPARE_WITH_TIMEOUT(w->results()->count(), cats, 20000);
        QVERIFY(w->chips()->texts().contains(QStringLiteral("tag: cat")));
        test::makePhotos(path(QStringLiteral("more")), 2);
        QCOMPARE(w->session()->addFolder(path(QStringLiteral("more"))), QString());
        QVERIFY(tags->currentItem());
        QCOMPARE(tags->currentItem()->data(Qt::UserRole).toString(), QStringLiteral("cat"));
        QVERIFY(w->chips()->texts().contains(QStringLiteral("tag: cat")));
        // Esc forgets the filter along with the query: the whole library again.
        QTest::keyClick(w->searchField(), Qt::Key_Escape);
        QVERIFY(w->chips()->texts().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->count() == 12, 20000);
    }

    // 6. Filters that leave nothing say so, name what to relax, and offer the way back.
    void noMatchesSaysSoAndOffersAWayBack() {
        makeLibrary();
        auto w = openWindow();
        QVERIFY(w);
        w->afterEdit()->setDate(QDate(2100, 1, 1));
        QCheckBox* from = nullptr;
        for (QCheckBox* b : w->findChildren<QCheckBox*>())
            if (b->text() == QStringLiteral("From")) from = b;
        QVERIFY(from);
        from->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->count() == 0, 20000);
        QTRY_VERIFY(w->emptyText().contains(QStringLiteral("No photos match")));
        QVERIFY2(w->emptyText().contains(QStringLiteral("from 2100-01-01")), qPrintable(w->emptyText()));
        QPushButton* clear = nullptr;
        for (QPushButton* b : w->findChildren<QPushButton*>())
            if (b->isVisible() && b->text().startsWith(QStringLiteral("Clear the search"))) clear = b;
        QVERIFY(clear);
        QTest::mouseClick(clear, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->count() == 12, 20000);
        QCOMPARE(w->emptyText(), QString());
    }

    // 7. The status bar says what the catalog holds, after a folder is removed and after Esc; a new run does
    // not say the last one stopped; paused shows "Paused", no rate.
    void statusStaysTrue() {
        makeLibrary();
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY2(w->libraryStatusText().contains(QStringLiteral("12")), qPrintable(w->libraryStatusText()));
        QTest::keyClicks(w->searchField(), QStringLiteral("a rocket"));
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->isRanked(), 20000);
        QTest::keyClick(w->searchField(), Qt::Key_Escape);
        QTRY_VERIFY_WITH_TIMEOUT(!w->results()->isRanked() && w->results()->count() == 12, 20000);
        QVERIFY2(w->countText().contains(QStringLiteral("12")), qPrintable(w->countText()));

        for (int i = 1; i <= 4; ++i) test::makePhotos(path(QStringLiteral("photos/more%1").arg(i)), i);
        QSignalSpy progress(w->session(), &LibrarySession::indexProgress);
        QSignalSpy finished(w->session(), &LibrarySession::indexingFinished);
        w->session()->startIndexing();
        QVERIFY(progress.wait(30000));
        QVERIFY(!w->indexingText().contains(QStringLiteral("stopped")));
        QToolButton* pause = nullptr;
        for (QToolButton* b : w->findChildren<QToolButton*>())
            if (b->text() == QStringLiteral("Pause")) pause = b;
        QVERIFY(pause && pause->isVisible());
        pause->setChecked(true);
        QTest::qWait(1500);  // a batch in flight reports while the run parks
        QVERIFY2(w->indexingText().contains(QStringLiteral("Paused")), qPrintable(w->indexingText()));
        QVERIFY2(!w->indexingText().contains(QStringLiteral("photos/s")), qPrintable(w->indexingText()));
        QTest::mouseClick(w->cancelButton(), Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QVERIFY(w->indexingText().contains(QStringLiteral("stopped")));
        w->session()->startIndexing();  // a new run: the old "stopped" goes
        QVERIFY(!w->indexingText().contains(QStringLiteral("stopped")));
        QVERIFY(finished.wait(60000));

        const int64_t all = w->session()->status().indexed;
        QVERIFY2(w->libraryStatusText().contains(QString::number(all)), qPrintable(w->libraryStatusText()));
        QCOMPARE(w->session()->removeFolder(path(QStringLiteral("photos"))), QString());
        QVERIFY2(w->libraryStatusText().startsWith(QStringLiteral("0 ")), qPrintable(w->libraryStatusText()));
    }

    // 8. Problems: rebuilt from the catalog at start (also after a restart), reachable from the status bar
    // and the View menu after the panel was closed.
    void problemsAreReachableAfterARestart() {
        makeLibrary(false);
        test::writeFile(path(QStringLiteral("photos/broken.jpg")), QByteArray("not a photo"));
        {
            auto lib = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 1, true, {}});
            lib->addFolder(path(QStringLiteral("photos")));
            QCOMPARE(lib->index().failed.size(), size_t(1));
        }
        auto w = openWindow();  // a restart, as far as the window knows: the failure is in the catalog only
        QVERIFY(w);
        QCOMPARE(w->errorsList()->count(), 1);
        QVERIFY(w->errorsList()->item(0)->text().contains(QStringLiteral("broken.jpg")));
        QVERIFY2(w->libraryStatusText().contains(QStringLiteral("1 failed")),
                 qPrintable(w->libraryStatusText()));
        w->problemsDock()->close();
        QVERIFY(!w->problemsDock()->isVisible());
        QAction* fromMenu = nullptr;
        for (QAction* menu : w->menuBar()->actions())
            if (menu->menu())
                for (QAction* a : menu->menu()->actions())
                    if (a->text() == QStringLiteral("Problems")) fromMenu = a;
        QVERIFY(fromMenu);
        fromMenu->trigger();
        QVERIFY(w->problemsDock()->isVisible());
        w->problemsDock()->close();
        for (QToolButton* b : w->findChildren<QToolButton*>())
            if (b->text().contains(QStringLiteral("failed"))) QTest::mouseClick(b, Qt::LeftButton);
        QVERIFY(w->problemsDock()->isVisible());
    }

    // 8. The thumbnail size changes at once (no restart), and is kept for the next start.
    void thumbnailSizeChangesLive() {
        makeLibrary();
        auto w = openWindow();
        QVERIFY(w);
        const QModelIndex photo = w->results()->indexOfResult(0);
        QStyleOptionViewItem option;
        option.initFrom(w->grid());
        const QSize before = w->tileDelegate()->sizeHint(option, photo);
        w->thumbnailSlider()->setValue(256);
        QCOMPARE(w->tileDelegate()->thumbnailSize(), 256);
        const QSize after = w->tileDelegate()->sizeHint(option, photo);
        QCOMPARE(after.width() - before.width(), 256 - 160);
        QTRY_VERIFY_WITH_TIMEOUT(
            !w->results()->index(photo.row()).data(Qt::DecorationRole).value<QImage>().isNull(), 20000);
        const QImage thumb = w->results()->index(photo.row()).data(Qt::DecorationRole).value<QImage>();
        QCOMPARE(std::max(thumb.width(), thumb.height()), 256);
        QCOMPARE(QSettings().value(QStringLiteral("view/thumbnail")).toInt(), 256);
    }

    // 8. A date typed as digits is the date meant (it was 25 Jan 2020 for "01 Jan 2020").
    void typedDatesAreTheDatesMeant() {
        makeLibrary();
        auto w = openWindow();
        QVERIFY(w);
        QDateEdit* edit = w->afterEdit();
        edit->setFocus();
        edit->setSelectedSection(QDateTimeEdit::YearSection);
        QTest::keyClicks(edit, QStringLiteral("2020-01-01"));
        QCOMPARE(edit->date(), QDate(2020, 1, 1));
        edit->setSelectedSection(QDateTimeEdit::YearSection);
        QTest::keyClicks(edit, QStringLiteral("20190315"));  // digits alone move on section by section
        QCOMPARE(edit->date(), QDate(2019, 3, 15));
    }

    // 9. A first run with an empty library says what to do and adds the Pictures folder with one click;
    // photos appear as the run indexes them.
    void firstRunLeadsToThePicturesFolder() {
        photos_ = test::makePhotos(path(QStringLiteral("Pictures")));
        QFile dirs(path(QStringLiteral("config/user-dirs.dirs")));
        QVERIFY(dirs.open(QIODevice::WriteOnly));
        dirs.write("XDG_PICTURES_DIR=\"" + path(QStringLiteral("Pictures")).toUtf8() + "\"\n");
        dirs.close();
        auto w = std::make_unique<MainWindow>(MainWindow::Options{library(), model(), {}, false});
        w->show();
        QSignalSpy ready(w.get(), &MainWindow::modelReady);
        QVERIFY(ready.wait(60000));
        QTRY_VERIFY(w->emptyText().contains(QStringLiteral("Your library is empty")));
        QPushButton* pictures = nullptr;
        for (QPushButton* b : w->findChildren<QPushButton*>())
            if (b->isVisible() && b->text().startsWith(QStringLiteral("Add your Pictures folder")))
                pictures = b;
        QVERIFY(pictures);
        QVERIFY(pictures->text().contains(path(QStringLiteral("Pictures"))));
        QTest::mouseClick(pictures, Qt::LeftButton);
        QCOMPARE(w->session()->folders(),
                 QStringList{QFileInfo(path(QStringLiteral("Pictures"))).canonicalFilePath()});
        QTRY_VERIFY_WITH_TIMEOUT(w->results()->count() == 12, 60000);
        QCOMPARE(w->emptyText(), QString());
    }

    // 1. No model (Cancel in the model dialog), then a folder dropped on the window: it says the library is
    // not open yet instead of crashing.
    void addingAFolderWithoutAModelSaysWhy() {
        makeLibrary(false);
        MainWindow w(MainWindow::Options{library(), path(QStringLiteral("no-model")), {}, false});
        w.show();
        QTRY_VERIFY(!w.errorBanner().isEmpty());
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path(QStringLiteral("photos")))});
        QDragEnterEvent enter(QPoint(300, 300), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(300, 300), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QVERIFY2(w.errorBanner().contains(QStringLiteral("not open yet")), qPrintable(w.errorBanner()));
        QVERIFY(w.errorBanner().contains(QStringLiteral("Get the model")));
    }
};

QTEST_MAIN(TestWindowBrowse)
#include "tst_window_browse.moc"
