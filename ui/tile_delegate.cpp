#include "tile_delegate.h"

#include "photo_facts.h"
#include "results_model.h"

#include <QApplication>
#include <QDateTime>
#include <QListView>
#include <QLocale>
#include <QPainter>

namespace photosearch {

namespace {
constexpr int kPadding = 6;
constexpr int kBarHeight = 4;
}  // namespace

TileDelegate::TileDelegate(QListView* view, int thumbnailSize)
    : QStyledItemDelegate(view), view_(view), thumbnailSize_(thumbnailSize) {}

QSize TileDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
    const int line = option.fontMetrics.height();
    if (index.data(ResultsModel::HeaderRole).toBool()) {
        // The whole width (less the view's spacing on both sides), so the month starts a line of its own.
        const int width = view_->viewport()->width() - 2 * view_->spacing() - 1;
        return {std::max(width, thumbnailSize_), line * 2 + kPadding};
    }
    return {thumbnailSize_ + 2 * kPadding, thumbnailSize_ + 2 * kPadding + kBarHeight + textLines() * line};
}

namespace {

// A mark on a thumbnail: white text on a dark rounded box whose top left is at `at`.
void drawBadge(QPainter* painter, QPoint at, const QFontMetrics& fm, const QString& label) {
    const QRect badge(at, QSize(fm.horizontalAdvance(label) + 8, fm.height() + 2));
    painter->setPen(Qt::NoPen);
    painter->setBrush(QColor(0, 0, 0, 160));
    painter->drawRoundedRect(badge, 3, 3);
    painter->setPen(Qt::white);
    painter->drawText(badge, Qt::AlignCenter, label);
}

}  // namespace

void TileDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                         const QModelIndex& index) const {
    painter->save();
    const QPalette& palette = option.palette;
    const QRect r = option.rect;
    if (index.data(ResultsModel::HeaderRole).toBool()) {
        QFont font = option.font;
        font.setBold(true);
        font.setPointSizeF(font.pointSizeF() * 1.25);
        painter->setFont(font);
        painter->setPen(palette.color(QPalette::WindowText));
        painter->drawText(r.adjusted(kPadding, 0, -kPadding, 0), Qt::AlignLeft | Qt::AlignBottom,
                          index.data(Qt::DisplayRole).toString());
        painter->restore();
        return;
    }
    const bool selected = option.state & QStyle::State_Selected;
    if (selected || (option.state & QStyle::State_MouseOver)) {
        QColor back = palette.color(QPalette::Highlight);
        if (!selected) back.setAlpha(60);
        painter->setPen(Qt::NoPen);
        painter->setBrush(back);
        painter->drawRoundedRect(r.adjusted(1, 1, -1, -1), 4, 4);
    }
    const QRect square(r.left() + kPadding, r.top() + kPadding, thumbnailSize_, thumbnailSize_);
    const QImage thumbnail = index.data(Qt::DecorationRole).value<QImage>();
    QRect shown = square.adjusted(8, 8, -8, -8);  // where the photo is, for the marks on it
    if (thumbnail.isNull()) {
        painter->fillRect(shown, palette.color(QPalette::Midlight));
    } else {
        const QSize s = thumbnail.size().scaled(square.size(), Qt::KeepAspectRatio);
        shown = QRect(square.center() - QPoint(s.width() / 2, s.height() / 2), s);
        painter->drawImage(shown, thumbnail);
    }
    if (const QVariant moment = index.data(ResultsModel::VideoTimeRole); moment.isValid()) {
        // A video: a play mark, and in search results the moment that matched best (its thumbnail shows it).
        const QString label = index.data(ResultsModel::RelevanceRole).isValid()
                                  ? TileDelegate::tr("\u25B6 at %1").arg(clockTime(moment.toDouble()))
                                  : QStringLiteral("\u25B6");
        const QFontMetrics fm(option.font);
        drawBadge(painter, QPoint(square.left() + 4, square.bottom() - fm.height() - 6), fm, label);
    }
    if (index.data(ResultsModel::SuggestedRole).toBool()) {
        // Shown for a tag only suggested for it: marked, so a person sees which photos wait for an answer.
        const QString label = TileDelegate::tr("suggested");
        const QFontMetrics fm(option.font);
        drawBadge(painter, QPoint(shown.right() - fm.horizontalAdvance(label) - 12, shown.top() + 4), fm,
                  label);
    }
    int y = square.bottom() + 2;
    const QVariant relevance = index.data(ResultsModel::RelevanceRole);
    if (relevance.isValid()) {  // how well it matches: a bar a person reads at a glance
        const QRect track(square.left(), y, square.width(), kBarHeight);
        painter->fillRect(track, palette.color(QPalette::Mid));
        QRect fill = track;
        fill.setWidth(static_cast<int>(track.width() * relevance.toDouble() + 0.5));
        painter->fillRect(fill, palette.color(QPalette::Highlight));
    }
    y += kBarHeight + 2;
    const int line = option.fontMetrics.height();
    const QColor text = palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    QStringList lines{index.data(Qt::DisplayRole).toString()};
    if (showDetails_) {
        lines << QLocale().toString(index.data(ResultsModel::TakenAtRole).toDateTime().date(),
                                    QLocale::ShortFormat)
              << index.data(ResultsModel::FolderRole).toString();
    }
    for (int i = 0; i < lines.size(); ++i) {
        QColor c = text;
        if (i > 0) c.setAlphaF(0.7);  // details are quieter than the name
        painter->setPen(c);
        const QRect box(square.left(), y + i * line, square.width(), line);
        painter->drawText(box, Qt::AlignHCenter | Qt::AlignVCenter,
                          option.fontMetrics.elidedText(lines[i], Qt::ElideMiddle, box.width()));
    }
    painter->restore();
}

}  // namespace photosearch
