#pragma once

#include <QObject>
#include <QString>

#include <vector>

namespace photosearch {

class MainWindow;

// The window's measurement and documentation modes, kept out of the window itself: they watch it through
// its signals and drive its search field as a person would.
//  - typeQuery (docs/performance.md): once the model is ready, type the text a character every 150 ms, print
//    when the window showed, when the model was ready and how long after each keystroke its results showed,
//    then close the window;
//  - measureBrowse (docs/performance.md): print when the browse grid first showed photos and when the first
//    screen of thumbnails was complete, then scroll the whole grid a screen at a time (loading more as a
//    person scrolling would) and print each frame's time (scroll, layout, paint), then close the window;
//  - screenshotPath (the README's screenshot, tests/gui_screenshot.sh): once results show, let the thumbnails
//    arrive, save a picture of the window and close it.
class WindowAutomation : public QObject {
    Q_OBJECT
  public:
    WindowAutomation(MainWindow* window, QString typeQuery, QString screenshotPath,
                     bool measureBrowse = false, bool measureIndexing = false);
    bool eventFilter(QObject* watched, QEvent* event) override;

    // Milliseconds since this process started (the kernel's start time, before any library was loaded).
    static double msSinceProcessStart();

  private:
    void typeNextCharacter();
    void onResults(int count);
    void onThumbnail();
    void scrollFrames();
    void watchIndexing();

    MainWindow* window_;
    QString typeQuery_, screenshotPath_;
    bool ready_ = false, shown_ = false, screenshotTaken_ = false;
    bool measureBrowse_ = false, measureIndexing_ = false, firstResults_ = false, firstScreen_ = false;
    bool firstIndexedShown_ = false;  // the grid showed photos of the run measured
    qint64 lastEditNs_ = 0;
    qint64 nextReport_ = 0;  // photos done at the next progress line (0: the first photos)
    std::vector<double> latencies_;
};

}  // namespace photosearch
