#include "query_chips.h"

#include <QHBoxLayout>
#include <QToolButton>

namespace photosearch {

QueryChips::QueryChips(QWidget* parent) : QWidget(parent) {
    layout_ = new QHBoxLayout(this);
    layout_->setContentsMargins(0, 0, 0, 0);
    layout_->addStretch(1);
    clearAll_ = new QToolButton(this);
    clearAll_->setText(tr("Clear all"));
    clearAll_->setToolTip(tr("Show the whole library again (Esc)"));
    clearAll_->setAutoRaise(true);
    layout_->addWidget(clearAll_);
    connect(clearAll_, &QToolButton::clicked, this, &QueryChips::clearAll);
    setVisible(false);
}

void QueryChips::setChips(const QList<Chip>& chips) {
    qDeleteAll(chips_);
    chips_.clear();
    for (const Chip& c : chips) {
        auto* b = new QToolButton(this);
        b->setObjectName(c.key);
        b->setText(c.text + QStringLiteral("  \u2715"));
        b->setIcon(c.icon);
        b->setToolButtonStyle(c.icon.isNull() ? Qt::ToolButtonTextOnly : Qt::ToolButtonTextBesideIcon);
        b->setToolTip(tr("Remove \"%1\" from the search").arg(c.text));
        b->setAccessibleName(c.text);
        b->setStyleSheet(QStringLiteral(
            "QToolButton { border: 1px solid palette(mid); border-radius: 11px; padding: 2px 8px; "
            "background: palette(button); }"));
        connect(b, &QToolButton::clicked, this, [this, key = c.key] { emit removed(key); });
        layout_->insertWidget(static_cast<int>(chips_.size()), b);
        chips_ << b;
    }
    setVisible(!chips_.isEmpty());
}

QStringList QueryChips::texts() const {
    QStringList out;
    for (const QToolButton* b : chips_) out << b->accessibleName();
    return out;
}

QToolButton* QueryChips::button(const QString& key) const {
    for (QToolButton* b : chips_)
        if (b->objectName() == key) return b;
    return nullptr;
}

}  // namespace photosearch
