#include "main_window.h"

#include "model_dialog.h"
#include "model_downloader.h"
#include "native_path.h"
#include "preview_dialog.h"
#include "results_model.h"
#include "settings_dialog.h"
#include "tag_dialog.h"
#include "thumbnail_cache.h"

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
#include <QImageReader>
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
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QToolButton>
#include <QUrl>

#include <QVBoxLayout>
#include <algorithm>

namespace photosearch {

namespace {
QString duration(double seconds) {
    if (seconds < 0) return QStringLiteral("--:--");
    const int s = static_cast<int>(seconds + 0.5);
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}
}  // namespace

MainWindow::MainWindow(Options options, QWidget* parent) : QMainWindow(parent), options_(std::move(options)) {
    setWindowTitle(tr("PhotoSearch"));
    setAcceptDrops(true);
    QSettings settings;
    thumbnails_ = new ThumbnailCache(settings.value(QStringLiteral("view/thumbnail"), 160).toInt(), this);
    model_ = new ResultsModel(thumbnails_, this);

    // Top: what to look for.
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    auto* searchRow = new QHBoxLayout;
    search_ = new QLineEdit(central);
    search_->setPlaceholderText(
        tr("Describe a photo, e.g. \"kids on the beach at sunset\" (or drop a photo here)"));
    search_->setClearButtonEnabled(true);
    search_->setText(options_.initialQuery);
    not_ = new QLineEdit(central);
    not_->setPlaceholderText(tr("but not..."));
    not_->setClearButtonEnabled(true);
    not_->setMaximumWidth(200);
    limit_ = new QSpinBox(central);
    limit_->setRange(1, 10000);
    limit_->setValue(settings.value(QStringLiteral("search/limit"), 200).toInt());
    limit_->setPrefix(tr("show "));
    minScore_ = new QDoubleSpinBox(central);
    minScore_->setRange(-1.0, 1.0);
    minScore_->setSingleStep(0.01);
    minScore_->setDecimals(2);
    minScore_->setValue(settings.value(QStringLiteral("search/minScore"), -1.0).toDouble());
    minScore_->setPrefix(tr("min score "));
    minScore_->setSpecialValueText(tr("any score"));
    searchRow->addWidget(search_, 1);
    searchRow->addWidget(not_);
    searchRow->addWidget(limit_);
    searchRow->addWidget(minScore_);
    layout->addLayout(searchRow);

    queryChip_ = new QWidget(central);
    auto* chipLayout = new QHBoxLayout(queryChip_);
    chipLayout->setContentsMargins(0, 0, 0, 0);
    queryChipImage_ = new QLabel(queryChip_);
    queryChipText_ = new QLabel(queryChip_);
    auto* clearImage = new QPushButton(tr("Clear"), queryChip_);
    chipLayout->addWidget(queryChipImage_);
    chipLayout->addWidget(queryChipText_, 1);
    chipLayout->addWidget(clearImage);
    queryChip_->setVisible(false);
    layout->addWidget(queryChip_);
    banner_ = new QLabel(central);
    banner_->setWordWrap(true);
    banner_->setStyleSheet(
        QStringLiteral("QLabel { background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px; }"));
    banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    banner_->setVisible(false);
    layout->addWidget(banner_);

    grid_ = new QListView(central);
    grid_->setModel(model_);
    grid_->setViewMode(QListView::IconMode);
    grid_->setResizeMode(QListView::Adjust);
    grid_->setMovement(QListView::Static);
    grid_->setUniformItemSizes(true);
    grid_->setLayoutMode(QListView::Batched);
    grid_->setBatchSize(200);
    grid_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    grid_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    grid_->setDragDropMode(QAbstractItemView::DragOnly);
    grid_->setContextMenuPolicy(Qt::CustomContextMenu);
    const int t = thumbnails_->size();
    grid_->setIconSize(QSize(t, t));
    grid_->setGridSize(QSize(t + 24, t + 40));
    grid_->setWordWrap(true);

    auto* splitter = new QSplitter(central);
    splitter->addWidget(buildSidePanel());
    splitter->addWidget(grid_);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({240, 900});
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    errorsDock_ = new QDockWidget(tr("Problems"), this);
    errors_ = new QListWidget(errorsDock_);
    errorsDock_->setWidget(errors_);
    addDockWidget(Qt::BottomDockWidgetArea, errorsDock_);
    errorsDock_->setVisible(false);
    buildStatusBar();

    auto* fileMenu = menuBar()->addMenu(tr("&Library"));
    fileMenu->addAction(tr("Add folder..."), this, [this] { addFolder(); });
    fileMenu->addAction(tr("Re-scan folders"), this, [this] { session_.startIndexing(); });
    fileMenu->addAction(tr("Get the model..."), this, &MainWindow::chooseModel);
    fileMenu->addAction(tr("Settings..."), this, [this] {
        SettingsDialog d(this);
        if (d.exec() == QDialog::Accepted)
            statusText_->setText(
                tr("Settings saved; a new model, device or precision applies at the next start."));
    });
    fileMenu->addSeparator();
    fileMenu->addAction(tr("Quit"), QKeySequence::Quit, this, &QWidget::close);

    // Wiring.
    debounce_.setSingleShot(true);
    // Only coalesces a burst of key events: a newer search supersedes an older one on the search thread,
    // and one query takes about 55 ms, so results follow typing within 100 ms.
    debounce_.setInterval(20);
    connect(&debounce_, &QTimer::timeout, this, &MainWindow::runQuery);
    connect(search_, &QLineEdit::textChanged, this, [this] { debounce_.start(); });
    connect(not_, &QLineEdit::textChanged, this, [this] { debounce_.start(); });
    connect(limit_, &QSpinBox::valueChanged, this, [this] { debounce_.start(); });
    connect(minScore_, &QDoubleSpinBox::valueChanged, this, [this] { debounce_.start(); });
    connect(clearImage, &QPushButton::clicked, this, [this] {
        queryImage_.clear();
        queryChip_->setVisible(false);
        runQuery();
    });
    connect(grid_, &QListView::activated, this, &MainWindow::openPreview);
    connect(grid_, &QListView::customContextMenuRequested, this, &MainWindow::showContextMenu);
    connect(&session_, &LibrarySession::searchFinished, this,
            [this](int id, const QVector<SearchHit>& hits, double ms) {
                if (id != latestRequest_) return;  // an older query finished after a newer one was asked
                model_->setResults(hits);
                statusText_->setText(
                    tr("%n photo(s) in %1 ms", nullptr, static_cast<int>(hits.size())).arg(ms, 0, 'f', 0));
                emit resultsShown(static_cast<int>(hits.size()));
            });
    connect(&session_, &LibrarySession::searchFailed, this, [this](int id, const QString& error) {
        if (id == latestRequest_) showError(error);
    });
    connect(&session_, &LibrarySession::failed, this, &MainWindow::showError);
    connect(&session_, &LibrarySession::libraryChanged, this, &MainWindow::refreshSidePanel);
    connect(&session_, &LibrarySession::indexingStarted, this, [this] {
        progress_->setVisible(true);
        progress_->setRange(0, 0);
        rate_->setVisible(true);
        rate_->setText(tr("Scanning..."));
        pauseButton_->setVisible(true);
        pauseButton_->setChecked(false);
        cancelButton_->setVisible(true);
    });
    connect(&session_, &LibrarySession::indexProgress, this,
            [this](qint64 done, qint64 total, double rate, double eta) {
                progress_->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
                progress_->setValue(static_cast<int>(done));
                progress_->setFormat(QStringLiteral("%1 / %2").arg(done).arg(total));
                rate_->setText(tr("%1 photos/s, %2 left").arg(rate, 0, 'f', 1).arg(duration(eta)));
            });
    connect(&session_, &LibrarySession::indexFileFailed, this,
            [this](const QString& path, const QString& error) {
                errors_->addItem(QStringLiteral("%1: %2").arg(path, error));
                errorsDock_->setVisible(true);
            });
    connect(&session_, &LibrarySession::indexingFinished, this,
            [this](const QString& summary, bool cancelled) {
                progress_->setVisible(false);
                rate_->setVisible(false);
                pauseButton_->setVisible(false);
                cancelButton_->setVisible(false);
                statusText_->setText(cancelled ? tr("Indexing stopped; %1").arg(summary) : summary);
                if (!search_->text().trimmed().isEmpty() || !queryImage_.isEmpty()) runQuery();
            });

    auto* find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    auto* escape = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(escape, &QShortcut::activated, this, [this] {
        search_->clear();
        not_->clear();
        queryImage_.clear();
        queryChip_->setVisible(false);
        model_->setResults({});
        search_->setFocus();
    });
    connect(search_, &QLineEdit::returnPressed, this, [this] {
        if (model_->rowCount() > 0) {
            grid_->setFocus();
            grid_->setCurrentIndex(model_->index(0));
        }
    });

    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) resize(1200, 800);
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
    const QString error = session_.open(o);
    if (!session_.isOpen()) return showError(error);
    if (!error.isEmpty()) showError(tr("Read-only: %1").arg(error));
    refreshSidePanel();
    statusText_->setText(tr("Loading the model..."));
    // Load the model once, on the search thread, before anything uses it.
    const int id = session_.search(QStringLiteral("warm up"), SearchOptions{});
    Q_UNUSED(id);
    connect(
        &session_, &LibrarySession::searchFinished, this,
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
        &session_, &LibrarySession::searchFailed, this,
        [this](int, const QString& e, bool modelMismatch) {
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
    o.limit = limit_->value();
    if (minScore_->value() > -1.0) o.minScore = static_cast<float>(minScore_->value());
    o.notText = not_->text().trimmed();
    o.folder = folderFilter_->currentData().toString();
    o.tag = activeTag_;
    if (afterOn_->isChecked()) o.after = after_->date().startOfDay().toSecsSinceEpoch();
    if (beforeOn_->isChecked()) o.before = before_->date().addDays(1).startOfDay().toSecsSinceEpoch();
    return o;
}

void MainWindow::runQuery() {
    if (!session_.isOpen() || !modelReady_) return;
    const QString text = search_->text().trimmed();
    SearchOptions o = currentOptions();
    if (!queryImage_.isEmpty() && text.isEmpty()) {
        latestRequest_ = session_.similar(queryImage_, o);
    } else if (!text.isEmpty() || !queryImage_.isEmpty()) {
        o.imagePath = queryImage_;
        latestRequest_ = session_.search(text, o);
    } else if (!activeTag_.isEmpty()) {
        latestRequest_ = session_.search(activeTag_, o);
    } else {
        model_->setResults({});
    }
}

namespace {

// file:// with the path's exact bytes percent-encoded (QUrl::fromLocalFile would re-encode a name that is not
// UTF-8 into one that does not exist).
QUrl fileUrl(const QString& path) {
    return QUrl::fromEncoded("file://" + native_path::encode(path).toPercentEncoding("/"));
}

}  // namespace

void MainWindow::searchSimilarTo(const QString& path) {
    queryImage_ = QDir::isAbsolutePath(path) ? path : QDir::current().absoluteFilePath(path);
    QFile file;
    native_path::openForReading(file, queryImage_);  // by the name's exact bytes
    QImageReader reader(&file);
    reader.setAutoTransform(true);
    const QSize full = reader.size();
    if (full.isValid()) reader.setScaledSize(full.scaled(64, 64, Qt::KeepAspectRatio));
    queryChipImage_->setPixmap(QPixmap::fromImage(reader.read()));
    queryChipText_->setText(
        tr("Photos like %1").arg(native_path::display(path.section(QLatin1Char('/'), -1))));
    queryChip_->setVisible(true);
    runQuery();
}

QString MainWindow::errorBanner() const { return banner_->isVisible() ? banner_->text() : QString(); }

void MainWindow::showError(const QString& message) {
    banner_->setText(message);
    banner_->setVisible(!message.isEmpty());
}

void MainWindow::openPreview(const QModelIndex& index) {
    QStringList paths;
    for (const SearchHit& h : model_->results()) paths << h.path;
    PreviewDialog dialog(paths, index.row(), this);
    dialog.exec();
    grid_->setCurrentIndex(model_->index(dialog.current()));
}

void MainWindow::openTagDialog(const QString& folder) {
    TagDialog dialog(&session_, folder, this);
    dialog.exec();
}

void MainWindow::showContextMenu(const QPoint& pos) {
    const QModelIndex index = grid_->indexAt(pos);
    if (!index.isValid()) return;
    const QString path = index.data(ResultsModel::PathRole).toString();
    QMenu menu;
    menu.addAction(tr("Open"), this, [path] { QDesktopServices::openUrl(fileUrl(path)); });
    menu.addAction(tr("Show in folder"), this,
                   [path] { QDesktopServices::openUrl(fileUrl(path.section(QLatin1Char('/'), 0, -2))); });
    menu.addAction(tr("Copy path"), this, [path] { QApplication::clipboard()->setText(path); });
    menu.addAction(tr("Find similar"), this, [this, path] { searchSimilarTo(path); });
    menu.addAction(tr("Tag this folder..."), this,
                   [this, path] { openTagDialog(QFileInfo(path).absolutePath()); });
    menu.exec(grid_->viewport()->mapToGlobal(pos));
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
    settings.setValue(QStringLiteral("search/limit"), limit_->value());
    settings.setValue(QStringLiteral("search/minScore"), minScore_->value());
    session_.shutdown();  // the worker stops after its current batch; everything committed stays
    event->accept();
}

}  // namespace photosearch
