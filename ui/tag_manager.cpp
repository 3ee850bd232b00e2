#include "tag_manager.h"

#include "library_session.h"

#include <QDialogButtonBox>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace photosearch {

TagManager::TagManager(LibrarySession* session, QWidget* parent) : QDialog(parent), session_(session) {
    setWindowTitle(tr("Manage tags"));
    auto* layout = new QVBoxLayout(this);
    list_ = new QListWidget(this);
    layout->addWidget(list_, 1);
    message_ = new QLabel(this);
    message_->setWordWrap(true);
    layout->addWidget(message_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    rename_ = buttons->addButton(tr("Rename..."), QDialogButtonBox::ActionRole);
    delete_ = buttons->addButton(tr("Delete..."), QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(list_, &QListWidget::currentRowChanged, this, [this] {
        rename_->setEnabled(!currentTag().isEmpty());
        delete_->setEnabled(!currentTag().isEmpty());
    });
    connect(rename_, &QPushButton::clicked, this, [this] {
        const QString from = currentTag();
        bool ok = false;
        const QString to =
            QInputDialog::getText(this, tr("Rename tag"),
                                  tr("New name for “%1” (an existing tag's name merges the two):").arg(from),
                                  QLineEdit::Normal, from, &ok);
        if (ok && to.simplified() != from) message_->setText(rename(from, to));
    });
    connect(delete_, &QPushButton::clicked, this, [this] {
        const QString tag = currentTag();
        if (QMessageBox::question(
                this, tr("Delete tag"),
                tr("Take the tag “%1” off every photo? The photos themselves are not touched.").arg(tag)) ==
            QMessageBox::Yes)
            message_->setText(remove(tag));
    });
    resize(420, 460);
    refresh();
}

QString TagManager::currentTag() const {
    return list_->currentItem() ? list_->currentItem()->data(Qt::UserRole).toString() : QString();
}

void TagManager::refresh() {
    list_->clear();
    for (const auto& [tag, count] : session_->tagCounts()) {
        auto* item =
            new QListWidgetItem(tr("%1 (%n photo(s))", nullptr, static_cast<int>(count)).arg(tag), list_);
        item->setData(Qt::UserRole, tag);
    }
    if (list_->count() == 0)
        message_->setText(
            tr("No tags yet. Tag photos from the grid's context menu (Add tag...) or a whole folder "
               "with Tag this folder..."));
    rename_->setEnabled(false);
    delete_->setEnabled(false);
}

QString TagManager::rename(const QString& from, const QString& to) {
    const QString error = session_->renameTag(from, to);
    refresh();
    return error;
}

QString TagManager::remove(const QString& tag) {
    const QString error = session_->deleteTag(tag);
    refresh();
    return error;
}

}  // namespace photosearch
