#include "tag_dialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace photosearch {

TagDialog::TagDialog(LibrarySession* session, const QString& folder, QWidget* parent)
    : QDialog(parent), session_(session), folder_(folder) {
    setWindowTitle(tr("Tag %1").arg(QFileInfo(folder).fileName()));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    labels_ = new QPlainTextEdit(this);
    labels_->setPlaceholderText(tr("beach\nmountains\ncity\nfamily"));
    template_ = new QLineEdit(QStringLiteral("a photo of {}"), this);
    template_->setToolTip(tr("{} stands for each label; leave empty to use the labels as they are."));
    form->addRow(tr("Labels, one per line:"), labels_);
    form->addRow(tr("Prompt template:"), template_);
    layout->addLayout(form);
    table_ = new QTableWidget(0, 3, this);
    table_->setHorizontalHeaderLabels({tr("Photo"), tr("Tag"), tr("Probability")});
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(table_, 1);
    status_ = new QLabel(this);
    layout->addWidget(status_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    preview_ = buttons->addButton(tr("Preview"), QDialogButtonBox::ActionRole);
    apply_ = buttons->addButton(tr("Apply tags"), QDialogButtonBox::AcceptRole);
    apply_->setEnabled(false);
    layout->addWidget(buttons);
    resize(700, 600);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(preview_, &QPushButton::clicked, this, [this] {
        if (labels().isEmpty()) {
            status_->setText(tr("Write at least one label."));
            return;
        }
        preview_->setEnabled(false);
        status_->setText(tr("Computing..."));
        session_->computeTags(folder_, labels(), template_->text().trimmed());
    });
    connect(session_, &LibrarySession::tagsComputed, this,
            [this](const QStringList& labels, const std::vector<TaggedPhoto>& tagged) {
                computedLabels_ = labels;
                computed_ = tagged;
                table_->setRowCount(static_cast<int>(tagged.size()));
                for (int r = 0; r < static_cast<int>(tagged.size()); ++r) {
                    float best = 0;
                    for (const auto& [label, p] : tagged[r].probabilities) best = std::max(best, p);
                    table_->setItem(r, 0, new QTableWidgetItem(tagged[r].path));
                    table_->setItem(r, 1, new QTableWidgetItem(tagged[r].tag));
                    table_->setItem(r, 2,
                                    new QTableWidgetItem(QStringLiteral("%1%").arg(best * 100, 0, 'f', 1)));
                }
                status_->setText(tr("%n photo(s). Apply to store the tags; they become filters.", nullptr,
                                    static_cast<int>(tagged.size())));
                preview_->setEnabled(true);
                apply_->setEnabled(!tagged.empty());
            });
    connect(session_, &LibrarySession::failed, this, [this](const QString& error) {
        status_->setText(error);
        preview_->setEnabled(true);
    });
    connect(apply_, &QPushButton::clicked, this, [this] {
        const QString error = session_->saveTags(computedLabels_, computed_);
        if (error.isEmpty())
            accept();
        else
            status_->setText(error);
    });
}

QStringList TagDialog::labels() const {
    QStringList out;
    for (const QString& line : labels_->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty()) out << line.trimmed();
    out.removeDuplicates();
    return out;
}

}  // namespace photosearch
