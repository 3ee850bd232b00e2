#pragma once

#include "library_session.h"

#include <QMainWindow>
#include <QTimer>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QToolButton;
class QDockWidget;

namespace photosearch {

class ResultsModel;
class ThumbnailCache;

// The main window: a search field on top (results follow typing), the results grid, a side panel with
// folders, tags and filters, indexing progress in the status bar, and errors in a panel.
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
    QPushButton* cancelButton() const { return cancelButton_; }
    QString queryImage() const { return queryImage_; }
    QString errorBanner() const;
    void searchSimilarTo(const QString& path);
    void openTagDialog(const QString& folder);

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
    void refreshSidePanel();
    void showContextMenu(const QPoint& pos);
    void openPreview(const QModelIndex& index);
    SearchOptions currentOptions() const;

    Options options_;
    LibrarySession session_;
    ThumbnailCache* thumbnails_;
    ResultsModel* model_;
    QLineEdit* search_;
    QLineEdit* not_;
    QSpinBox* limit_;
    QDoubleSpinBox* minScore_;
    QWidget* queryChip_;
    QLabel* queryChipImage_;
    QLabel* queryChipText_;
    QLabel* banner_;
    QListView* grid_;
    QListWidget* folders_;
    QListWidget* tags_;
    QComboBox* folderFilter_;
    QCheckBox* afterOn_;
    QCheckBox* beforeOn_;
    QDateEdit* after_;
    QDateEdit* before_;
    QLabel* statusText_;
    QProgressBar* progress_;
    QLabel* rate_;
    QToolButton* pauseButton_;
    QPushButton* cancelButton_;
    QDockWidget* errorsDock_;
    QListWidget* errors_;
    QTimer debounce_;
    QString queryImage_;
    QString activeTag_;
    int latestRequest_ = 0;

    bool modelReady_ = false;
};

}  // namespace photosearch
