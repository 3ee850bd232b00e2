#include "photo_viewer.h"

#include "image_view.h"
#include "native_path.h"
#include "photo_facts.h"
#include "photo_image.h"
#include "photo_scanner.h"
#include "results_model.h"
#include "thumbnail_cache.h"

#include <QAbstractListModel>
#include <QAction>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QThreadPool>
#include <QToolBar>
#include <QVBoxLayout>

namespace photosearch {

namespace {

constexpr int kFilmstripThumbnail = 64;

// The filmstrip's items: the viewer's photos with their thumbnails.
class FilmstripModel : public QAbstractListModel {
  public:
    FilmstripModel(const QVector<SearchHit>* hits, ThumbnailCache* thumbnails, QObject* parent)
        : QAbstractListModel(parent), hits_(hits), thumbnails_(thumbnails) {
        connect(thumbnails_, &ThumbnailCache::ready, this, [this](const QString& path) {
            const auto row = rowOfKey_.constFind(path);
            if (row != rowOfKey_.constEnd()) emit dataChanged(index(*row), index(*row), {Qt::DecorationRole});
        });
        for (int i = 0; i < hits_->size(); ++i) rowOfKey_.insert((*hits_)[i].thumbnailKey(), i);
    }
    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : static_cast<int>(hits_->size());
    }
    QVariant data(const QModelIndex& index, int role) const override {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
        const QString& path = (*hits_)[index.row()].path;
        switch (role) {
            case Qt::DecorationRole: {
                const QImage image = thumbnails_->get((*hits_)[index.row()].thumbnailKey());
                if (!image.isNull()) return image;
                QImage blank(kFilmstripThumbnail, kFilmstripThumbnail, QImage::Format_ARGB32);
                blank.fill(Qt::transparent);  // keeps every item the same size while thumbnails load
                return blank;
            }
            case Qt::ToolTipRole:
            case Qt::AccessibleTextRole:
                return native_path::display(path.section(QLatin1Char('/'), -1));
            default:
                return {};
        }
    }

  private:
    const QVector<SearchHit>* hits_;
    ThumbnailCache* thumbnails_;
    QHash<QString, int> rowOfKey_;
};

QLabel* valueLabel(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return label;
}

}  // namespace

