#include "results_model.h"

#include "native_path.h"

#include "thumbnail_cache.h"

#include <QFileInfo>
#include <QMimeData>
#include <QPainter>
#include <QUrl>

namespace photosearch {

ResultsModel::ResultsModel(ThumbnailCache* thumbnails, QObject* parent)
    : QAbstractListModel(parent), thumbnails_(thumbnails) {
    connect(thumbnails_, &ThumbnailCache::ready, this, [this](const QString& path) {
        const auto it = rows_.constFind(path);
        if (it == rows_.constEnd()) return;
        const QModelIndex i = index(*it);
        emit dataChanged(i, i, {Qt::DecorationRole});
    });
}

void ResultsModel::setResults(const QVector<SearchHit>& hits) {
    beginResetModel();
    hits_ = hits;
    rows_.clear();
    for (int i = 0; i < hits_.size(); ++i) rows_.insert(hits_[i].path, i);
    endResetModel();
}

int ResultsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(hits_.size());
}

QVariant ResultsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= hits_.size()) return {};
    const SearchHit& h = hits_[index.row()];
    switch (role) {
        case Qt::DisplayRole:
            return native_path::display(h.path.section(QLatin1Char('/'), -1));
        case Qt::ToolTipRole:
            return tr("%1\nscore %2").arg(native_path::display(h.path)).arg(h.score, 0, 'f', 4);
        case Qt::DecorationRole: {
            const QImage img = thumbnails_->get(h.path);
            const int s = thumbnails_->size();
            if (!img.isNull()) {  // centred on a square so the grid lines up
                QPixmap square(s, s);
                square.fill(Qt::transparent);
                QPainter painter(&square);
                painter.drawImage((s - img.width()) / 2, (s - img.height()) / 2, img);
                return square;
            }
            if (placeholder_.width() != s) {
                QPixmap p(s, s);
                p.fill(QColor(0xe0, 0xe0, 0xe0));
                const_cast<ResultsModel*>(this)->placeholder_ = p;
            }
            return placeholder_;
        }
        case PathRole:
            return h.path;
        case ScoreRole:
            return h.score;
        default:
            return {};
    }
}

Qt::ItemFlags ResultsModel::flags(const QModelIndex& index) const {
    // Only real rows can be dragged out; the root has no flags (QAbstractItemModelTester holds us to it).
    if (!index.isValid()) return Qt::NoItemFlags;
    return QAbstractListModel::flags(index) | Qt::ItemIsDragEnabled;
}

QStringList ResultsModel::mimeTypes() const { return {QStringLiteral("text/uri-list")}; }

QMimeData* ResultsModel::mimeData(const QModelIndexList& indexes) const {
    QList<QUrl> urls;
    for (const QModelIndex& i : indexes) urls << QUrl::fromLocalFile(hits_.value(i.row()).path);
    auto* mime = new QMimeData;
    mime->setUrls(urls);
    return mime;
}

}  // namespace photosearch
