#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;
class QSlider;

namespace photosearch {

class LibrarySession;

// Model folder, device, threads, search index kind, indexing priority and thumbnail size, stored in
// QSettings; and whether the open library writes tags to XMP sidecars (kept in its catalog).
class SettingsDialog : public QDialog {
    Q_OBJECT
  public:
    explicit SettingsDialog(LibrarySession* session, QWidget* parent = nullptr);
    void save() const;

  private:
    QLineEdit* model_;
    QComboBox* device_;
    QSpinBox* threads_;
    QComboBox* precision_;
    QComboBox* index_;
    QCheckBox* background_;
    QComboBox* sidecars_;
    QSlider* thumbnail_;
    LibrarySession* session_;
};

}  // namespace photosearch
