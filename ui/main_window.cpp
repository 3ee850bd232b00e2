#include "main_window.h"

#include "model_dialog.h"
#include "model_downloader.h"
#include "native_path.h"
#include "photo_image.h"
#include "photo_viewer.h"
#include "query_chips.h"
#include "results_model.h"
#include "settings_dialog.h"
#include "tag_dialog.h"
#include "thumbnail_cache.h"
#include "tile_delegate.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateEdit>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QShortcut>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolButton>
#include <QUrl>
#include <QWheelEvent>

#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace photosearch {

MainWindow::MainWindow(Options options, QWidget* parent) : QMainWindow(parent), options_(std::move(options)) {
    setWindowTitle(tr("PhotoSearch"));
    setAcceptDrops(true);
    QSettings settings;
    thumbnails_ = new ThumbnailCache(settings.value(QStringLiteral("view/thumbnail"), 160).toInt(), this);
    thumbnails_->setDevicePixelRatio(qApp->devicePixelRatio());  // HiDPI: thumbnails at the screen's pixels
    model_ = new ResultsModel(thumbnails_, this);

    // Top: what to look for, and what the search is made of.
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    auto* searchRow = new QHBoxLayout;
    search_ = new QLineEdit(central);
    search_->setPlaceholderText(
        tr("Describe a photo, e.g. \"kids on the beach last summer -rain\" (or drop or paste a photo here)"));
    search_->setClearButtonEnabled(true);
    search_->setText(options_.initialQuery);
    not_ = new QLineEdit(central);
    not_->setPlaceholderText(tr("but not..."));
    not_->setClearButtonEnabled(true);
    not_->setMaximumWidth(200);
    saveSearch_ = new QToolButton(central);
    saveSearch_->setText(tr("Save search..."));
    saveSearch_->setToolTip(tr("Keep this search in the side panel: it updates as the library grows"));
    searchRow->addWidget(search_, 1);
    searchRow->addWidget(not_);
    searchRow->addWidget(saveSearch_);
    layout->addLayout(searchRow);
    chips_ = new QueryChips(central);
    layout->addWidget(chips_);
    banner_ = new QLabel(central);
    banner_->setWordWrap(true);
    banner_->setStyleSheet(
        QStringLiteral("QLabel { background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px; }"));
    banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    banner_->setVisible(false);
    layout->addWidget(banner_);

    // Above the grid: how many results there are, and how they are shown.
    auto* resultsRow = new QHBoxLayout;
    count_ = new QLabel(central);
    sort_ = new QComboBox(central);
    sort_->addItem(tr("Best match first"), int(ResultsModel::Order::BestMatch));
    sort_->addItem(tr("Newest first"), int(ResultsModel::Order::NewestFirst));
    sort_->addItem(tr("Oldest first"), int(ResultsModel::Order::OldestFirst));
    sort_->addItem(tr("Name"), int(ResultsModel::Order::Name));
    sort_->setCurrentIndex(1);
    sort_->setToolTip(tr("Order of the photos"));
    details_ = new QToolButton(central);
    details_->setText(tr("Details"));
    details_->setCheckable(true);
    details_->setChecked(settings.value(QStringLiteral("view/details"), true).toBool());
    details_->setToolTip(tr("Show each photo's date and folder under its name"));
    resultsRow->addWidget(count_, 1);
    resultsRow->addWidget(sort_);
    resultsRow->addWidget(details_);
    layout->addLayout(resultsRow);

    grid_ = new QListView(central);
    grid_->setModel(model_);
    delegate_ = new TileDelegate(grid_, thumbnails_->size());
    delegate_->setShowDetails(details_->isChecked());
    grid_->setItemDelegate(delegate_);
    grid_->setViewMode(QListView::IconMode);
    grid_->setResizeMode(QListView::Adjust);
    grid_->setMovement(QListView::Static);
    grid_->setSpacing(4);
    grid_->setLayoutMode(QListView::SinglePass);
    grid_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    // The next page is loaded while the last screen of this one is still ahead, so paging never waits at the
    // bottom (checked once control is back in the event loop, when the page before has been announced).
    // The layout is one pass: in batches, each new page re-laid every row 200 at a time, one batch per pass
    // of the event loop, and over 100,000 photos paging to the end took minutes (docs/performance.md).
    const auto fetchAhead = [this] {
        const QScrollBar* bar = grid_->verticalScrollBar();
        if (bar->maximum() - bar->value() <= 2 * grid_->viewport()->height() && model_->canFetchMore({}))
            model_->fetchMore({});
    };
    connect(grid_->verticalScrollBar(), &QScrollBar::valueChanged, this, fetchAhead, Qt::QueuedConnection);
    connect(grid_->verticalScrollBar(), &QScrollBar::rangeChanged, this, fetchAhead, Qt::QueuedConnection);
    grid_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    grid_->setDragDropMode(QAbstractItemView::DragOnly);
    grid_->setContextMenuPolicy(Qt::CustomContextMenu);
    grid_->setMouseTracking(true);
    grid_->viewport()->installEventFilter(this);  // Ctrl+wheel sizes the thumbnails

    // In the grid's place when there is nothing to show: why, and the way on.
    auto* emptyPage = new QWidget(central);
    auto* emptyLayout = new QVBoxLayout(emptyPage);
    emptyText_ = new QLabel(emptyPage);
    emptyText_->setWordWrap(true);
    emptyText_->setAlignment(Qt::AlignCenter);
    emptyAddPictures_ = new QPushButton(emptyPage);
    emptyAddFolder_ = new QPushButton(tr("Choose a folder..."), emptyPage);
    emptyClear_ = new QPushButton(tr("Clear the search and filters"), emptyPage);
    emptyLayout->addStretch(1);
    emptyLayout->addWidget(emptyText_);
    for (QPushButton* b : {emptyAddPictures_, emptyAddFolder_, emptyClear_})
        emptyLayout->addWidget(b, 0, Qt::AlignHCenter);
    emptyLayout->addStretch(2);
    gridStack_ = new QStackedWidget(central);
    gridStack_->addWidget(grid_);
    gridStack_->addWidget(emptyPage);

    auto* splitter = new QSplitter(central);
    splitter->addWidget(buildSidePanel());
    splitter->addWidget(gridStack_);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({240, 900});
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    errorsDock_ = new QDockWidget(tr("Problems"), this);
    errorsDock_->setObjectName(QStringLiteral("problems"));
    errors_ = new QListWidget(errorsDock_);
    errorsDock_->setWidget(errors_);
    addDockWidget(Qt::BottomDockWidgetArea, errorsDock_);
    errorsDock_->setVisible(false);
    buildStatusBar();

    auto* fileMenu = menuBar()->addMenu(tr("&Library"));
    fileMenu->addAction(tr("Add folder..."), this, [this] { addFolder(); });
    fileMenu->addAction(tr("Re-scan folders"), this, [this] { session_.startIndexing(); });
    fileMenu->addAction(tr("Manage tags..."), this, &MainWindow::openTagManager);
    fileMenu->addAction(tr("Get the model..."), this, &MainWindow::chooseModel);
    fileMenu->addAction(tr("Settings..."), this, [this] {
        SettingsDialog d(&session_, this);
        if (d.exec() == QDialog::Accepted)
            statusText_->setText(tr(
                "Settings saved; a new model, device, precision or search index applies at the next start."));
    });
    fileMenu->addSeparator();
    fileMenu->addAction(tr("Quit"), QKeySequence::Quit, this, &QWidget::close);
    auto* viewMenu = menuBar()->addMenu(tr("&View"));
    QAction* problems = errorsDock_->toggleViewAction();
    problems->setText(tr("Problems"));
    viewMenu->addAction(problems);
    QAction* details = viewMenu->addAction(tr("Details under thumbnails"));
    details->setCheckable(true);
    details->setChecked(details_->isChecked());
    connect(details, &QAction::toggled, details_, &QToolButton::setChecked);
    connect(details_, &QToolButton::toggled, details, &QAction::setChecked);
    viewMenu->addAction(tr("Larger thumbnails"), QKeySequence::ZoomIn, this,
                        [this] { setThumbnailSize(thumbnails_->size() + 32); });
    viewMenu->addAction(tr("Smaller thumbnails"), QKeySequence::ZoomOut, this,
                        [this] { setThumbnailSize(thumbnails_->size() - 32); });

    // Wiring.
    debounce_.setSingleShot(true);
    // Only coalesces a burst of key events: a newer search supersedes an older one on the search thread,
    // and one query takes about 55 ms, so results follow typing within 100 ms.
    debounce_.setInterval(20);
    connect(&debounce_, &QTimer::timeout, this, &MainWindow::runQuery);
    connect(search_, &QLineEdit::textChanged, this, [this] { debounce_.start(); });
    connect(not_, &QLineEdit::textChanged, this, [this] { debounce_.start(); });
    connect(sort_, &QComboBox::activated, this,
            [this] { model_->setOrder(static_cast<ResultsModel::Order>(sort_->currentData().toInt())); });
    connect(details_, &QToolButton::toggled, this, [this](bool on) {
        delegate_->setShowDetails(on);
        grid_->doItemsLayout();
        QSettings().setValue(QStringLiteral("view/details"), on);
    });
    connect(chips_, &QueryChips::removed, this, [this](const QString& key) {
        if (key == QLatin1String("image")) queryImage_.clear();
        if (key == QLatin1String("not")) not_->clear();
        if (key == QLatin1String("folder")) activeFolder_.clear();
        if (key == QLatin1String("tag")) activeTag_.clear();
        if (key == QLatin1String("dates")) {
            afterOn_->setChecked(false);
            beforeOn_->setChecked(false);
        }
        // A part of the typed query: it leaves the box, the rest stays as typed.
        if (key.startsWith(QLatin1String("typed:"))) {
            const size_t i = key.mid(6).toULong();
            if (i < typed_.parts.size()) {
                const QSignalBlocker quiet(search_);
                search_->setText(withoutPart(search_->text(), typed_.parts[i]));
            }
        }
        showActiveFilters();
        runQuery();
    });
    connect(chips_, &QueryChips::clearAll, this, &MainWindow::clearQuery);
    connect(emptyClear_, &QPushButton::clicked, this, &MainWindow::clearQuery);
    connect(emptyAddFolder_, &QPushButton::clicked, this, [this] { addFolder(); });
    connect(emptyAddPictures_, &QPushButton::clicked, this,
            [this] { addFolder(QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)); });
    connect(grid_, &QListView::activated, this, &MainWindow::openPreview);
    connect(grid_, &QListView::customContextMenuRequested, this, &MainWindow::showContextMenu);
    connect(&session_, &LibrarySession::searchFinished, this,
            [this](int id, const QVector<SearchHit>& hits, double ms) {
                if (id != latestRequest_) return;  // an older query finished after a newer one was asked
                showResults(hits, ms);
            });
    connect(&session_, &LibrarySession::searchFailed, this, [this](int id, const QString& error) {
        if (id == latestRequest_) showError(error);
    });
    connect(&session_, &LibrarySession::failed, this, &MainWindow::showError);
    connect(&session_, &LibrarySession::libraryChanged, this, [this] {
        refreshSidePanel();
        refreshLibraryStatus();
    });
    connect(
        &session_, &LibrarySession::tagJudged, this,
        [this](const QString& label, bool accepted, int photos, int suggested) {
            refreshSidePanel();
            if (photos > 0)
                statusText_->setText((accepted ? tr("“%1” confirmed on %n photo(s)", nullptr, photos)
                                               : tr("“%1” rejected on %n photo(s)", nullptr, photos))
                                         .arg(label) +
                                     tr("; it is now suggested for %n other photo(s).", nullptr, suggested));
        });
    wireIndexing();

    auto* find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    auto* escape = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(escape, &QShortcut::activated, this, [this] {
        clearQuery();
        search_->setFocus();
    });
    auto* paste = new QShortcut(QKeySequence::Paste, grid_);
    connect(paste, &QShortcut::activated, this, &MainWindow::pasteQuery);
    connect(search_, &QLineEdit::returnPressed, this, [this] {
        const QModelIndex first = model_->indexOfResult(0);
        if (first.isValid()) {
            grid_->setFocus();
            grid_->setCurrentIndex(first);
        }
    });

    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) resize(1200, 800);
    updateEmptyState();
    QTimer::singleShot(0, this, &MainWindow::start);
}

