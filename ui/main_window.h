#pragma once

#include "library_session.h"
#include "query_parser.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <cstdint>
#include <utility>
#include <vector>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QTreeWidget;
class QProgressBar;
class QPushButton;
class QSlider;
class QStackedWidget;
class QToolButton;
class QDockWidget;

namespace photosearch {

class PhotoViewer;
class QueryChips;
class ResultsModel;
class ThumbnailCache;
class TileDelegate;

// The main window: a search field on top (results follow typing) with the query's parts as chips, the grid
// (the library as a timeline when nothing is typed, else every result best first, paged in as it scrolls),
// a side panel with folders, tags and dates, the library's state and indexing progress in the status bar,
// and the files that failed in a Problems panel.
class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    struct Options {
        QString libraryDir;
        QString modelDir;
        QString initialQuery;
        bool askForModel = true;
        // Once the model is ready: re-scan the folders and run the initial query. WindowAutomation's typing
        // measurement turns it off, to time the search alone.
        bool startWork = true;
    };

    explicit MainWindow(Options options, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Test and automation hooks.
    QLineEdit* searchField() const { return search_; }
    QLineEdit* notField() const { return not_; }
    ResultsModel* results() const { return model_; }
    QListView* grid() const { return grid_; }
    LibrarySession* session() { return &session_; }
    QListWidget* errorsList() const { return errors_; }
    QListWidget* tagsList() const { return tags_; }
    QListWidget* savedList() const { return saved_; }
    QToolButton* saveSearchButton() const { return saveSearch_; }
    QTreeWidget* foldersTree() const { return folders_; }
    QueryChips* chips() const { return chips_; }
    QComboBox* sortBox() const { return sort_; }
    QDateEdit* afterEdit() const { return after_; }
    QDockWidget* problemsDock() const { return errorsDock_; }
    QSlider* thumbnailSlider() const { return sizeSlider_; }
    TileDelegate* tileDelegate() const { return delegate_; }
    ThumbnailCache* thumbnailCache() const { return thumbnails_; }
    // What the line above the grid says of the results ("48 good matches, 312 more").
    QString countText() const;
    // What the grid's place shows when there is nothing to show ("No photos match ..."), else empty.
    QString emptyText() const;
    // The library's state in the status bar ("350 photos searchable · 2 failed").
    QString libraryStatusText() const;
    QString indexingText() const;
    QPushButton* cancelButton() const { return cancelButton_; }
    QString queryImage() const { return queryImage_; }
    QString errorBanner() const;
    void searchSimilarTo(const QString& path);
    // The viewer open now (Enter or a double-click on a photo), or null.
    PhotoViewer* viewer() const;
    void openPreview(const QModelIndex& index);
    void openTagDialog(const QString& folder);
    void openTagManager();
    // The photos selected in the grid (several with Ctrl/Shift), by path.
    QStringList selectedPaths() const;
    // Gives `tag` to (on) or takes it from the photos at `paths` (the context menu's Add tag / Remove tag);
    // the error shown, or empty.
    QString tagPhotos(const QStringList& paths, const QString& tag, bool on);

  signals:
    void modelReady();             // the model is loaded and a search has run
    void resultsShown(int count);  // the grid shows the results of the latest search

  protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    QWidget* buildSidePanel();
    void buildStatusBar();
    void start();
    // Library > Get the model...: the download-or-choose dialog; starts the library when it was waiting for
    // one.
    bool chooseModel();
    QString noModelMessage() const;
    void runQuery();
    // Adds a photo folder (asking which when none is given) and indexes it: the menu, the side panel's
    // button and a folder dropped on the window.
    void addFolder(QString dir = {});
    void showError(const QString& message);
    // Rebuilds the folder tree and the tag list from the catalog (after the library changed).
    void refreshSidePanel();
    // The folder tree (main_window_folders.cpp) from the catalog's photos per directory: built anew, keeping
    // what the person opened and where they scrolled; each row's count of photos, false when a folder
    // holding photos has no row yet; the counts read again during an index run (the tree built anew when a
    // folder is new).
    void rebuildFolderTree(const std::vector<std::pair<QString, int64_t>>& directories);
    bool showFolderCounts(const std::vector<std::pair<QString, int64_t>>& directories);
    void refreshFolderCounts();
    // What an index run has added so far: the status bar's and folder tree's counts, and the grid's photos
    // when that does not take the person's place in it. `quiet`: the run stopped reporting (paused, or
    // between chunks); only what was skipped is read.
    void showRunSoFar(bool quiet);
    // A read of the catalog repeated while an index run reports: due once 20 times its last cost has passed
    // (a second at least), so that it takes at most about 5% of the window's thread; one skipped is done
    // when the run goes quiet.
    struct Throttled {
        QElapsedTimer since;
        qint64 costMs = 0;
        bool skipped = false;
        bool due(bool quiet);
    };
    Throttled folderCounts_, runGrid_;
    // Shows the folder and tag filters in use as chosen in the side panel, and as chips; drops a filter on
    // something the panel no longer lists.
    void showActiveFilters();
    void refreshLibraryStatus();
    void refreshProblems();
    void showResults(const QVector<SearchHit>& hits, double ms);
    void updateChips();
    // What the results answer, in words: the query ("“beach”", "like IMG_0026.jpg") when ranked, else
    // where the photos come from ("All photos", "In Holidays, tagged beach").
    QString queryWords() const;
    QString browseScope() const;
    void updateEmptyState();
    // Forgets the query and every filter: the whole library, newest first.
    void clearQuery();
    // The search on screen as a saved search, and putting one back on screen (main_window_panels.cpp).
    SavedSearch currentSearch(const QString& name) const;
    void showSavedSearch(const QString& name);
    void askToSaveSearch();
    void setThumbnailSize(int size);
    // Ctrl+V on the grid: a copied photo, file or path becomes the query (find similar).
    void pasteQuery();
    // Indexing progress, pause and the end of a run, in the status bar.
    void wireIndexing();
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showContextMenu(const QPoint& pos);
    SearchOptions currentOptions() const;

    Options options_;
    LibrarySession session_;
    ThumbnailCache* thumbnails_;
    ResultsModel* model_;
    QLineEdit* search_;
    QLineEdit* not_;
    QueryChips* chips_;
    QComboBox* sort_;
    QToolButton* details_;
    QLabel* count_;
    QLabel* banner_;
    QStackedWidget* gridStack_;
    QListView* grid_;
    TileDelegate* delegate_;
    QLabel* emptyText_;
    QPushButton* emptyAddPictures_;
    QPushButton* emptyAddFolder_;
    QPushButton* emptyClear_;
    QTreeWidget* folders_;
    QListWidget* tags_;
    QListWidget* saved_;  // saved searches, by name
    QToolButton* saveSearch_;
    QCheckBox* afterOn_;
    QCheckBox* beforeOn_;
    QDateEdit* after_;
    QDateEdit* before_;
    QLabel* statusText_;
    QLabel* libraryStatus_;
    QToolButton* problemsButton_;
    QSlider* sizeSlider_;
    QProgressBar* progress_;
    QLabel* rate_;
    QToolButton* pauseButton_;
    QPushButton* cancelButton_;
    QDockWidget* errorsDock_;
    QListWidget* errors_;
    QTimer debounce_;
    QString queryImage_;
    QPixmap queryImageIcon_;
    QString activeTag_;
    ParsedQuery typed_;  // what the search box's text was read as (its parts are chips)
    QString activeFolder_;
    int latestRequest_ = 0;
    bool latestRanked_ = false;  // the latest request was a search (scores), not browsing
    double latestMs_ = 0;
    // While an index run reports: showRunSoFar at most once a second, and once more a second after the last
    // report when one came meanwhile.
    QTimer countsClock_;
    bool countsPending_ = false;

    bool modelReady_ = false;
    QPointer<PhotoViewer> viewer_;
};

}  // namespace photosearch
