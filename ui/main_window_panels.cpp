// MainWindow's side panel (folders, tags, dates) and status bar (the library's state, indexing, problems):
// built here, beside main_window.cpp, which keeps the window's behaviour.
#include "main_window.h"

#include "native_path.h"
#include "photo_facts.h"
#include "query_chips.h"

#include "model_dialog.h"
#include "model_downloader.h"
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
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QKeyEvent>
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
#include <QScrollBar>
#include <QSettings>
#include <QShortcut>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QUrl>

#include <QVBoxLayout>
#include <algorithm>
#include <functional>
#include <utility>

namespace photosearch {

namespace {

QString duration(double seconds) {
    if (seconds < 0) return QStringLiteral("--:--");
    const int s = static_cast<int>(seconds + 0.5);
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// A date typed as written, digits in a fixed order ("2020-01-01"; a locale's month names made typed dates
// land on other days). After a whole year QDateEdit has already moved on to the month, so the "-" typed next
// must not move on again and skip the month.
class IsoDateEdit : public QDateEdit {
  public:
    IsoDateEdit(const QDate& date, QWidget* parent) : QDateEdit(date, parent) {
        setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
        setCalendarPopup(true);
    }

  protected:
    void keyPressEvent(QKeyEvent* event) override {
        const QLineEdit* edit = lineEdit();
        const int at = edit->hasSelectedText() ? edit->selectionStart() : edit->cursorPosition();
        if (event->text() == QLatin1String("-") && at > 0 && edit->text().at(at - 1) == QLatin1Char('-'))
            return;
        QDateEdit::keyPressEvent(event);
    }
};

}  // namespace

QWidget* MainWindow::buildSidePanel() {
    auto* panel = new QWidget(this);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);

    // Folders as a tree with their subfolders, each with the photos under it: choosing one shows its photos
    // (a chip says so); the buttons manage the library's folders.
    auto* foldersBox = new QGroupBox(tr("Folders"), panel);
    auto* fl = new QVBoxLayout(foldersBox);
    folders_ = new QTreeWidget(foldersBox);
    folders_->setHeaderHidden(true);
    folders_->setUniformRowHeights(true);
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
        QTreeWidgetItem* chosen = folders_->currentItem();
        const QString folder = chosen ? chosen->data(0, Qt::UserRole).toString() : QString();
        if (folder.isEmpty()) return showError(tr("Choose the folder to remove in the list first."));
        while (chosen->parent()) chosen = chosen->parent();  // a subfolder: the folder added holds it
        if (chosen->data(0, Qt::UserRole).toString() != folder)
            return showError(tr("%1 is part of %2. Remove %2 to stop searching it.")
                                 .arg(native_path::display(folder),
                                      native_path::display(chosen->data(0, Qt::UserRole).toString())));
        if (QMessageBox::question(this, tr("Remove folder"),
                                  tr("Stop searching %1? The photos themselves are not touched.")
                                      .arg(native_path::display(folder))) != QMessageBox::Yes)
            return;
        if (const QString e = session_.removeFolder(folder); !e.isEmpty()) return showError(e);
        if (activeFolder_ == folder) activeFolder_.clear();
        showActiveFilters();  // the panel itself was rebuilt on libraryChanged
        runQuery();
    });
    connect(rescan, &QPushButton::clicked, this, [this] { session_.startIndexing(); });
    // The current item, by click or by keyboard, is the filter.
    connect(folders_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (!item) return;
        activeFolder_ = item->data(0, Qt::UserRole).toString();
        runQuery();
    });
    folders_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(folders_, &QTreeWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        QTreeWidgetItem* item = folders_->itemAt(pos);
        if (!item || item->data(0, Qt::UserRole).toString().isEmpty()) return;
        const QString path = item->data(0, Qt::UserRole).toString();
        QMenu menu;
        menu.addAction(tr("Tag this folder..."), this, [this, path] { openTagDialog(path); });
        menu.addAction(tr("Open in file manager"), this, [this, path] { showError(openWithDesktop(path)); });
        menu.exec(folders_->viewport()->mapToGlobal(pos));
    });

    auto* tagsBox = new QGroupBox(tr("Tags"), panel);
    auto* tl = new QVBoxLayout(tagsBox);
    tags_ = new QListWidget(tagsBox);
    tl->addWidget(tags_);
    auto* manage = new QPushButton(tr("Manage tags..."), tagsBox);
    tl->addWidget(manage);
    connect(manage, &QPushButton::clicked, this, &MainWindow::openTagManager);
    layout->addWidget(tagsBox, 1);
    connect(tags_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        activeTag_ = item->data(Qt::UserRole).toString();
        runQuery();
    });

    auto* savedBox = new QGroupBox(tr("Saved searches"), panel);
    auto* sl = new QVBoxLayout(savedBox);
    saved_ = new QListWidget(savedBox);
    saved_->setContextMenuPolicy(Qt::CustomContextMenu);
    sl->addWidget(saved_);
    layout->addWidget(savedBox, 1);
    connect(saved_, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { showSavedSearch(item->data(Qt::UserRole).toString()); });
    connect(saved_, &QListWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        QListWidgetItem* item = saved_->itemAt(pos);
        if (!item || item->data(Qt::UserRole).toString().isEmpty()) return;
        const QString name = item->data(Qt::UserRole).toString();
        QMenu menu;
        menu.addAction(tr("Delete \u201c%1\u201d").arg(name), this,
                       [this, name] { showError(session_.deleteSavedSearch(name)); });
        menu.exec(saved_->viewport()->mapToGlobal(pos));
    });
    connect(saveSearch_, &QToolButton::clicked, this, &MainWindow::askToSaveSearch);

    auto* datesBox = new QGroupBox(tr("Taken"), panel);
    auto* gl = new QVBoxLayout(datesBox);
    auto* afterRow = new QHBoxLayout;
    afterOn_ = new QCheckBox(tr("From"), datesBox);
    after_ = new IsoDateEdit(QDate::currentDate().addYears(-1), datesBox);
    auto* beforeRow = new QHBoxLayout;
    beforeOn_ = new QCheckBox(tr("Until"), datesBox);
    before_ = new IsoDateEdit(QDate::currentDate(), datesBox);
    afterRow->addWidget(afterOn_);
    afterRow->addWidget(after_, 1);
    beforeRow->addWidget(beforeOn_);
    beforeRow->addWidget(before_, 1);
    gl->addLayout(afterRow);
    gl->addLayout(beforeRow);
    layout->addWidget(datesBox);
    for (QCheckBox* box : {afterOn_, beforeOn_})
        connect(box, &QCheckBox::toggled, this, [this] { debounce_.start(); });
    connect(after_, &QDateEdit::dateChanged, this, [this] {
        if (afterOn_->isChecked()) debounce_.start();
    });
    connect(before_, &QDateEdit::dateChanged, this, [this] {
        if (beforeOn_->isChecked()) debounce_.start();
    });
    return panel;
}

