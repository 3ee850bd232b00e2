// The side panel's folder tree: the library's folders with their subfolders holding photos, each with the
// number of photos under it, kept current while an index run adds photos.
#include "main_window.h"

#include "library_session.h"
#include "native_path.h"

#include <QHash>
#include <QScrollBar>
#include <QSet>
#include <QSignalBlocker>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

#include <functional>

namespace photosearch {

namespace {

QString folderName(const QString& path) { return native_path::display(path.section(QLatin1Char('/'), -1)); }

}  // namespace

void MainWindow::rebuildFolderTree(const std::vector<std::pair<QString, int64_t>>& directories) {
    const QSignalBlocker blockFolders(folders_);
    // The tree keeps what the person opened and where they scrolled; at first the folders added show their
    // subfolders.
    QSet<QString> expanded;
    const bool firstFill = folders_->topLevelItemCount() == 0;
    for (QTreeWidgetItemIterator it(folders_); *it; ++it)
        if ((*it)->isExpanded()) expanded << (*it)->data(0, Qt::UserRole).toString();
    const int scrolled = folders_->verticalScrollBar()->value();
    folders_->clear();
    auto* everything = new QTreeWidgetItem(folders_, {tr("All folders")});
    everything->setData(0, Qt::UserRole, QString());
    std::vector<QTreeWidgetItem*> roots;
    for (const FolderRecord& f :
         session_.library() ? session_.library()->folders() : std::vector<FolderRecord>{}) {
        QHash<QString, QTreeWidgetItem*> items;
        auto* root = new QTreeWidgetItem(folders_);
        root->setData(0, Qt::UserRole, f.path);
        items.insert(f.path, root);
        std::function<QTreeWidgetItem*(const QString&)> itemFor = [&](const QString& dir) {
            if (QTreeWidgetItem* known = items.value(dir)) return known;
            auto* item = new QTreeWidgetItem(itemFor(dir.section(QLatin1Char('/'), 0, -2)));
            item->setData(0, Qt::UserRole, dir);
            items.insert(dir, item);
            return item;
        };
        for (const auto& [dir, n] : directories)
            if (isUnderFolder(dir, f.path)) itemFor(dir);
        for (auto it = items.cbegin(); it != items.cend(); ++it) {
            it.value()->setToolTip(0, native_path::display(it.key()));
            it.value()->setExpanded(firstFill ? it.value() == root : expanded.contains(it.key()));
        }
        roots.push_back(root);
    }
    showFolderCounts(directories);
    for (QTreeWidgetItem* root : roots) root->sortChildren(0, Qt::AscendingOrder);
    folders_->verticalScrollBar()->setValue(scrolled);
}

bool MainWindow::showFolderCounts(const std::vector<std::pair<QString, int64_t>>& directories) {
    for (int i = 1; i < folders_->topLevelItemCount(); ++i) {  // after "All folders"
        QTreeWidgetItem* root = folders_->topLevelItem(i);
        const QString folder = root->data(0, Qt::UserRole).toString();
        QHash<QString, QTreeWidgetItem*> items;
        std::vector<QTreeWidgetItem*> open{root};
        while (!open.empty()) {
            QTreeWidgetItem* item = open.back();
            open.pop_back();
            items.insert(item->data(0, Qt::UserRole).toString(), item);
            for (int c = 0; c < item->childCount(); ++c) open.push_back(item->child(c));
        }
        QHash<QTreeWidgetItem*, int64_t> under;  // photos under each row, subfolders included
        for (const auto& [dir, n] : directories) {
            if (!isUnderFolder(dir, folder)) continue;
            QTreeWidgetItem* item = items.value(dir);
            if (!item) return false;  // a folder that has no row yet
            for (; item; item = item->parent()) under[item] += n;
        }
        for (auto it = items.cbegin(); it != items.cend(); ++it)
            it.value()->setText(
                0, QStringLiteral("%1 (%2)").arg(folderName(it.key())).arg(under.value(it.value())));
    }
    return true;
}

void MainWindow::refreshFolderCounts() {
    const auto directories = session_.directoryCounts();
    if (showFolderCounts(directories)) return;
    rebuildFolderTree(directories);
    showActiveFilters();  // the folder chosen, chosen again in the new tree
}

}  // namespace photosearch