MainWindow::~MainWindow() = default;

QString MainWindow::noModelMessage() const {
    return tr("No ALIGN model at %1. Download it or choose its folder with Library > Get the model..., "
              "or start PhotoSearch with --model DIR.")
        .arg(options_.modelDir);
}

bool MainWindow::chooseModel() {
    ModelDialog dialog(options_.modelDir, this);
    if (dialog.exec() != QDialog::Accepted) return false;
    options_.modelDir = dialog.modelDir();
    QSettings().setValue(QStringLiteral("model/dir"), options_.modelDir);
    if (!session_.isOpen()) {
        showError(QString());
        start();
    } else {
        statusText_->setText(tr("The new model applies at the next start."));
    }
    return true;
}

void MainWindow::start() {
    if (!ModelDownloader::isCompleteModelDir(options_.modelDir)) {
        if (!options_.askForModel) return showError(noModelMessage());
        ModelDialog dialog(options_.modelDir, this);
        if (dialog.exec() != QDialog::Accepted) return showError(noModelMessage());
        options_.modelDir = dialog.modelDir();
        QSettings().setValue(QStringLiteral("model/dir"), options_.modelDir);
    }
    const QString modelDir = options_.modelDir;
    QSettings settings;
    LibraryOptions o;
    o.libraryDir = options_.libraryDir;
    o.modelDir = modelDir;
    o.device = settings.value(QStringLiteral("model/device"), QStringLiteral("auto")).toString();
    o.threads = settings.value(QStringLiteral("model/threads"), 0).toInt();
    o.precision = settings.value(QStringLiteral("model/precision")).toString();
    o.indexKind = settings.value(QStringLiteral("search/index")).toString();
    const QString error = session_.open(o);
    if (!session_.isOpen()) return showError(error);
    if (!error.isEmpty()) showError(tr("Read-only: %1").arg(error));
    refreshSidePanel();
    refreshLibraryStatus();
    refreshProblems();  // the files that failed before, also after a restart
    statusText_->setText(tr("Loading the model..."));
    // The library shows at once (browsing needs no model); the model loads on the search thread right after.
    runQuery();
    session_.loadModel();
    connect(
        &session_, &LibrarySession::modelLoaded, this,
        [this] {
            if (modelReady_) return;
            modelReady_ = true;
            statusText_->setText(tr("Ready"));
            emit modelReady();
            if (!options_.startWork) return;
            if (session_.isWritable() && !session_.folders().isEmpty()) session_.startIndexing();
            runQuery();
        },
        Qt::SingleShotConnection);
    connect(
        &session_, &LibrarySession::modelFailed, this,
        [this](const QString& e, bool modelMismatch) {
            if (modelReady_) return;
            if (modelMismatch &&
                QMessageBox::question(this, tr("Another model"),
                                      tr("%1\n\nRe-index all photos with the current model now?").arg(e)) ==
                    QMessageBox::Yes) {
                session_.library()->resetVectors();
                modelReady_ = true;
                session_.startIndexing();
                return;
            }
            showError(e);
        },
        Qt::SingleShotConnection);
}

