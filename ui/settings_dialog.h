#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;
class QSlider;

namespace photosearch {

// Model folder, device, threads, search index kind, indexing priority and thumbnail size, stored in
// QSettings.
class SettingsDialog : public QDialog {
    Q_OBJECT
  public:
    explicit SettingsDialog(QWidget* parent = nullptr);
    void save() const;

  private:
    QLineEdit* model_;
    QComboBox* device_;
    QSpinBox* threads_;
    QComboBox* precision_;
    QComboBox* index_;
    QCheckBox* background_;
    QSlider* thumbnail_;
};

}  // namespace photosearch
