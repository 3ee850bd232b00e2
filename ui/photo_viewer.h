#pragma once

#include "library_session.h"
#include "photo_facts.h"
#include "search_relevance.h"

#include <QDialog>
#include <QPointer>

#include <optional>

class QAction;
class QLabel;
class QListView;
class QPushButton;
class QToolBar;
class QSplitter;
class QScrollArea;

namespace photosearch {

class ImageView;
class ThumbnailCache;

// The photos a viewer steps through and why they were shown.
struct ViewerContent {
    QVector<SearchHit> hits;  // in the order of the grid
    bool ranked = false;      // search results (scores), not browsing
    RelevanceScale relevance;
    QString query;  // what was searched, in words ("“beach”", "like IMG_0026.jpg"), for ranked results
    QString scope;  // why the photos are shown when browsing ("All photos, newest first", "In Holidays")
};

// A photo viewer like Gwenview's: the photo fitted to the window, zoom (wheel, +/-, 1 for 100%, 0 to fit)
// and pan, full screen (F11), previous/next (arrows, Space/Backspace), first/last (Home/End), a filmstrip of
// the results below, and an info panel (I) with the date taken, camera, dimensions, file size, folder (and
// a way to open it), tags (confirmed, and suggested ones to accept with Y or reject with N) and why the photo
// is among the results. "Open with" hands the photo to the
// desktop's default application and says so when there is none. Photos load off the GUI thread.
class PhotoViewer : public QDialog {
    Q_OBJECT
  public:
    PhotoViewer(ViewerContent content, int current, LibrarySession* session, QWidget* parent = nullptr);
    ~PhotoViewer() override;

    int current() const { return current_; }
    void showPhoto(int index);
    ImageView* imageView() const { return view_; }
    QListView* filmstrip() const { return filmstrip_; }
    QWidget* infoPanel() const;
    // Everything the info panel says, one line per field ("Taken: ...").
    QString infoText() const;
    // The last thing that went wrong, shown in the viewer (empty when none).
    QString errorText() const;
    void toggleFullScreen();
    // Opens the photo with the desktop's default application for its type.
    void openWithDefaultApp();
    void playVideo();  // a video from the moment shown, a Live Photo's video: in the desktop's player

  signals:
    void currentChanged(int index);
    void photoShown(int index);  // the photo (or why it cannot be shown) is on screen
    void findSimilar(const QString& path);

  protected:
    void keyPressEvent(QKeyEvent* event) override;

  private:
    void buildInfo();
    void fillInfo();
    void showFacts(const std::optional<PhotoFacts>& facts);  // nullopt: being read
    void showTags();  // confirmed and suggested, as the library has them now
    // Y / N: the photo's first suggested tag accepted or rejected (#18); the label learns from it.
    void judgeSuggestion(bool accepted);
    void showError(const QString& message);
    QString currentPath() const;

    ViewerContent content_;
    int current_ = -1;
    int loading_ = 0;  // the latest load asked for; older ones arriving late are dropped
    LibrarySession* session_;
    ThumbnailCache* thumbnails_;
    ImageView* view_;
    QListView* filmstrip_;
    QToolBar* toolbar_;
    QSplitter* splitter_;
    QScrollArea* info_;
    QLabel* zoomLabel_;
    QAction* infoAction_;
    QAction* similarAction_;
    QAction* playAction_;
    QLabel* error_;
    QLabel *name_, *why_, *taken_, *camera_, *exposure_, *dimensions_, *file_, *folder_, *tags_, *suggested_;
    QLabel *cameraLabel_, *exposureLabel_;
    QPushButton *acceptButton_, *rejectButton_;  // the first suggested tag: yes (Y) or no (N)
};

}  // namespace photosearch
