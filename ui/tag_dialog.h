#pragma once

#include "library_session.h"

#include <QDialog>

class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QLabel;

namespace photosearch {

// Tag a folder: labels one per line and an optional prompt template; "Preview" computes the labels'
// probabilities for every photo, "Apply" stores the best label of each as its tag.
class TagDialog : public QDialog {
    Q_OBJECT
  public:
    TagDialog(LibrarySession* session, const QString& folder, QWidget* parent = nullptr);

    QPlainTextEdit* labelsEdit() const { return labels_; }
    QLineEdit* templateEdit() const { return template_; }
    QPushButton* previewButton() const { return preview_; }
    QPushButton* applyButton() const { return apply_; }
    QTableWidget* table() const { return table_; }

  private:
    QStringList labels() const;
    LibrarySession* session_;
    QString folder_;
    QPlainTextEdit* labels_;
    QLineEdit* template_;
    QPushButton* preview_;
    QPushButton* apply_;
    QTableWidget* table_;
    QLabel* status_;
    QStringList computedLabels_;
    std::vector<TaggedPhoto> computed_;
};

}  // namespace photosearch
