#include "model_dialog.h"

#include "align_error.h"
#include "model_downloader.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLayout>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace photosearch {

ModelDialog::ModelDialog(const QString& destination, QWidget* parent)
    : QDialog(parent), destination_(destination) {
    setWindowTitle(tr("PhotoSearch needs its model"));
    auto* layout = new QVBoxLayout(this);
    auto* text = new QLabel(
        tr("PhotoSearch understands photos with the ALIGN model (kakaobrain/align-base, about 690 MB). "
           "It runs on this computer; your photos never leave it.\n\nDownload it now, or choose a "
           "folder that already holds it."),
        this);
    text->setWordWrap(true);
    layout->addWidget(text);
    progress_ = new QProgressBar(this);
    progress_->setVisible(false);
    layout->addWidget(progress_);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    layout->addWidget(status_);
    auto* row = new QHBoxLayout;
    download_ = new QPushButton(tr("Download"), this);
    choose_ = new QPushButton(tr("Choose folder..."), this);
    cancel_ = new QPushButton(tr("Cancel"), this);
    row->addWidget(download_);
    row->addWidget(choose_);
    row->addStretch();
    row->addWidget(cancel_);
    layout->addLayout(row);
    download_->setDefault(true);

    connect(download_, &QPushButton::clicked, this, &ModelDialog::startDownload);
    connect(choose_, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Folder with config.json, vocab.txt and the weights"));
        if (!dir.isEmpty()) chooseFolder(dir);
    });
    connect(cancel_, &QPushButton::clicked, this, [this] {
        if (worker_)
            cancelFlag_ = true;  // the download stops; what it fetched is kept for next time
        else
            reject();
    });
}

void ModelDialog::chooseFolder(const QString& dir) {
    if (!ModelDownloader::isCompleteModelDir(dir))
        return showStatus(tr("%1 does not hold a model (config.json, preprocessor_config.json, vocab.txt and "
                             "model.safetensors or pytorch_model.bin).")
                              .arg(dir));
    modelDir_ = dir;
    accept();
}

void ModelDialog::showStatus(const QString& text) {
    status_->setText(text);
    layout()->activate();
    const int w = std::max(width(), minimumSizeHint().width());
    resize(w, std::max(height(), heightForWidth(w)));
}

ModelDialog::~ModelDialog() {
    cancelFlag_ = true;
    if (worker_) worker_->wait();
}

void ModelDialog::startDownload() {
    download_->setEnabled(false);
    choose_->setEnabled(false);
    progress_->setVisible(true);
    progress_->setRange(0, 0);
    showStatus(tr("Connecting..."));
    cancelFlag_ = false;
    ModelFetchOptions options;
    options.destination = destination_;
    options.endpoint = endpoint_;
    worker_ = QThread::create([this, options] {
        try {
            ModelDownloader downloader(options);
            const FetchResult r = downloader.fetch(
                [this](const FetchProgress& p) {
                    QMetaObject::invokeMethod(this, [this, p] {
                        if (p.total > 0)
                            progress_->setRange(0, 1000),
                                progress_->setValue(static_cast<int>(1000.0 * p.done / p.total));
                        status_->setText(tr("%1: %2 of %3 MB, %4 MB/s, %5 s left")
                                             .arg(p.file)
                                             .arg(p.done / 1e6, 0, 'f', 1)
                                             .arg(p.total / 1e6, 0, 'f', 1)
                                             .arg(p.bytesPerSecond / 1e6, 0, 'f', 1)
                                             .arg(p.etaSeconds < 0
                                                      ? QStringLiteral("?")
                                                      : QString::number(static_cast<int>(p.etaSeconds))));
                    });
                },
                &cancelFlag_);
            QMetaObject::invokeMethod(this, [this, dir = r.modelDir] {
                modelDir_ = dir;
                accept();
            });
        } catch (const std::exception& e) {
            QMetaObject::invokeMethod(this, [this, error = QString::fromUtf8(e.what())] {
                showStatus(error);
                progress_->setVisible(false);
                download_->setText(tr("Retry"));
                download_->setEnabled(true);
                choose_->setEnabled(true);
            });
        }
    });
    connect(worker_, &QThread::finished, this, [this] {
        worker_->deleteLater();
        worker_ = nullptr;
    });
    worker_->start();
}

}  // namespace photosearch
