// MainWindow's side panel (folders, tags, filters) and status bar (indexing progress, problems): built
// here, beside main_window.cpp, which keeps the window's behaviour.
#include "main_window.h"

#include "model_dialog.h"
#include "model_downloader.h"
#include "preview_dialog.h"
#include "results_model.h"
#include "settings_dialog.h"
#include "tag_dialog.h"
#include "thumbnail_cache.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateEdit>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QToolButton>
#include <QUrl>

#include <QVBoxLayout>
#include <algorithm>

namespace photosearch {

QWidget* MainWindow::buildSidePanel() {
    auto* panel = new QWidget(this);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);

    auto* foldersBox = new QGroupBox(tr("Folders"), panel);
    auto* fl = new QVBoxLayout(foldersBox);
    folders_ = new QListWidget(foldersBox);
    fl->addWidget(folders_);
    auto* buttons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add..."), foldersBox);
    auto* remove = new QPushButton(tr("Remove"), foldersBox);
    auto* rescan = new QPushButton(tr("Re-scan"), foldersBox);
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addWidget(rescan);
    fl->addLayout(buttons);
    layout->addWidget(foldersBox, 1);
    connect(add, &QPushButton::clicked, this, [this] { addFolder(); });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (!folders_->currentItem()) return;
        const QString folder = folders_->currentItem()->text();
        if (QMessageBox::question(
                this, tr("Remove folder"),
                tr("Stop searching %1? The photos themselves are not touched.").arg(folder)) !=
            QMessageBox::Yes)
            return;
        if (const QString e = session_.removeFolder(folder); !e.isEmpty()) showError(e);
        runQuery();
    });
    connect(rescan, &QPushButton::clicked, this, [this] { session_.startIndexing(); });
    folders_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(folders_, &QListWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (QListWidgetItem* item = folders_->itemAt(pos)) {
            QMenu menu;
            menu.addAction(tr("Tag this folder..."), this,
                           [this, path = item->text()] { openTagDialog(path); });
            menu.exec(folders_->viewport()->mapToGlobal(pos));
        }
    });

    auto* tagsBox = new QGroupBox(tr("Tags"), panel);
    auto* tl = new QVBoxLayout(tagsBox);
    tags_ = new QListWidget(tagsBox);
    tl->addWidget(tags_);
    layout->addWidget(tagsBox, 1);
    connect(tags_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        activeTag_ = item->data(Qt::UserRole).toString();
        runQuery();
    });

    auto* filtersBox = new QGroupBox(tr("Filters"), panel);
    auto* gl = new QVBoxLayout(filtersBox);
    folderFilter_ = new QComboBox(filtersBox);
    gl->addWidget(folderFilter_);
    auto* afterRow = new QHBoxLayout;
    afterOn_ = new QCheckBox(tr("From"), filtersBox);
    after_ = new QDateEdit(QDate::currentDate().addYears(-1), filtersBox);
    after_->setCalendarPopup(true);
    afterRow->addWidget(afterOn_);
    afterRow->addWidget(after_, 1);
    auto* beforeRow = new QHBoxLayout;
    beforeOn_ = new QCheckBox(tr("Until"), filtersBox);
    before_ = new QDateEdit(QDate::currentDate(), filtersBox);
    before_->setCalendarPopup(true);
    beforeRow->addWidget(beforeOn_);
    beforeRow->addWidget(before_, 1);
    gl->addLayout(afterRow);
    gl->addLayout(beforeRow);
    layout->addWidget(filtersBox);
    for (QObject* o : {static_cast<QObject*>(afterOn_), static_cast<QObject*>(beforeOn_)})
        connect(static_cast<QCheckBox*>(o), &QCheckBox::toggled, this, [this] { debounce_.start(); });
    connect(after_, &QDateEdit::dateChanged, this, [this] {
        if (afterOn_->isChecked()) debounce_.start();
    });
    connect(before_, &QDateEdit::dateChanged, this, [this] {
        if (beforeOn_->isChecked()) debounce_.start();
    });
    connect(folderFilter_, &QComboBox::currentIndexChanged, this, [this] { debounce_.start(); });
    return panel;
}

void MainWindow::buildStatusBar() {
    statusText_ = new QLabel(this);
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(240);
    progress_->setTextVisible(true);
    rate_ = new QLabel(this);
    pauseButton_ = new QToolButton(this);
    pauseButton_->setText(tr("Pause"));
    pauseButton_->setCheckable(true);
    cancelButton_ = new QPushButton(tr("Stop indexing"), this);
    statusBar()->addWidget(statusText_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(rate_);
    statusBar()->addPermanentWidget(pauseButton_);
    statusBar()->addPermanentWidget(cancelButton_);
    for (QWidget* w : {static_cast<QWidget*>(progress_), static_cast<QWidget*>(rate_),
                       static_cast<QWidget*>(pauseButton_), static_cast<QWidget*>(cancelButton_)})
        w->setVisible(false);
    connect(pauseButton_, &QToolButton::toggled, this, [this](bool paused) {
        session_.setPaused(paused);
        pauseButton_->setText(paused ? tr("Resume") : tr("Pause"));
    });
    connect(cancelButton_, &QPushButton::clicked, this, [this] { session_.cancelIndexing(); });
}

void MainWindow::refreshSidePanel() {
    const QStringList folders = session_.folders();
    folders_->clear();
    folders_->addItems(folders);
    const QString currentFolder = folderFilter_->currentData().toString();
    folderFilter_->blockSignals(true);
    folderFilter_->clear();
    folderFilter_->addItem(tr("All folders"), QString());
    for (const QString& f : folders) folderFilter_->addItem(QFileInfo(f).fileName(), f);
    folderFilter_->setCurrentIndex(std::max(0, folderFilter_->findData(currentFolder)));
    folderFilter_->blockSignals(false);
    tags_->clear();
    auto* all = new QListWidgetItem(tr("All photos"), tags_);
    all->setData(Qt::UserRole, QString());
    for (const QString& t : session_.tags()) {
        auto* item = new QListWidgetItem(t, tags_);
        item->setData(Qt::UserRole, t);
    }
}

}  // namespace photosearch
