#pragma once

#include <QStyledItemDelegate>

class QListView;

namespace photosearch {

// Paints the grid: a photo's tile (its thumbnail centred on a square, a placeholder while it loads, the
// file name, and when details are on its date and folder; for search results a bar of how well it
// matches) and a month's header, which spans the view's width so that each month starts a line.
class TileDelegate : public QStyledItemDelegate {
    Q_OBJECT
  public:
    TileDelegate(QListView* view, int thumbnailSize);

    void setThumbnailSize(int size) { thumbnailSize_ = size; }
    int thumbnailSize() const { return thumbnailSize_; }
    // Date and folder under each name (two files called IMG_0004.jpg side by side are told apart).
    void setShowDetails(bool show) { showDetails_ = show; }
    bool showDetails() const { return showDetails_; }

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

  private:
    int textLines() const { return showDetails_ ? 3 : 1; }
    QListView* view_;
    int thumbnailSize_;
    bool showDetails_ = true;
};

}  // namespace photosearch
