#include "window_automation.h"

#include "main_window.h"

#include <QEvent>
#include <QLineEdit>
#include <QTimer>

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

WindowAutomation::WindowAutomation(MainWindow* window, QString typeQuery, QString screenshotPath)
    : QObject(window),
      window_(window),
      typeQuery_(std::move(typeQuery)),
      screenshotPath_(std::move(screenshotPath)) {
    window_->installEventFilter(this);
    connect(window_, &MainWindow::resultsShown, this, &WindowAutomation::onResults);
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
        if (!typeQuery_.isEmpty())
            std::fprintf(stderr, "timing: window shown %.0f ms after the process started\n",
                         msSinceProcessStart());
    }
    return QObject::eventFilter(watched, event);
}

void WindowAutomation::typeNextCharacter() {
    const QString typed = window_->searchField()->text();
    if (typed.size() >= typeQuery_.size()) return;
    lastEditNs_ = nowNs();
    window_->searchField()->setText(typeQuery_.left(typed.size() + 1));
}

void WindowAutomation::onResults(int count) {
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

}  // namespace photosearch
