#pragma once

#include "library_session.h"

#include <QAbstractListModel>
#include <QHash>
#include <QPixmap>

namespace photosearch {

class ThumbnailCache;

// Search results for the grid: the photo's thumbnail (a placeholder while it loads), its name, and its
// score on hover. Dragging rows out gives file URLs.
class ResultsModel : public QAbstractListModel {
    Q_OBJECT
  public:
    enum Roles { PathRole = Qt::UserRole + 1, ScoreRole };
    ResultsModel(ThumbnailCache* thumbnails, QObject* parent = nullptr);

    void setResults(const QVector<SearchHit>& hits);
    const QVector<SearchHit>& results() const { return hits_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;

  private:
    QVector<SearchHit> hits_;
    QHash<QString, int> rows_;
    ThumbnailCache* thumbnails_;
    QPixmap placeholder_;
};

}  // namespace photosearch
