#include "settings_dialog.h"

#include "library_session.h"

#include "vector_index.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>

namespace photosearch {

SettingsDialog::SettingsDialog(LibrarySession* session, QWidget* parent)
    : QDialog(parent), session_(session) {
    setWindowTitle(tr("Settings"));
    QSettings s;
    auto* form = new QFormLayout(this);
    model_ = new QLineEdit(s.value(QStringLiteral("model/dir")).toString(), this);
    model_->setPlaceholderText(tr("default"));
    auto* browse = new QPushButton(tr("Browse..."), this);
    auto* row = new QHBoxLayout;
    row->addWidget(model_, 1);
    row->addWidget(browse);
    form->addRow(tr("Model folder:"), row);
    device_ = new QComboBox(this);
    device_->addItem(tr("Automatic (GPU when available)"), QStringLiteral("auto"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    device_->addItem(tr("CUDA GPU"), QStringLiteral("cuda"));
    device_->setCurrentIndex(
        std::max(0, device_->findData(s.value(QStringLiteral("model/device"), QStringLiteral("auto")))));
    form->addRow(tr("Device:"), device_);
    threads_ = new QSpinBox(this);
    threads_->setRange(0, 256);
    threads_->setSpecialValueText(tr("one per core"));
    threads_->setValue(s.value(QStringLiteral("model/threads"), 0).toInt());
    form->addRow(tr("Threads:"), threads_);
    precision_ = new QComboBox(this);
    precision_->addItem(tr("Automatic (fastest this computer keeps faithful)"), QStringLiteral("auto"));
    precision_->addItem(tr("float32 (the reference's own arithmetic, slower queries)"),
                        QStringLiteral("float32"));
    precision_->addItem(tr("bfloat16 text model (fast on CPUs with AVX512_BF16 or AVX2)"),
                        QStringLiteral("bfloat16"));
    precision_->setToolTip(
        tr("Automatic stores the text model's weights in bfloat16 on CPUs with AVX512_BF16 or AVX2 "
           "(a query takes a half to a quarter of the time; embeddings agree with float32 to cosine 0.999) "
           "and runs in float16 on CUDA."));
    precision_->setCurrentIndex(std::max(
        0, precision_->findData(s.value(QStringLiteral("model/precision"), QStringLiteral("auto")))));
    form->addRow(tr("Precision:"), precision_);
    index_ = new QComboBox(this);
    index_->addItem(tr("Automatic (exact up to %1 photos)").arg(QLocale().toString(VectorIndex::kExactUpTo)),
                    QString());
    index_->addItem(tr("Exact (every photo compared; slower past 100,000)"), QStringLiteral("exact"));
    index_->addItem(tr("Approximate (compressed, exact scores for the best; for very large libraries)"),
                    QStringLiteral("approximate"));
    index_->setCurrentIndex(
        std::max(0, index_->findData(s.value(QStringLiteral("search/index")).toString())));
    form->addRow(tr("Search index:"), index_);
    background_ = new QCheckBox(tr("In the background: your other programs come first"), this);
    background_->setToolTip(
        tr("Indexing uses only the processor time and disk access other programs leave idle, so the "
           "computer stays responsive; it takes longer while you work. Turning this off applies at the "
           "next start."));
    background_->setChecked(s.value(QStringLiteral("indexing/background"), true).toBool());
    form->addRow(tr("Indexing:"), background_);
    // The library's own setting (its catalog keeps it), so the command line writes sidecars the same way.
    sidecars_ = new QComboBox(this);
    sidecars_->addItem(tr("Only when I export them"), QString());
    sidecars_->addItem(tr("Automatically, as photo.jpg.xmp (digiKam, darktable)"), QStringLiteral("digikam"));
    sidecars_->addItem(tr("Automatically, as photo.xmp (Lightroom)"), QStringLiteral("lightroom"));
    sidecars_->setToolTip(
        tr("Confirmed tags are added to an XMP sidecar beside each photo as they change, "
           "merged with what the sidecar holds. The photos themselves are never changed."));
    const auto style = session_ ? session_->automaticSidecars() : std::nullopt;
    sidecars_->setCurrentIndex(!style ? 0 : *style == XmpSidecar::Style::Lightroom ? 2 : 1);
    sidecars_->setEnabled(session_ && session_->library());
    form->addRow(tr("Tags in sidecars:"), sidecars_);
    thumbnail_ = new QSlider(Qt::Horizontal, this);
    thumbnail_->setRange(96, 320);
    thumbnail_->setValue(s.value(QStringLiteral("view/thumbnail"), 160).toInt());
    form->addRow(tr("Thumbnail size:"), thumbnail_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Model folder"), model_->text());
        if (!dir.isEmpty()) model_->setText(dir);
    });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        save();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void SettingsDialog::save() const {
    QSettings s;
    s.setValue(QStringLiteral("model/dir"), model_->text().trimmed());
    s.setValue(QStringLiteral("model/device"), device_->currentData());
    s.setValue(QStringLiteral("model/threads"), threads_->value());
    s.setValue(QStringLiteral("model/precision"), precision_->currentData());
    s.setValue(QStringLiteral("search/index"), index_->currentData());
    s.setValue(QStringLiteral("indexing/background"), background_->isChecked());
    s.setValue(QStringLiteral("view/thumbnail"), thumbnail_->value());
    if (session_ && sidecars_->isEnabled()) {
        const QString v = sidecars_->currentData().toString();
        const auto style = v.isEmpty()                       ? std::nullopt
                           : v == QLatin1String("lightroom") ? std::optional(XmpSidecar::Style::Lightroom)
                                                             : std::optional(XmpSidecar::Style::DigiKam);
        if (style != session_->automaticSidecars()) session_->setAutomaticSidecars(style);
    }
}

}  // namespace photosearch
