#pragma once

#include <QDialog>
#include <QThread>

#include <atomic>

class QLabel;
class QProgressBar;
class QPushButton;

namespace photosearch {

// First run without a model: download kakaobrain/align-base (progress, cancel, retry; a cancelled
// download resumes next time) or choose a folder that holds a model.
class ModelDialog : public QDialog {
    Q_OBJECT
  public:
    ModelDialog(const QString& destination, QWidget* parent = nullptr);
    ~ModelDialog() override;
    QString modelDir() const { return modelDir_; }
    QPushButton* downloadButton() const { return download_; }
    QLabel* statusLabel() const { return status_; }
    // Takes `dir` as the model's folder when it holds one (the dialog accepts), else says what it lacks.
    void chooseFolder(const QString& dir);
    void setEndpoint(const QString& endpoint) { endpoint_ = endpoint; }

  private:
    void startDownload();
    // Shows a message under the text, growing the dialog to fit it (wrapped, it overlapped the buttons).
    void showStatus(const QString& text);
    QString destination_, endpoint_, modelDir_;
    QLabel* status_;
    QProgressBar* progress_;
    QPushButton* download_;
    QPushButton* choose_;
    QPushButton* cancel_;
    QThread* worker_ = nullptr;
    std::atomic<bool> cancelFlag_{false};
};

}  // namespace photosearch
