#pragma once

#include "library_session.h"

#include <QDialog>
#include <QHash>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace photosearch {

class ThumbnailCache;

// Tag a folder in plain words: the person writes what to look for, one word or phrase per line; "Preview"
// shows every photo (its thumbnail) with the label that fits it best and how sure the model is; a photo no
// label clearly fits (below a confidence the person sets) gets no tag — "none of these". "Apply" stores the
// tags; they become filters. How a label is phrased for the model ("a photo of {}") is under Advanced.
class TagDialog : public QDialog {
    Q_OBJECT
  public:
    TagDialog(LibrarySession* session, const QString& folder, QWidget* parent = nullptr);

    QPlainTextEdit* labelsEdit() const { return labels_; }
    QLineEdit* templateEdit() const { return template_; }
    QCheckBox* advancedCheck() const { return advanced_; }
    QCheckBox* noneOfTheseCheck() const { return noneOfThese_; }
    QSpinBox* confidenceSpin() const { return confidence_; }
    QPushButton* previewButton() const { return preview_; }
    QPushButton* applyButton() const { return apply_; }
    QListWidget* results() const { return results_; }
    QString summaryText() const;
    // What Apply stores: each photo's best label, or no tag when it is below the confidence asked for.
    std::vector<TaggedPhoto> decided() const;

  private:
    QStringList labels() const;
    void showDecisions();
    QSize tileSize() const;
    LibrarySession* session_;
    QString folder_;
    ThumbnailCache* thumbnails_;
    QPlainTextEdit* labels_;
    QCheckBox* noneOfThese_;
    QSpinBox* confidence_;
    QCheckBox* advanced_;
    QLineEdit* template_;
    QPushButton* preview_;
    QPushButton* apply_;
    QListWidget* results_;
    QHash<QString, QListWidgetItem*> items_;  // by path, for thumbnails as they arrive
    QLabel* status_;
    QStringList computedLabels_;
    std::vector<TaggedPhoto> computed_;
};

}  // namespace photosearch