PhotoViewer::PhotoViewer(ViewerContent content, int current, LibrarySession* session, QWidget* parent)
    : QDialog(parent), content_(std::move(content)), session_(session) {
    setWindowFlag(Qt::WindowMaximizeButtonHint);
    thumbnails_ = new ThumbnailCache(kFilmstripThumbnail, this);
    thumbnails_->setDevicePixelRatio(devicePixelRatioF());
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    toolbar_ = new QToolBar(this);
    toolbar_->setToolButtonStyle(Qt::ToolButtonTextOnly);
    // The keys are handled in keyPressEvent (the viewer's keys whichever child has focus); the buttons name
    // them.
    auto action = [this](const QString& text, const QKeySequence& key, auto slot) {
        QAction* a = toolbar_->addAction(text, this, slot);
        a->setToolTip(QStringLiteral("%1 (%2)").arg(text, key.toString(QKeySequence::NativeText)));
        return a;
    };
    action(tr("Previous"), QKeySequence(Qt::Key_Left), [this] { showPhoto(current_ - 1); });
    action(tr("Next"), QKeySequence(Qt::Key_Right), [this] { showPhoto(current_ + 1); });
    // A video, from the moment shown; a Live Photo's video. Up front: for a video it is what a person wants.
    playAction_ = action(tr("Play video"), QKeySequence(Qt::Key_P), [this] { playVideo(); });
    toolbar_->addSeparator();
    action(tr("Fit"), QKeySequence(Qt::Key_0), [this] { view_->fit(); });
    action(tr("Actual size"), QKeySequence(Qt::Key_1), [this] { view_->zoomTo(1); });
    action(tr("Zoom out"), QKeySequence(Qt::Key_Minus), [this] { view_->zoomBy(1 / 1.25); });
    zoomLabel_ = new QLabel(toolbar_);
    zoomLabel_->setMinimumWidth(zoomLabel_->fontMetrics().horizontalAdvance(QStringLiteral("1600%")) + 8);
    zoomLabel_->setAlignment(Qt::AlignCenter);
    toolbar_->addWidget(zoomLabel_);
    action(tr("Zoom in"), QKeySequence(Qt::Key_Plus), [this] { view_->zoomBy(1.25); });
    toolbar_->addSeparator();
    action(tr("Full screen"), QKeySequence(Qt::Key_F11), [this] { toggleFullScreen(); });
    infoAction_ =
        action(tr("Info"), QKeySequence(Qt::Key_I), [this] { info_->setVisible(infoAction_->isChecked()); });
    infoAction_->setCheckable(true);
    infoAction_->setChecked(true);
    similarAction_ = action(tr("Find similar"), QKeySequence(Qt::CTRL | Qt::Key_F), [this] {
        emit findSimilar(currentPath());
        close();
    });
    action(tr("Open with default application"), QKeySequence(Qt::CTRL | Qt::Key_O),
           [this] { openWithDefaultApp(); });
    if (session_) {
        connect(session_, &LibrarySession::tagJudged, this, [this] { showTags(); });
        connect(session_, &LibrarySession::failed, this, &PhotoViewer::showError);
    }
    layout->addWidget(toolbar_);

    error_ = new QLabel(this);
    error_->setWordWrap(true);
    error_->setVisible(false);
    error_->setContentsMargins(8, 4, 8, 4);
    error_->setStyleSheet(
        QStringLiteral("background: palette(highlight); color: palette(highlighted-text);"));
    layout->addWidget(error_);

    splitter_ = new QSplitter(this);
    view_ = new ImageView(splitter_);
    connect(view_, &ImageView::zoomChanged, this,
            [this](double zoom) { zoomLabel_->setText(QStringLiteral("%1%").arg(std::lround(zoom * 100))); });
    splitter_->addWidget(view_);
    buildInfo();
    splitter_->addWidget(info_);
    splitter_->setStretchFactor(0, 1);
    layout->addWidget(splitter_, 1);

    filmstrip_ = new QListView(this);
    filmstrip_->setFlow(QListView::LeftToRight);
    filmstrip_->setWrapping(false);
    filmstrip_->setUniformItemSizes(true);
    filmstrip_->setIconSize(QSize(kFilmstripThumbnail, kFilmstripThumbnail));
    filmstrip_->setSpacing(2);
    filmstrip_->setFixedHeight(kFilmstripThumbnail + 2 * 2 +
                               filmstrip_->horizontalScrollBar()->sizeHint().height() + 8);
    filmstrip_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    filmstrip_->setFocusPolicy(Qt::NoFocus);  // the arrows belong to the photo
    filmstrip_->setModel(new FilmstripModel(&content_.hits, thumbnails_, filmstrip_));
    connect(filmstrip_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& index) {
                if (index.isValid() && index.row() != current_) showPhoto(index.row());
            });
    layout->addWidget(filmstrip_);

    resize(1100, 780);
    showPhoto(current);
    view_->setFocus();
}

PhotoViewer::~PhotoViewer() = default;

