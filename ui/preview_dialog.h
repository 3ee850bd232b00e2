#pragma once

#include <QDialog>
#include <QStringList>

class QLabel;

namespace photosearch {

// A large, fit-to-window view of one result; Left/Right move through the results, Esc closes.
class PreviewDialog : public QDialog {
    Q_OBJECT
  public:
    PreviewDialog(QStringList paths, int current, QWidget* parent = nullptr);
    int current() const { return current_; }

  protected:
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

  private:
    void show(int index);
    QStringList paths_;
    int current_;
    QLabel* image_;
    QLabel* caption_;
    QImage loaded_;
};

}  // namespace photosearch
