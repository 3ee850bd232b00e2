#include "tag_dialog.h"

#include "native_path.h"
#include "thumbnail_cache.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMap>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace photosearch {

namespace {

constexpr int kThumbnail = 112;
constexpr int kPathRole = Qt::UserRole + 1;

float bestProbability(const TaggedPhoto& t) {
    float best = 0;
    for (const auto& [label, p] : t.probabilities) best = std::max(best, p);
    return best;
}

QString bestLabel(const TaggedPhoto& t) {
    QString label;
    float best = -1;
    for (const auto& [l, p] : t.probabilities)
        if (p > best) best = p, label = l;
    return label;
}

}  // namespace

QSize TagDialog::tileSize() const {
    return {kThumbnail + 40, kThumbnail + 2 * fontMetrics().lineSpacing() + 12};
}

TagDialog::TagDialog(LibrarySession* session, const QString& folder, QWidget* parent)
    : QDialog(parent), session_(session), folder_(folder) {
    setWindowTitle(tr("Tag %1").arg(native_path::display(QFileInfo(folder).fileName())));
    thumbnails_ = new ThumbnailCache(kThumbnail, this);
    thumbnails_->setDevicePixelRatio(devicePixelRatioF());
    auto* layout = new QVBoxLayout(this);

    auto* intro =
        new QLabel(tr("What do you want to find in these photos? Write one word or phrase per line; each "
                      "photo gets the one that fits it best."),
                   this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    labels_ = new QPlainTextEdit(this);
    labels_->setPlaceholderText(tr("beach\nmountains\ncity\nfamily"));
    labels_->setMaximumHeight(labels_->fontMetrics().lineSpacing() * 6 + 12);
    layout->addWidget(labels_);

    auto* none = new QHBoxLayout;
    noneOfThese_ = new QCheckBox(
        tr("Leave a photo untagged when no label clearly fits: the model must be at least"), this);
    noneOfThese_->setChecked(true);
    confidence_ = new QSpinBox(this);
    confidence_->setRange(1, 99);
    confidence_->setValue(50);
    confidence_->setSuffix(QStringLiteral("%"));
    confidence_->setToolTip(
        tr("How sure the model is that a label, rather than one of the others, fits the photo."));
    none->addWidget(noneOfThese_);
    none->addWidget(confidence_);
    none->addWidget(new QLabel(tr("sure"), this));
    none->addStretch(1);
    layout->addLayout(none);

    // Advanced: how a label is phrased for the model, out of the way until asked for.
    advanced_ = new QCheckBox(tr("Advanced: how labels are phrased for the model"), this);
    auto* advancedPanel = new QWidget(this);
    auto* form = new QFormLayout(advancedPanel);
    form->setContentsMargins(24, 0, 0, 0);
    template_ = new QLineEdit(QStringLiteral("a photo of {}"), advancedPanel);
    template_->setToolTip(tr("{} stands for each label; leave empty to use the labels as they are."));
    form->addRow(tr("Phrase ({} is the label):"), template_);
    advancedPanel->setVisible(false);
    connect(advanced_, &QCheckBox::toggled, advancedPanel, &QWidget::setVisible);
    layout->addWidget(advanced_);
    layout->addWidget(advancedPanel);

    results_ = new QListWidget(this);
    results_->setViewMode(QListView::IconMode);
    results_->setIconSize(QSize(kThumbnail, kThumbnail));
    results_->setGridSize(tileSize());
    results_->setResizeMode(QListView::Adjust);
    results_->setMovement(QListView::Static);
    results_->setUniformItemSizes(true);
    results_->setWordWrap(true);
    results_->setSelectionMode(QAbstractItemView::NoSelection);
    layout->addWidget(results_, 1);
    connect(thumbnails_, &ThumbnailCache::ready, this, [this](const QString& path) {
        if (QListWidgetItem* item = items_.value(path))
            item->setIcon(QPixmap::fromImage(thumbnails_->get(path)));
    });

    status_ = new QLabel(this);
    status_->setWordWrap(true);
    layout->addWidget(status_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    preview_ = buttons->addButton(tr("Preview"), QDialogButtonBox::ActionRole);
    apply_ = buttons->addButton(tr("Apply tags"), QDialogButtonBox::AcceptRole);
    apply_->setEnabled(false);
    preview_->setDefault(true);
    layout->addWidget(buttons);
    resize(760, 640);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(preview_, &QPushButton::clicked, this, [this] {
        if (labels().isEmpty()) {
            status_->setText(tr("Write at least one label."));
            return;
        }
        preview_->setEnabled(false);
        apply_->setEnabled(false);
        status_->setText(tr("Looking at the photos..."));
        session_->computeTags(folder_, labels(), template_->text().trimmed());
    });
    connect(session_, &LibrarySession::tagsComputed, this,
            [this](const QStringList& labels, const std::vector<TaggedPhoto>& tagged) {
                computedLabels_ = labels;
                computed_ = tagged;
                showDecisions();
                preview_->setEnabled(true);
                apply_->setEnabled(!tagged.empty());
            });
    connect(session_, &LibrarySession::failed, this, [this](const QString& error) {
        status_->setText(error);
        preview_->setEnabled(true);
    });
    // The confidence is applied to what was computed: no need to look at the photos again.
    connect(noneOfThese_, &QCheckBox::toggled, this, [this](bool on) {
        confidence_->setEnabled(on);
        showDecisions();
    });
    connect(confidence_, qOverload<int>(&QSpinBox::valueChanged), this, [this] { showDecisions(); });
    connect(apply_, &QPushButton::clicked, this, [this] {
        const QString error = session_->saveTags(computedLabels_, decided());
        if (error.isEmpty())
            accept();
        else
            status_->setText(error);
    });
}

std::vector<TaggedPhoto> TagDialog::decided() const {
    std::vector<TaggedPhoto> out = computed_;
    if (noneOfThese_->isChecked())
        for (TaggedPhoto& t : out)
            if (bestProbability(t) * 100 < confidence_->value()) t.tag.clear();
    return out;
}

void TagDialog::showDecisions() {
    if (computed_.empty() && computedLabels_.isEmpty()) return;
    const std::vector<TaggedPhoto> photos = decided();
    // Grouped by tag in the order the labels were written, the untagged last; the surest first in each.
    std::vector<size_t> order(photos.size());
    std::iota(order.begin(), order.end(), 0);
    auto rank = [&](const TaggedPhoto& t) {
        return t.tag.isEmpty() ? int(computedLabels_.size()) : int(computedLabels_.indexOf(t.tag));
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (rank(photos[a]) != rank(photos[b])) return rank(photos[a]) < rank(photos[b]);
        return bestProbability(photos[a]) > bestProbability(photos[b]);
    });
    results_->clear();
    items_.clear();
    QMap<int, int> perTag;
    int untagged = 0;
    for (size_t i : order) {
        const TaggedPhoto& t = photos[i];
        const int sure = int(std::lround(bestProbability(t) * 100));
        const QString name = native_path::display(t.path.section(QLatin1Char('/'), -1));
        const QString verdict =
            t.tag.isEmpty() ? tr("no tag · %1%").arg(sure) : tr("%1 · %2%").arg(t.tag).arg(sure);
        auto* item = new QListWidgetItem(QStringLiteral("%1\n%2").arg(verdict, name), results_);
        item->setData(kPathRole, t.path);
        items_.insert(t.path, item);
        item->setSizeHint(tileSize());
        item->setToolTip(tr("%1\nThe model is %2% sure of “%3”.")
                             .arg(native_path::display(t.path))
                             .arg(sure)
                             .arg(bestLabel(t)));
        if (t.tag.isEmpty()) {
            item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
            ++untagged;
        } else {
            ++perTag[rank(t)];
        }
        const QImage thumb = thumbnails_->get(t.path);
        if (!thumb.isNull()) item->setIcon(QPixmap::fromImage(thumb));
    }
    QStringList parts;
    for (auto it = perTag.cbegin(); it != perTag.cend(); ++it)
        parts << QStringLiteral("%1 %2").arg(computedLabels_.value(it.key())).arg(it.value());
    QString text = tr("%n photo(s)", nullptr, int(photos.size()));
    if (!parts.isEmpty()) text += QStringLiteral(": ") + parts.join(QStringLiteral(", "));
    if (untagged > 0)
        text += tr("; %n left untagged (no label is %1% sure)", nullptr, untagged).arg(confidence_->value());
    if (computedLabels_.size() == 1 && noneOfThese_->isChecked())
        text +=
            tr(". With one label the model is always sure; add another (\"something else\") to leave photos "
               "out");
    status_->setText(text + tr(". Apply to store the tags; they become filters."));
}

QString TagDialog::summaryText() const { return status_->text(); }

QStringList TagDialog::labels() const {
    QStringList out;
    for (const QString& line : labels_->toPlainText().split(QLatin1Char('\n')))
        if (!line.simplified().isEmpty()) out << line.simplified();
    out.removeDuplicates();
    return out;
}

}  // namespace photosearch