void PhotoViewer::buildInfo() {
    info_ = new QScrollArea(splitter_);
    info_->setWidgetResizable(true);
    info_->setMinimumWidth(240);
    info_->setFrameShape(QFrame::NoFrame);
    auto* panel = new QWidget(info_);
    auto* form = new QFormLayout(panel);
    form->setRowWrapPolicy(QFormLayout::WrapAllRows);
    name_ = valueLabel(panel);
    QFont bold = name_->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    name_->setFont(bold);
    form->addRow(name_);
    why_ = valueLabel(panel);
    form->addRow(tr("Why it is shown"), why_);
    taken_ = valueLabel(panel);
    form->addRow(tr("Taken"), taken_);
    camera_ = valueLabel(panel);
    cameraLabel_ = new QLabel(tr("Camera"), panel);
    form->addRow(cameraLabel_, camera_);
    exposure_ = valueLabel(panel);
    exposureLabel_ = new QLabel(tr("Exposure"), panel);
    form->addRow(exposureLabel_, exposure_);
    dimensions_ = valueLabel(panel);
    form->addRow(tr("Dimensions"), dimensions_);
    file_ = valueLabel(panel);
    form->addRow(tr("File"), file_);
    folder_ = valueLabel(panel);
    form->addRow(tr("Folder"), folder_);
    auto* openFolder = new QPushButton(tr("Open containing folder"), panel);
    connect(openFolder, &QPushButton::clicked, this,
            [this] { showError(openWithDesktop(currentPath().section(QLatin1Char('/'), 0, -2))); });
    form->addRow(openFolder);
    tags_ = valueLabel(panel);
    form->addRow(tr("Tags"), tags_);
    suggested_ = valueLabel(panel);
    suggested_->setToolTip(tr("Tags PhotoSearch suggests, not yet confirmed. Each answer teaches the tag."));
    form->addRow(tr("Suggested"), suggested_);
    auto* answers = new QHBoxLayout;
    acceptButton_ = new QPushButton(panel);
    rejectButton_ = new QPushButton(panel);
    connect(acceptButton_, &QPushButton::clicked, this, [this] { judgeSuggestion(true); });
    connect(rejectButton_, &QPushButton::clicked, this, [this] { judgeSuggestion(false); });
    answers->addWidget(acceptButton_);
    answers->addWidget(rejectButton_);
    form->addRow(answers);
    // The field names quieter than what they name, in the desktop's palette (dark themes too).
    for (int row = 0; row < form->rowCount(); ++row) {
        auto* item = form->itemAt(row, QFormLayout::LabelRole);
        if (auto* key = item ? qobject_cast<QLabel*>(item->widget()) : nullptr) {
            QPalette palette = key->palette();
            QColor muted = palette.color(QPalette::WindowText);
            muted.setAlphaF(0.65);
            palette.setColor(QPalette::WindowText, muted);
            key->setPalette(palette);
        }
    }
    form->setVerticalSpacing(4);
    info_->setWidget(panel);
}

QWidget* PhotoViewer::infoPanel() const { return info_; }

QString PhotoViewer::currentPath() const {
    return current_ >= 0 && current_ < content_.hits.size() ? content_.hits[current_].path : QString();
}

void PhotoViewer::showPhoto(int index) {
    if (index < 0 || index >= content_.hits.size()) return;
    const bool moved = index != current_;
    current_ = index;
    showError({});
    const QString path = currentPath();
    setWindowTitle(tr("%1 (%2 of %3)")
                       .arg(native_path::display(path.section(QLatin1Char('/'), -1)))
                       .arg(index + 1)
                       .arg(content_.hits.size()));
    {
        const QSignalBlocker block(filmstrip_->selectionModel());
        filmstrip_->setCurrentIndex(filmstrip_->model()->index(index, 0));
    }
    filmstrip_->scrollTo(filmstrip_->currentIndex(), QAbstractItemView::PositionAtCenter);
    fillInfo();
    // The thumbnail at once (when there is one), the photo itself when decoded in the background.
    const SearchHit& hit = content_.hits[current_];
    const QImage preview = thumbnails_->get(hit.thumbnailKey());
    view_->setImage(preview, tr("Loading..."));
    const bool video = hit.isVideo();
    playAction_->setVisible(video || !livePhotoVideo(path).isEmpty());
    playAction_->setText(video ? tr("Play from %1").arg(clockTime(hit.timeS)) : tr("Play Live Photo"));
    const int request = ++loading_;
    QPointer<PhotoViewer> self(this);
    const double moment = hit.timeS;
    QThreadPool::globalInstance()->start([self, path, request, video, moment] {
        // The facts first (headers only), then the pixels: both read here, never on the GUI thread.
        const PhotoFacts facts = readPhotoFacts(path);
        QMetaObject::invokeMethod(qApp, [self, facts, request] {
            if (self && request == self->loading_) self->showFacts(facts);
        });
        QFile file;
        const QString openError = native_path::openForReading(file, path);  // by the name's exact bytes
        QString error = openError;
        const QImage image = !openError.isEmpty() ? QImage()
                             : video              ? readVideoFrame(path, moment, {}, &error)
                                                  : readPhotoImage(file, path, {}, &error);
        QMetaObject::invokeMethod(qApp, [self, image, error, request] {
            if (!self || request != self->loading_) return;  // the person has moved on
            self->view_->setImage(image, tr("This photo cannot be shown: %1").arg(error));
            emit self->photoShown(self->current_);
        });
    });
    if (moved) emit currentChanged(index);
}