SearchOptions MainWindow::currentOptions() const {
    SearchOptions o;
    o.limit = std::numeric_limits<int>::max();  // every result: the grid pages them in as it scrolls
    if (!not_->text().trimmed().isEmpty()) o.notTexts << not_->text().trimmed();
    o.folder = activeFolder_;
    if (!activeTag_.isEmpty()) o.tags << activeTag_;
    if (afterOn_->isChecked()) o.after = after_->date().startOfDay().toSecsSinceEpoch();
    if (beforeOn_->isChecked()) o.before = before_->date().addDays(1).startOfDay().toSecsSinceEpoch();
    return o;
}

void MainWindow::runQuery() {
    // The box's dates, negatives, names, tags and folder words become chips and filters; the rest is the
    // description ALIGN ranks by.
    typed_ = session_.isOpen() ? parseQuery(search_->text(), session_.library()->queryContext())
                               : ParsedQuery{search_->text().trimmed()};
    updateChips();
    const QString text = typed_.text.trimmed();
    const bool needsModel = !text.isEmpty() || !queryImage_.isEmpty() || !typed_.negatives.isEmpty();
    // Browsing needs only the catalog; a search waits for the model (runQuery runs again once it is ready).
    if (!session_.isOpen() || (!modelReady_ && needsModel)) return updateEmptyState();
    SearchOptions o = currentOptions();
    addParsedQuery(typed_, o);
    latestRanked_ = !text.isEmpty() || !queryImage_.isEmpty();
    if (!queryImage_.isEmpty() && text.isEmpty()) {
        latestRequest_ = session_.similar(queryImage_, o);
    } else if (!text.isEmpty() || !typed_.negatives.isEmpty()) {
        o.imagePath = queryImage_;
        latestRequest_ = session_.search(text, o);  // negatives alone: the filtered photos without them
    } else {
        latestRequest_ =
            session_.browse(o);  // no query: the library (or the folder, tag, dates), newest first
    }
}

