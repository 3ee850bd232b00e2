#include "window_automation.h"

#include "library_session.h"
#include "main_window.h"
#include "results_model.h"
#include "thumbnail_cache.h"

#include <QCoreApplication>
#include <QEvent>
#include <QLineEdit>
#include <QListView>
#include <QScrollBar>
#include <QTimer>

#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

namespace photosearch {

namespace {

qint64 nowNs() {
    timespec t{};
    clock_gettime(CLOCK_BOOTTIME, &t);
    return qint64(t.tv_sec) * 1000000000 + t.tv_nsec;
}

}  // namespace

double WindowAutomation::msSinceProcessStart() {
    std::ifstream stat("/proc/self/stat");
    std::string field;
    for (int i = 0; i < 22 && stat >> field; ++i) {
    }
    const double startNs =
        std::stod(field.empty() ? std::string("0") : field) / static_cast<double>(sysconf(_SC_CLK_TCK)) * 1e9;
    return (static_cast<double>(nowNs()) - startNs) / 1e6;
}

WindowAutomation::WindowAutomation(MainWindow* window, QString typeQuery, QString screenshotPath,
                                   bool measureBrowse, bool measureIndexing)
    : QObject(window),
      window_(window),
      typeQuery_(std::move(typeQuery)),
      screenshotPath_(std::move(screenshotPath)),
      measureBrowse_(measureBrowse),
      measureIndexing_(measureIndexing) {
    window_->installEventFilter(this);
    connect(window_, &MainWindow::resultsShown, this, &WindowAutomation::onResults);
    if (measureBrowse_)
        connect(window_->thumbnailCache(), &ThumbnailCache::ready, this, &WindowAutomation::onThumbnail);
    if (measureIndexing_) watchIndexing();
    if (typeQuery_.isEmpty()) return;
    connect(window_, &MainWindow::modelReady, this, [this] {
        ready_ = true;
        std::fprintf(stderr, "timing: model loaded and searchable %.0f ms after the process started\n",
                     msSinceProcessStart());
        window_->searchField()->clear();
        QTimer::singleShot(150, this, &WindowAutomation::typeNextCharacter);
    });
}

bool WindowAutomation::eventFilter(QObject* watched, QEvent* event) {
    if (watched == window_ && event->type() == QEvent::Show && !shown_) {
        shown_ = true;
        if (!typeQuery_.isEmpty() || measureBrowse_ || measureIndexing_)
            std::fprintf(stderr, "timing: window shown %.0f ms after the process started\n",
                         msSinceProcessStart());
    }
    return QObject::eventFilter(watched, event);
}

// Indexing as the window runs it after the model loads (background priority, thumbnails of what is in view
// made alongside): its start, its first photos (indexed, then in the grid), every 1,000 photos, its end;
// then the window closes.
void WindowAutomation::watchIndexing() {
    LibrarySession* session = window_->session();
    connect(session, &LibrarySession::indexingStarted, this, [] {
        std::fprintf(stderr, "timing: indexing started %.0f ms after the process started\n",
                     msSinceProcessStart());
    });
    connect(session, &LibrarySession::indexProgress, this,
            [this](qint64 done, qint64 total, double photosPerSecond, double) {
                if (done == 0 || done < nextReport_) return;
                std::fprintf(
                    stderr,
                    "timing: %lld of %lld photos indexed %.0f ms after the process started (%.2f photos/s)\n",
                    static_cast<long long>(done), static_cast<long long>(total), msSinceProcessStart(),
                    photosPerSecond);
                nextReport_ = (done / 1000 + 1) * 1000;
            });
    // What a person sees of it: the grid's first photos while the run goes on.
    connect(window_, &MainWindow::resultsShown, this, [this, session](int count) {
        if (count == 0 || firstIndexedShown_ || !session->isIndexing()) return;
        firstIndexedShown_ = true;
        std::fprintf(stderr,
                     "timing: %d photos in the grid while indexing %.0f ms after the process started\n",
                     count, msSinceProcessStart());
    });
    connect(session, &LibrarySession::indexingFinished, this, [this](const QString& summary, bool cancelled) {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        std::fprintf(stderr,
                     "timing: indexing %s %.0f ms after the process started: %s; peak memory %ld MB\n",
                     cancelled ? "cancelled" : "finished", msSinceProcessStart(), qPrintable(summary),
                     usage.ru_maxrss / 1024);
        QTimer::singleShot(0, window_, &QWidget::close);
    });
}

void WindowAutomation::typeNextCharacter() {
    const QString typed = window_->searchField()->text();
    if (typed.size() >= typeQuery_.size()) return;
    lastEditNs_ = nowNs();
    window_->searchField()->setText(typeQuery_.left(typed.size() + 1));
}

void WindowAutomation::onResults(int count) {
    if (measureBrowse_ && count > 0 && !firstResults_) {
        firstResults_ = true;
        std::fprintf(stderr, "timing: grid showed %d photos %.0f ms after the process started\n", count,
                     msSinceProcessStart());
        QTimer::singleShot(0, this, &WindowAutomation::onThumbnail);  // all may be in the cache already
    }
    if (ready_ && lastEditNs_ > 0) {
        const double ms = static_cast<double>(nowNs() - lastEditNs_) / 1e6;
        latencies_.push_back(ms);
        const QString text = window_->searchField()->text();
        std::fprintf(stderr, "timing: \"%s\": results shown %.0f ms after the keystroke\n", qPrintable(text),
                     ms);
        lastEditNs_ = 0;
        if (text == typeQuery_) {
            std::sort(latencies_.begin(), latencies_.end());
            std::fprintf(stderr,
                         "timing: keystroke to results over %zu keystrokes: median %.0f ms, worst %.0f ms\n",
                         latencies_.size(), latencies_[latencies_.size() / 2], latencies_.back());
            QTimer::singleShot(0, window_, &QWidget::close);
        } else {
            QTimer::singleShot(0, this, &WindowAutomation::typeNextCharacter);
        }
    }
    // Results, or the page saying why there are none (a first run's empty library).
    if (!screenshotPath_.isEmpty() && (count > 0 || !window_->emptyText().isEmpty()) && !screenshotTaken_) {
        screenshotTaken_ = true;
        QTimer::singleShot(2500, this, [this] {  // let the thumbnails arrive
            window_->grab().save(screenshotPath_);
            window_->close();
        });
    }
}

// The first screen is complete when every tile in view has its thumbnail.
void WindowAutomation::onThumbnail() {
    if (!firstResults_ || firstScreen_) return;
    QListView* grid = window_->grid();
    const QRect view = grid->viewport()->rect();
    for (int row = 0; row < grid->model()->rowCount(); ++row) {
        const QModelIndex index = grid->model()->index(row, 0);
        const QRect tile = grid->visualRect(index);
        if (tile.top() > view.bottom()) break;
        const QString path = index.data(ResultsModel::PathRole).toString();
        if (!tile.intersects(view) || path.isEmpty()) continue;  // a month's header has no thumbnail
        if (window_->thumbnailCache()->get(path).isNull()) return;
    }
    firstScreen_ = true;
    std::fprintf(stderr, "timing: first screen of thumbnails complete %.0f ms after the process started\n",
                 msSinceProcessStart());
    QTimer::singleShot(500, this, &WindowAutomation::scrollFrames);
}

// A screen at a time to the end, as a person paging through: each frame is the scroll, the layout of what
// came into view (and the next page of results, when the model loads more) and its paint.
void WindowAutomation::scrollFrames() {
    QListView* grid = window_->grid();
    QScrollBar* bar = grid->verticalScrollBar();
    std::vector<double> frames;
    const qint64 start = nowNs();
    while (bar->value() < bar->maximum() || grid->model()->canFetchMore({})) {
        const qint64 t0 = nowNs();
        bar->setValue(bar->value() + grid->viewport()->height());
        QCoreApplication::processEvents();  // fetchMore, layout, arriving thumbnails
        grid->viewport()->repaint();
        frames.push_back(static_cast<double>(nowNs() - t0) / 1e6);
        if (bar->value() == bar->maximum() && grid->model()->canFetchMore({})) {
            QCoreApplication::processEvents();
            if (bar->value() == bar->maximum() && grid->model()->canFetchMore({})) {
                std::fprintf(stderr,
                             "timing: the grid stopped loading at %d rows (at the bottom, more to load)\n",
                             grid->model()->rowCount());
                break;
            }
        }
        if (frames.size() > 200000) break;
    }
    std::sort(frames.begin(), frames.end());
    auto at = [&frames](double q) { return frames[std::min(frames.size() - 1, size_t(q * frames.size()))]; };
    std::fprintf(
        stderr,
        "timing: scrolled %d rows in %zu frames (%.1f s): frame median %.1f ms, p95 %.1f ms, p99 %.1f "
        "ms, worst %.1f ms\n",
        grid->model()->rowCount(), frames.size(), static_cast<double>(nowNs() - start) / 1e9, at(0.5),
        at(0.95), at(0.99), frames.empty() ? 0.0 : frames.back());
    QTimer::singleShot(0, window_, &QWidget::close);
}

}  // namespace photosearch
