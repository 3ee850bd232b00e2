#include "main_window.h"

#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QVBoxLayout>

namespace photosearch {

MainWindow::MainWindow(Options options, QWidget* parent) : QMainWindow(parent), options_(std::move(options)) {
    setWindowTitle(tr("PhotoSearch"));
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    search_ = new QLineEdit(central);
    search_->setPlaceholderText(tr("Describe a photo: \"kids on the beach at sunset\""));
    search_->setClearButtonEnabled(true);
    search_->setText(options_.initialQuery);
    grid_ = new QListView(central);
    grid_->setViewMode(QListView::IconMode);
    grid_->setResizeMode(QListView::Adjust);
    grid_->setUniformItemSizes(true);
    layout->addWidget(search_);
    layout->addWidget(grid_, 1);
    setCentralWidget(central);

    status_ = new QLabel(this);
    statusBar()->addWidget(status_, 1);

    auto* focusSearch = new QShortcut(QKeySequence::Find, this);
    connect(focusSearch, &QShortcut::activated, search_, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    auto* clear = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(clear, &QShortcut::activated, search_, &QLineEdit::clear);

    restoreSettings();
    updateModelStatus();
}

void MainWindow::restoreSettings() {
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) resize(1100, 750);
}

void MainWindow::updateModelStatus() {
    const QString config = QDir(options_.modelDir).filePath(QStringLiteral("config.json"));
    if (QFileInfo::exists(config))
        status_->setText(tr("Model: %1").arg(QDir::toNativeSeparators(options_.modelDir)));
    else
        status_->setText(tr("No model found in %1").arg(QDir::toNativeSeparators(options_.modelDir)));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    event->accept();
}

}  // namespace photosearch