void PhotoViewer::fillInfo() {
    const SearchHit& hit = content_.hits[current_];
    const QString path = hit.path;
    name_->setText(native_path::display(path.section(QLatin1Char('/'), -1)));
    why_->setText(
        content_.ranked
            ? tr("%1 for %2: %3")
                      .arg(ResultsModel::levelWords(hit), content_.query, ResultsModel::reasons(hit)) +
                  (hit.isVideo() ? tr(", best at %1 into the video").arg(clockTime(hit.timeS)) : QString())
            : content_.scope);
    const QDateTime taken = QDateTime::fromSecsSinceEpoch(hit.takenAt);
    taken_->setText(tr("%1, %2").arg(QLocale().toString(taken.date(), QLocale::LongFormat),
                                     QLocale().toString(taken.time(), QLocale::ShortFormat)));
    showFacts(std::nullopt);
    folder_->setText(native_path::display(path.section(QLatin1Char('/'), 0, -2)));
    showTags();
}

void PhotoViewer::showTags() {
    const QString path = currentPath();
    const QStringList tags = session_ ? session_->tagsOf(path) : QStringList();
    tags_->setText(tags.isEmpty() ? tr("None") : tags.join(QStringLiteral(", ")));
    const QStringList suggested = session_ ? session_->suggestedTagsOf(path) : QStringList();
    suggested_->setText(suggested.isEmpty() ? tr("None") : suggested.join(QStringLiteral(", ")));
    acceptButton_->setVisible(!suggested.isEmpty());
    rejectButton_->setVisible(!suggested.isEmpty());
    if (!suggested.isEmpty()) {
        acceptButton_->setText(tr("It is “%1” (Y)").arg(suggested.first()));
        rejectButton_->setText(tr("It is not (N)"));
    }
}

void PhotoViewer::judgeSuggestion(bool accepted) {
    if (!session_ || current_ < 0) return;
    const QStringList suggested = session_->suggestedTagsOf(currentPath());
    if (suggested.isEmpty()) return showError(tr("This photo has no suggested tag to accept or reject."));
    showError({});
    session_->judgeTag({currentPath()}, suggested.first(), accepted);
}

void PhotoViewer::showFacts(const std::optional<PhotoFacts>& read) {
    if (!read) {  // while they are read in the background
        for (QLabel* l : {camera_, cameraLabel_, exposure_, exposureLabel_}) l->setVisible(false);
        dimensions_->setText(tr("Reading..."));
        file_->setText(tr("Reading..."));
        return;
    }
    const PhotoFacts& facts = *read;
    camera_->setText(facts.camera);
    camera_->setVisible(!facts.camera.isEmpty());
    cameraLabel_->setVisible(!facts.camera.isEmpty());
    exposure_->setText(facts.exposure);
    exposure_->setVisible(!facts.exposure.isEmpty());
    exposureLabel_->setVisible(!facts.exposure.isEmpty());
    dimensions_->setText(
        facts.dimensions.isValid()
            ? tr("%1 × %2 pixels (%3 MP)")
                  .arg(facts.dimensions.width())
                  .arg(facts.dimensions.height())
                  .arg(QLocale().toString(facts.dimensions.width() * double(facts.dimensions.height()) / 1e6,
                                          'f', 1))
            : tr("Unknown (the file cannot be read)"));
    file_->setText(facts.bytes < 0 ? tr("Not found")
                                   : QStringLiteral("%1, %2").arg(QLocale().formattedDataSize(facts.bytes),
                                                                  facts.format));
}

