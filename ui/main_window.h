#pragma once

#include <QMainWindow>

class QLineEdit;
class QListView;
class QLabel;

namespace photosearch {

// The main window: search field on top, results grid below, status bar at the bottom.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        QString libraryDir;
        QString modelDir;
        QString initialQuery;
    };

    explicit MainWindow(Options options, QWidget* parent = nullptr);

    QLineEdit* searchField() const { return search_; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void restoreSettings();
    void updateModelStatus();

    Options options_;
    QLineEdit* search_ = nullptr;
    QListView* grid_ = nullptr;
    QLabel* status_ = nullptr;
};

}  // namespace photosearch
