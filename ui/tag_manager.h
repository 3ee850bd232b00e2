#pragma once

#include <QDialog>

class QListWidget;
class QPushButton;
class QLabel;

namespace photosearch {

class LibrarySession;

// Library > Manage tags: every tag with how many photos carry it; rename (into an existing tag merges the
// two) and delete (from every photo; the photos stay).
class TagManager : public QDialog {
    Q_OBJECT
  public:
    TagManager(LibrarySession* session, QWidget* parent = nullptr);
    QListWidget* list() const { return list_; }
    // What the buttons do once the person has said the new name / confirmed; an error text or empty.
    QString rename(const QString& from, const QString& to);
    QString remove(const QString& tag);

  private:
    void refresh();
    QString currentTag() const;
    LibrarySession* session_;
    QListWidget* list_;
    QPushButton* rename_;
    QPushButton* delete_;
    QLabel* message_;
};

}  // namespace photosearch