void MainWindow::setThumbnailSize(int size) {
    size = std::clamp(size, 64, 384);
    if (size == thumbnails_->size()) return;
    thumbnails_->setSize(size);
    delegate_->setThumbnailSize(size);
    {
        const QSignalBlocker block(sizeSlider_);
        sizeSlider_->setValue(size);
    }
    grid_->doItemsLayout();  // the new tile size; thumbnails come again at the new size
    QSettings().setValue(QStringLiteral("view/thumbnail"), size);
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    if (watched == grid_->viewport() && event->type() == QEvent::Wheel) {
        auto* wheel = static_cast<QWheelEvent*>(event);
        if (wheel->modifiers() & Qt::ControlModifier) {
            setThumbnailSize(thumbnails_->size() + (wheel->angleDelta().y() > 0 ? 16 : -16));
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::searchSimilarTo(const QString& path) {
    queryImage_ = QDir::isAbsolutePath(path) ? path : QDir::current().absoluteFilePath(path);
    QFile file;
    native_path::openForReading(file, queryImage_);  // by the name's exact bytes
    queryImageIcon_ = QPixmap::fromImage(readPhotoImage(file, queryImage_, QSize(32, 32), nullptr));
    // The photo is the query now: text left in the box would blend in unseen. Typed afterwards, it shows
    // beside the photo's chip and is blended on purpose.
    const QSignalBlocker block(search_);
    search_->clear();
    runQuery();
}

QString MainWindow::errorBanner() const { return banner_->isVisible() ? banner_->text() : QString(); }

void MainWindow::showError(const QString& message) {
    banner_->setText(message);
    banner_->setVisible(!message.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().value(0).isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::addFolder(QString dir) {
    if (dir.isEmpty()) dir = QFileDialog::getExistingDirectory(this, tr("Add a photo folder"));
    if (dir.isEmpty()) return;
    if (const QString e = session_.addFolder(dir); !e.isEmpty()) return showError(e);
    session_.startIndexing();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile()) return;
    const QString path = urls.first().toLocalFile();
    if (QFileInfo(path).isDir()) {
        addFolder(path);
    } else {
        searchSimilarTo(path);
    }
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    session_.shutdown();  // the worker stops after its current batch; everything committed stays
    event->accept();
}

}  // namespace photosearch
