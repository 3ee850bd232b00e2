#pragma once

#include <QIcon>
#include <QWidget>

class QHBoxLayout;
class QToolButton;

namespace photosearch {

// What the current search is made of, shown as chips a person removes one by one: "like IMG_0026.jpg",
// "not: snow", a folder, a tag, a date range. Nothing shapes the results without a chip saying so.
class QueryChips : public QWidget {
    Q_OBJECT
  public:
    struct Chip {
        QString key;   // what removing it clears: "image", "not", "folder", "tag", "dates"
        QString text;  // shown
        QIcon icon;
    };
    explicit QueryChips(QWidget* parent = nullptr);
    void setChips(const QList<Chip>& chips);
    QStringList texts() const;
    // The chip's remove button, by key (null when there is no such chip).
    QToolButton* button(const QString& key) const;

  signals:
    void removed(const QString& key);
    void clearAll();

  private:
    QHBoxLayout* layout_;
    QToolButton* clearAll_;
    QList<QToolButton*> chips_;
};

}  // namespace photosearch
