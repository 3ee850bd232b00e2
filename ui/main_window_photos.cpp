// The window's photo actions: the viewer, tags by hand (the context menu, Manage tags) and the folder tagger.
#include "main_window.h"

#include "library_session.h"
#include "photo_facts.h"
#include "photo_viewer.h"
#include "results_model.h"
#include "tag_dialog.h"
#include "tag_manager.h"

#include <QApplication>
#include <QClipboard>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QListView>
#include <QMenu>

namespace photosearch {

PhotoViewer* MainWindow::viewer() const { return viewer_.data(); }

void MainWindow::openPreview(const QModelIndex& index) {
    const int result = model_->resultAt(index);
    if (result < 0) return;  // a month's header
    if (viewer_) viewer_->close();
    ViewerContent content{model_->results(), model_->isRanked(), model_->relevance(), queryWords(),
                          browseScope()};
    viewer_ = new PhotoViewer(std::move(content), result, &session_, this);
    viewer_->setAttribute(Qt::WA_DeleteOnClose);
    connect(viewer_, &PhotoViewer::currentChanged, this, [this](int shown) {
        if (model_->count() > shown)
            grid_->setCurrentIndex(model_->indexOfResult(shown));  // back where it was
    });
    connect(viewer_, &PhotoViewer::findSimilar, this, &MainWindow::searchSimilarTo);
    viewer_->show();
}

void MainWindow::openTagDialog(const QString& folder) {
    TagDialog dialog(&session_, folder, this);
    dialog.exec();
}

QStringList MainWindow::selectedPaths() const {
    QStringList paths;
    for (const QModelIndex& index : grid_->selectionModel()->selectedIndexes())
        if (model_->resultAt(index) >= 0) paths << index.data(ResultsModel::PathRole).toString();
    return paths;
}

QString MainWindow::tagPhotos(const QStringList& paths, const QString& tag, bool on) {
    const QString error = session_.setTag(paths, tag, on);
    showError(error);
    if (error.isEmpty())
        statusText_->setText(
            on ? tr("Tagged %n photo(s) “%1”.", nullptr, int(paths.size())).arg(tag.simplified())
               : tr("Took “%1” off %n photo(s).", nullptr, int(paths.size())).arg(tag));
    return error;
}

void MainWindow::openTagManager() {
    TagManager dialog(&session_, this);
    dialog.exec();
}

void MainWindow::showContextMenu(const QPoint& pos) {
    const QModelIndex index = grid_->indexAt(pos);
    if (model_->resultAt(index) < 0) return;
    const QString path = index.data(ResultsModel::PathRole).toString();
    // The photos acted on: the selection when the click was on it, else the photo clicked.
    QStringList paths = selectedPaths();
    if (!paths.contains(path)) {
        grid_->setCurrentIndex(index);
        paths = {path};
    }
    QMenu menu;
    if (paths.size() == 1) {
        menu.addAction(tr("View"), this, [this, index] { openPreview(index); });
        menu.addAction(tr("Open with default application"), this,
                       [this, path] { showError(openWithDesktop(path)); });
        menu.addAction(tr("Open containing folder"), this,
                       [this, path] { showError(openWithDesktop(path.section(QLatin1Char('/'), 0, -2))); });
        menu.addAction(tr("Copy path"), this, [path] { QApplication::clipboard()->setText(path); });
        menu.addAction(tr("Find similar"), this, [this, path] { searchSimilarTo(path); });
        menu.addSeparator();
    }
    menu.addAction(tr("Add tag to %n photo(s)...", nullptr, int(paths.size())), this, [this, paths] {
        bool ok = false;
        const QString tag = QInputDialog::getItem(
            this, tr("Add tag"), tr("Tag (a new name or one you have):"), session_.tags(), -1, true, &ok);
        if (ok && !tag.trimmed().isEmpty()) tagPhotos(paths, tag, true);
    });
    QStringList present;  // the tags the photos acted on carry, to take off
    for (const QString& p : paths.mid(0, 1000)) present << session_.tagsOf(p);
    present.removeDuplicates();
    present.sort(Qt::CaseInsensitive);
    if (!present.isEmpty()) {
        QMenu* remove = menu.addMenu(tr("Remove tag"));
        for (const QString& tag : present)
            remove->addAction(tag, this, [this, paths, tag] { tagPhotos(paths, tag, false); });
    }
    // Suggestions (#18): accepting confirms the tag, rejecting says the photos do not show it; either way
    // the label learns.
    QStringList suggested;
    for (const QString& p : paths.mid(0, 1000)) suggested << session_.suggestedTagsOf(p);
    suggested.removeDuplicates();
    suggested.sort(Qt::CaseInsensitive);
    if (!suggested.isEmpty()) {
        QMenu* accept = menu.addMenu(tr("Accept suggested tag"));
        QMenu* reject = menu.addMenu(tr("Reject suggested tag"));
        for (const QString& tag : suggested) {
            accept->addAction(tag, this, [this, paths, tag] { session_.judgeTag(paths, tag, true); });
            reject->addAction(tag, this, [this, paths, tag] { session_.judgeTag(paths, tag, false); });
        }
    }
    menu.addAction(tr("Tag this folder..."), this,
                   [this, path] { openTagDialog(QFileInfo(path).absolutePath()); });
    menu.exec(grid_->viewport()->mapToGlobal(pos));
}

}  // namespace photosearch