void MainWindow::buildStatusBar() {
    statusText_ = new QLabel(this);
    libraryStatus_ = new QLabel(this);
    problemsButton_ = new QToolButton(this);
    problemsButton_->setAutoRaise(true);
    problemsButton_->setToolTip(tr("The files that could not be indexed, and why"));
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(240);
    progress_->setTextVisible(true);
    rate_ = new QLabel(this);
    pauseButton_ = new QToolButton(this);
    pauseButton_->setText(tr("Pause"));
    pauseButton_->setCheckable(true);
    cancelButton_ = new QPushButton(tr("Stop indexing"), this);
    sizeSlider_ = new QSlider(Qt::Horizontal, this);
    sizeSlider_->setRange(64, 384);
    sizeSlider_->setSingleStep(16);
    sizeSlider_->setPageStep(32);
    sizeSlider_->setValue(thumbnails_->size());
    sizeSlider_->setMaximumWidth(120);
    sizeSlider_->setToolTip(tr("Thumbnail size (Ctrl+wheel over the photos)"));
    sizeSlider_->setAccessibleName(tr("Thumbnail size"));
    statusBar()->addWidget(libraryStatus_);
    statusBar()->addWidget(problemsButton_);
    statusBar()->addWidget(statusText_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(rate_);
    statusBar()->addPermanentWidget(pauseButton_);
    statusBar()->addPermanentWidget(cancelButton_);
    statusBar()->addPermanentWidget(sizeSlider_);
    for (QWidget* w :
         {static_cast<QWidget*>(progress_), static_cast<QWidget*>(rate_), static_cast<QWidget*>(pauseButton_),
          static_cast<QWidget*>(cancelButton_), static_cast<QWidget*>(problemsButton_)})
        w->setVisible(false);
    connect(pauseButton_, &QToolButton::toggled, this, [this](bool paused) {
        session_.setPaused(paused);
        pauseButton_->setText(paused ? tr("Resume") : tr("Pause"));
        rate_->setText(paused ? tr("Paused") : tr("Resuming..."));  // no rate or time left while paused
    });
    connect(cancelButton_, &QPushButton::clicked, this, [this] { session_.cancelIndexing(); });
    connect(problemsButton_, &QToolButton::clicked, this, [this] {
        errorsDock_->setVisible(true);
        errorsDock_->raise();
    });
    connect(sizeSlider_, &QSlider::valueChanged, this, &MainWindow::setThumbnailSize);
}

void MainWindow::wireIndexing() {
    countsClock_.setSingleShot(true);
    countsClock_.setInterval(1000);
    connect(&countsClock_, &QTimer::timeout, this, [this] {
        if (!countsPending_) return showRunSoFar(true);  // the run went quiet (paused, or between chunks)
        countsPending_ = false;
        showRunSoFar(false);
        countsClock_.start();
    });
    connect(&session_, &LibrarySession::indexingStarted, this, [this] {
        folderCounts_ = runGrid_ = Throttled{};   // what this run adds, from its first batch
        statusText_->setText(tr("Indexing..."));  // not the end of the last run
        progress_->setVisible(true);
        progress_->setRange(0, 0);
        rate_->setVisible(true);
        rate_->setText(tr("Scanning..."));
        pauseButton_->setVisible(true);
        pauseButton_->setChecked(false);
        cancelButton_->setVisible(true);
        updateEmptyState();
    });
    connect(&session_, &LibrarySession::indexProgress, this,
            [this](qint64 done, qint64 total, double rate, double eta) {
                progress_->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
                progress_->setValue(static_cast<int>(done));
                progress_->setFormat(QStringLiteral("%1 / %2").arg(done).arg(total));
                if (!pauseButton_->isChecked())
                    rate_->setText(tr("%1 photos/s, %2 left").arg(rate, 0, 'f', 1).arg(duration(eta)));
                // At most once a second while a run reports, not per batch (they read the catalog on this
                // thread), and a second after the last report (a paused run's photos).
                if (countsClock_.isActive()) {
                    countsPending_ = true;
                } else {
                    showRunSoFar(false);
                    countsClock_.start();
                }
            });
    connect(&session_, &LibrarySession::indexFileFailed, this,
            [this](const QString& path, const QString& error) {
                errors_->addItem(QStringLiteral("%1: %2").arg(native_path::display(path), error));
            });
    connect(&session_, &LibrarySession::indexingFinished, this,
            [this](const QString& summary, bool cancelled) {
                progress_->setVisible(false);
                rate_->setVisible(false);
                pauseButton_->setVisible(false);
                cancelButton_->setVisible(false);
                statusText_->setText(cancelled ? tr("Indexing stopped; %1").arg(summary) : summary);
                countsClock_.stop();  // read exactly now
                countsPending_ = false;
                refreshProblems();
                refreshLibraryStatus();
                runQuery();
            });
}

bool MainWindow::Throttled::due(bool quiet) {
    if (quiet) return std::exchange(skipped, false);
    // A second at least, less a timer's slack (Qt's coarse timers fire up to 5% early).
    if (since.isValid() && since.elapsed() < std::max<qint64>(950, 20 * costMs)) {
        skipped = true;
        return false;
    }
    since.start();
    skipped = false;
    return true;
}

void MainWindow::showRunSoFar(bool quiet) {
    if (!quiet) refreshLibraryStatus();  // a count of rows
    if (folderCounts_.due(quiet)) {
        QElapsedTimer cost;  // grouping every photo by folder: 22 ms at 10,000 photos, 217 at 100,000
        cost.start();
        refreshFolderCounts();
        folderCounts_.costMs = cost.elapsed();
    }
    // The grid takes in the run's photos while the person browses its top with nothing selected; else it is
    // not reset under them (the run's end shows them). Its cost is the last browse's (showResults).
    if (!latestRanked_ && search_->text().trimmed().isEmpty() && grid_->verticalScrollBar()->value() == 0 &&
        !grid_->selectionModel()->hasSelection() && runGrid_.due(quiet))
        debounce_.start();
}

void MainWindow::refreshLibraryStatus() {
    const LibraryStatus s = session_.status();
    QString text = tr("%n photo(s) searchable", nullptr, static_cast<int>(s.indexed));
    if (s.offline > 0) text += tr(" \u00b7 %n offline", nullptr, static_cast<int>(s.offline));
    libraryStatus_->setText(session_.isOpen() ? text : QString());
    problemsButton_->setText(tr("%n failed", nullptr, static_cast<int>(s.failed)));
    problemsButton_->setVisible(s.failed > 0);
}

QString MainWindow::libraryStatusText() const {
    return libraryStatus_->text() +
           (problemsButton_->isVisible() ? QStringLiteral(" \u00b7 ") + problemsButton_->text() : QString());
}

QString MainWindow::indexingText() const { return statusText_->text() + QLatin1Char(' ') + rate_->text(); }

void MainWindow::refreshProblems() {
    errors_->clear();
    for (const auto& [path, error] : session_.failures())
        errors_->addItem(QStringLiteral("%1: %2").arg(native_path::display(path), error));
}

void MainWindow::refreshSidePanel() {
    const QSignalBlocker blockTags(tags_);
    rebuildFolderTree(session_.directoryCounts());
    saved_->clear();
    for (const SavedSearch& search : session_.savedSearches()) {
        auto* item = new QListWidgetItem(search.name, saved_);
        item->setData(Qt::UserRole, search.name);
        item->setToolTip(search.describe());
    }
    if (saved_->count() == 0) {
        auto* hint = new QListWidgetItem(tr("None yet: search, then Save search..."), saved_);
        hint->setFlags(Qt::NoItemFlags);
    }
    tags_->clear();
    auto* all = new QListWidgetItem(tr("Any tag"), tags_);
    all->setData(Qt::UserRole, QString());
    const std::map<QString, int64_t> suggested = session_.suggestionCounts();
    for (const auto& [t, count] : session_.tagCounts()) {
        const auto s = suggested.find(t);
        const int64_t more = s == suggested.end() ? 0 : s->second;
        auto* item =
            new QListWidgetItem(more ? tr("%1 (%2 + %3 suggested)").arg(t).arg(count - more).arg(more)
                                     : QStringLiteral("%1 (%2)").arg(t).arg(count),
                                tags_);
        if (more)
            item->setToolTip(tr("%n photo(s) suggested: open them and answer with Y (it is) or N (it is not)",
                                nullptr, int(more)));
        item->setData(Qt::UserRole, t);
    }
    showActiveFilters();
}

void MainWindow::showActiveFilters() {
    const QSignalBlocker blockFolders(folders_), blockTags(tags_);
    // A filter on something the library no longer has would hide photos with nothing showing why.
    QTreeWidgetItem* current = folders_->topLevelItem(0);  // "All folders"
    for (QTreeWidgetItemIterator it(folders_); *it; ++it)
        if (!activeFolder_.isEmpty() && (*it)->data(0, Qt::UserRole).toString() == activeFolder_)
            current = *it;
    if (current == folders_->topLevelItem(0)) activeFolder_.clear();
    if (current) {
        for (QTreeWidgetItem* p = current->parent(); p; p = p->parent()) p->setExpanded(true);
        folders_->setCurrentItem(current);
    }
    int tagRow = 0;  // "Any tag"
    for (int i = 1; i < tags_->count(); ++i)
        if (tags_->item(i)->data(Qt::UserRole).toString() == activeTag_) tagRow = i;
    if (tagRow == 0) activeTag_.clear();
    tags_->setCurrentRow(tagRow);  // still shown as chosen
    updateChips();
}

SavedSearch MainWindow::currentSearch(const QString& name) const {
    SavedSearch s;
    s.name = name;
    s.query = search_->text().trimmed();
    s.notText = not_->text().trimmed();
    s.folder = activeFolder_;
    s.tag = activeTag_;
    if (afterOn_->isChecked()) s.after = after_->date().toString(Qt::ISODate);
    if (beforeOn_->isChecked()) s.until = before_->date().toString(Qt::ISODate);
    s.image = queryImage_;
    return s;
}

void MainWindow::askToSaveSearch() {
    const SavedSearch now = currentSearch({});
    if (now.query.isEmpty() && now.image.isEmpty() && now.folder.isEmpty() && now.tag.isEmpty() &&
        now.after.isEmpty() && now.until.isEmpty())
        return showError(tr("There is nothing to save yet: type a search or choose a folder, tag or dates."));
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save search"),
                                               tr("Name (it appears under Saved searches; a name you have "
                                                  "replaces that search):"),
                                               QLineEdit::Normal, now.query, &ok);
    if (!ok || name.trimmed().isEmpty()) return;
    showError(session_.saveSearch(currentSearch(name.trimmed())));
}

void MainWindow::showSavedSearch(const QString& name) {
    SavedSearch s;
    bool found = false;
    for (const SavedSearch& each : session_.savedSearches())
        if (each.name == name) {
            s = each;
            found = true;
        }
    if (!found) return;
    {
        const QSignalBlocker a(search_), b(not_), c(afterOn_), d(beforeOn_), e(after_), f(before_);
        search_->setText(s.query);
        not_->setText(s.notText);
        activeFolder_ = s.folder;
        activeTag_ = s.tag;
        const QDate from = QDate::fromString(s.after, Qt::ISODate),
                    until = QDate::fromString(s.until, Qt::ISODate);
        afterOn_->setChecked(from.isValid());
        if (from.isValid()) after_->setDate(from);
        beforeOn_->setChecked(until.isValid());
        if (until.isValid()) before_->setDate(until);
        queryImage_.clear();
    }
    showActiveFilters();
    if (!s.image.isEmpty()) {
        searchSimilarTo(s.image);  // the image's chip, and the text typed beside it
        const QSignalBlocker a(search_);
        search_->setText(s.query);
    }
    runQuery();
}

}  // namespace photosearch