QString PhotoViewer::infoText() const {
    QStringList lines;
    const auto* form = qobject_cast<QFormLayout*>(info_->widget()->layout());
    for (int row = 0; row < form->rowCount(); ++row) {
        auto* label = form->itemAt(row, QFormLayout::LabelRole);
        auto* field = form->itemAt(row, QFormLayout::FieldRole);
        if (!field) field = form->itemAt(row, QFormLayout::SpanningRole);
        auto* value = field ? qobject_cast<QLabel*>(field->widget()) : nullptr;
        if (!value || value->isHidden()) continue;
        auto* key = label ? qobject_cast<QLabel*>(label->widget()) : nullptr;
        lines << (key ? key->text() + QStringLiteral(": ") : QString()) + value->text();
    }
    return lines.join(QLatin1Char('\n'));
}

QString PhotoViewer::errorText() const { return error_->isVisible() ? error_->text() : QString(); }

void PhotoViewer::showError(const QString& message) {
    error_->setText(message);
    error_->setVisible(!message.isEmpty());
}

void PhotoViewer::openWithDefaultApp() { showError(openWithDesktop(currentPath())); }

void PhotoViewer::playVideo() {
    if (current_ < 0 || !playAction_->isVisible()) return;
    const SearchHit& hit = content_.hits[current_];
    showError(hit.isVideo() ? playVideoAt(hit.path, hit.timeS) : playVideoAt(livePhotoVideo(hit.path), 0));
}

void PhotoViewer::toggleFullScreen() {
    const bool full = !isFullScreen();
    toolbar_->setVisible(!full);
    filmstrip_->setVisible(!full);
    view_->setDark(full);
    if (full)
        showFullScreen();
    else
        showNormal();
    view_->setFocus();
}

void PhotoViewer::keyPressEvent(QKeyEvent* event) {
    const bool ctrl = event->modifiers() & Qt::ControlModifier;
    switch (event->key()) {
        case Qt::Key_Right:
        case Qt::Key_Space:
        case Qt::Key_PageDown:
            return showPhoto(current_ + 1);
        case Qt::Key_Left:
        case Qt::Key_Backspace:
        case Qt::Key_PageUp:
            return showPhoto(current_ - 1);
        case Qt::Key_Home:
            return showPhoto(0);
        case Qt::Key_End:
            return showPhoto(static_cast<int>(content_.hits.size()) - 1);
        case Qt::Key_Equal:
        case Qt::Key_Plus:
            return view_->zoomBy(1.25);
        case Qt::Key_Minus:
            return view_->zoomBy(1 / 1.25);
        case Qt::Key_0:
            return view_->fit();
        case Qt::Key_1:
            return view_->zoomTo(1);
        case Qt::Key_F11:
            return toggleFullScreen();
        case Qt::Key_I:
            return infoAction_->trigger();
        case Qt::Key_F:
            if (ctrl) return similarAction_->trigger();
            return view_->fit();
        case Qt::Key_O:
            if (ctrl) return openWithDefaultApp();
            break;
        case Qt::Key_P:
            return playVideo();
        case Qt::Key_Y:
            return judgeSuggestion(true);
        case Qt::Key_N:
            return judgeSuggestion(false);
        case Qt::Key_Escape:
            if (isFullScreen()) return toggleFullScreen();  // Esc leaves full screen first, as viewers do
            break;
        default:
            break;
    }
    QDialog::keyPressEvent(event);
}

}  // namespace photosearch
