#include "preview_dialog.h"

#include "native_path.h"

#include <QFile>
#include <QImageReader>
#include <QKeyEvent>
#include <QLabel>
#include <QVBoxLayout>

namespace photosearch {

PreviewDialog::PreviewDialog(QStringList paths, int current, QWidget* parent)
    : QDialog(parent), paths_(std::move(paths)), current_(current) {
    auto* layout = new QVBoxLayout(this);
    image_ = new QLabel(this);
    image_->setAlignment(Qt::AlignCenter);
    image_->setMinimumSize(200, 200);
    image_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    caption_ = new QLabel(this);
    caption_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(image_, 1);
    layout->addWidget(caption_);
    resize(1000, 750);
    show(current_);
}

void PreviewDialog::show(int index) {
    if (index < 0 || index >= paths_.size()) return;
    current_ = index;
    QFile file;
    const QString openError = native_path::openForReading(file, paths_[index]);  // by the name's exact bytes
    QImageReader reader(&file);
    reader.setAutoTransform(true);
    loaded_ = openError.isEmpty() ? reader.read() : QImage();
    caption_->setText(
        tr("%1  (%2 of %3)").arg(native_path::display(paths_[index])).arg(index + 1).arg(paths_.size()));
    setWindowTitle(native_path::display(paths_[index].section(QLatin1Char('/'), -1)));
    if (loaded_.isNull())
        image_->setText(
            tr("Cannot show this photo: %1").arg(openError.isEmpty() ? reader.errorString() : openError));
    resizeEvent(nullptr);
}

void PreviewDialog::resizeEvent(QResizeEvent*) {
    if (!loaded_.isNull())
        image_->setPixmap(QPixmap::fromImage(
            loaded_.scaled(image_->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation)));
}

void PreviewDialog::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Right || event->key() == Qt::Key_Space)
        show(current_ + 1);
    else if (event->key() == Qt::Key_Left || event->key() == Qt::Key_Backspace)
        show(current_ - 1);
    else
        QDialog::keyPressEvent(event);
}

}  // namespace photosearch
