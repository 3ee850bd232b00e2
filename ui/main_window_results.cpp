// MainWindow's results: what the grid shows, the line counting it, the chips of the query, the empty state
// and its ways on; beside main_window.cpp, which builds the window and keeps its behaviour.
#include "main_window.h"

#include "native_path.h"
#include "query_chips.h"
#include "results_model.h"
#include "thumbnail_cache.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateEdit>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMimeData>
#include <QPushButton>
#include <QStackedWidget>
#include <QStandardPaths>

#include <algorithm>

namespace photosearch {

void MainWindow::showResults(const QVector<SearchHit>& hits, double ms) {
    latestMs_ = ms;
    if (latestRanked_ != model_->isRanked()) {  // searching after browsing, or back: the natural order
        sort_->setCurrentIndex(sort_->findData(
            int(latestRanked_ ? ResultsModel::Order::BestMatch : ResultsModel::Order::NewestFirst)));
    }
    QElapsedTimer shown;
    shown.start();
    model_->setResults(hits, latestRanked_, static_cast<ResultsModel::Order>(sort_->currentData().toInt()));
    grid_->scrollToTop();
    if (!latestRanked_) runGrid_.costMs = static_cast<qint64>(ms) + shown.elapsed();
    updateEmptyState();
    emit resultsShown(model_->count());
}

QString MainWindow::queryWords() const {
    const QString text = typed_.text.trimmed();
    QStringList parts;
    if (!text.isEmpty()) parts << tr("“%1”").arg(text);
    if (!queryImage_.isEmpty())
        parts << tr("photos like %1").arg(native_path::display(queryImage_.section(QLatin1Char('/'), -1)));
    QString words = parts.join(tr(" and "));
    QStringList negatives = typed_.negatives;
    if (!not_->text().trimmed().isEmpty()) negatives << not_->text().trimmed();
    for (const QString& n : negatives) words += tr(", not “%1”").arg(n);
    // What else every result passed, so the viewer's "why" names it.
    if (typed_.hasDates()) words += tr(", taken %1").arg(typed_.dateRangeText());
    QStringList tags = typed_.tags;
    if (!activeTag_.isEmpty()) tags << activeTag_;
    if (!tags.isEmpty()) words += tr(", tagged %1").arg(tags.join(tr(" and ")));
    for (const QString& n : typed_.names) words += tr(", named “%1”").arg(n);
    return words;
}

QString MainWindow::browseScope() const {
    QStringList where;
    if (!activeFolder_.isEmpty())
        where
            << tr("in the folder %1").arg(native_path::display(activeFolder_.section(QLatin1Char('/'), -1)));
    if (!activeTag_.isEmpty()) where << tr("tagged “%1”").arg(activeTag_);
    if (afterOn_->isChecked() || beforeOn_->isChecked()) where << tr("in the dates chosen");
    return where.isEmpty() ? tr("Browsing all photos (no search)")
                           : tr("Browsing the photos %1 (no search)").arg(where.join(tr(", ")));
}

QString MainWindow::countText() const { return count_->text(); }
QString MainWindow::emptyText() const {
    return gridStack_->currentIndex() == 1 ? emptyText_->text() : QString();
}

void MainWindow::updateChips() {
    QList<QueryChips::Chip> chips;
    const bool query = !search_->text().trimmed().isEmpty() || !queryImage_.isEmpty();
    if (!queryImage_.isEmpty())
        chips << QueryChips::Chip{
            QStringLiteral("image"),
            tr("like %1").arg(native_path::display(queryImage_.section(QLatin1Char('/'), -1))),
            QIcon(queryImageIcon_)};
    for (size_t i = 0; i < typed_.parts.size(); ++i) {
        const QueryPart& part = typed_.parts[i];
        QString text;
        switch (part.kind) {
            case QueryPart::Kind::Dates:
                // One date phrase: what it was read as too ("taken last summer: 2026-06-01 – 2026-08-31").
                text =
                    std::count_if(typed_.parts.begin(), typed_.parts.end(),
                                  [](const QueryPart& p) { return p.kind == QueryPart::Kind::Dates; }) == 1 &&
                            part.text.compare(typed_.dateRangeText(), Qt::CaseInsensitive) != 0
                        ? tr("taken %1: %2").arg(part.text, typed_.dateRangeText())
                        : tr("taken %1").arg(part.text);
                break;
            case QueryPart::Kind::Not:
                text = tr("not: %1").arg(part.text);
                break;
            case QueryPart::Kind::Name:
                text = tr("name: “%1”").arg(part.text);
                break;
            case QueryPart::Kind::Tag:
                text = tr("tag: %1").arg(part.text);
                break;
            case QueryPart::Kind::Folder:
                text = tr("named: %1").arg(part.text);
                break;
        }
        QueryChips::Chip chip{QStringLiteral("typed:%1").arg(i), text, {}};
        chips << chip;
    }
    if (query && !not_->text().trimmed().isEmpty())
        chips << QueryChips::Chip{QStringLiteral("not"), tr("not: %1").arg(not_->text().trimmed()), {}};
    if (!activeFolder_.isEmpty())
        chips << QueryChips::Chip{
            QStringLiteral("folder"),
            tr("in %1").arg(native_path::display(activeFolder_.section(QLatin1Char('/'), -1))),
            {}};
    if (!activeTag_.isEmpty())
        chips << QueryChips::Chip{QStringLiteral("tag"), tr("tag: %1").arg(activeTag_), {}};
    if (afterOn_->isChecked() || beforeOn_->isChecked()) {
        const QString from = afterOn_->isChecked() ? after_->date().toString(Qt::ISODate) : QString();
        const QString until = beforeOn_->isChecked() ? before_->date().toString(Qt::ISODate) : QString();
        const QString text = from.isEmpty()    ? tr("until %1").arg(until)
                             : until.isEmpty() ? tr("from %1").arg(from)
                                               : tr("%1 to %2").arg(from, until);
        chips << QueryChips::Chip{QStringLiteral("dates"), text, {}};
    }
    chips_->setChips(chips);
}

void MainWindow::updateEmptyState() {
    const int n = model_->count();
    if (!model_->isRanked()) {
        count_->setText(tr("%n photo(s)", nullptr, n));
    } else if (model_->goodCount() > 0) {
        count_->setText(
            tr("%n good match(es)", nullptr, model_->goodCount()) +
            (n > model_->goodCount() ? tr(", %n more", nullptr, n - model_->goodCount()) : QString()));
    } else {
        count_->setText(tr("No photo stands out; %n photo(s), closest first", nullptr, n));
    }
    count_->setToolTip(tr("in %1 ms").arg(latestMs_, 0, 'f', 0));
    if (n > 0) return gridStack_->setCurrentIndex(0);
    count_->clear();  // the page below says why; the label keeps its place so the row keeps its shape

    const bool open = session_.isOpen();
    const bool noFolders = open && session_.folders().isEmpty();
    const bool filtered = !chips_->texts().isEmpty() || !search_->text().trimmed().isEmpty();
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    QString text;
    if (!open) {
        text = modelReady_ ? QString() : tr("PhotoSearch needs its model before it can show your photos.");
    } else if (noFolders) {
        text =
            tr("<b>Your library is empty.</b><br>Add a folder of photos: PhotoSearch indexes it, and you can "
               "search it while that runs.");
    } else if (filtered) {
        text =
            tr("<b>No photos match.</b><br>Nothing passes: %1. Remove a part of the search above, or clear "
               "it all.")
                .arg(chips_->texts().isEmpty() ? tr("the search")
                                               : chips_->texts().join(QStringLiteral(", ")));
    } else if (session_.isIndexing()) {
        text = tr("Indexing your photos; they appear here as they are ready.");
    } else {
        text = tr(
            "No photos are searchable yet. Re-scan the folders, or see Problems for the files that failed.");
    }
    emptyText_->setText(text);
    emptyAddPictures_->setText(tr("Add your Pictures folder (%1)").arg(QDir::toNativeSeparators(pictures)));
    emptyAddPictures_->setVisible(noFolders && QFileInfo(pictures).isDir());
    emptyAddFolder_->setVisible(noFolders);
    emptyClear_->setVisible(open && !noFolders && filtered);
    gridStack_->setCurrentIndex(1);
}

void MainWindow::clearQuery() {
    const QSignalBlocker a(search_), b(not_), c(afterOn_), d(beforeOn_);
    search_->clear();
    not_->clear();
    queryImage_.clear();
    activeTag_.clear();
    activeFolder_.clear();
    afterOn_->setChecked(false);
    beforeOn_->setChecked(false);
    showActiveFilters();
    runQuery();
}

void MainWindow::pasteQuery() {
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (!mime) return;
    if (mime->hasUrls() && mime->urls().value(0).isLocalFile())
        return searchSimilarTo(mime->urls()[0].toLocalFile());
    if (mime->hasImage()) {  // a picture copied from another program: kept in the cache while it is the query
        const QString file = ThumbnailCache::cacheDir() + QStringLiteral("/pasted.png");
        const QImage image = qvariant_cast<QImage>(mime->imageData());
        if (!image.isNull() && QDir().mkpath(QFileInfo(file).absolutePath()) && image.save(file))
            return searchSimilarTo(QFileInfo(file).canonicalFilePath());
        return showError(
            tr("The pasted picture could not be kept for the search (%1 is not writable).").arg(file));
    }
    const QString text = mime->text().trimmed();
    if (QFileInfo(text).isFile()) return searchSimilarTo(text);
    showError(tr("Paste a photo or a photo's path to find similar ones; to search words, type them above."));
}

}  // namespace photosearch
