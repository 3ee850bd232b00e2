#pragma once

#include <QImage>
#include <QPointF>
#include <QWidget>

namespace photosearch {

// One photo on a canvas, as photo viewers show it: fitted to the window (never enlarged past 100%) until
// the person zooms; the wheel zooms around the pointer, dragging pans a photo larger than the window,
// double-click toggles between fitted and 100% (one photo pixel per screen pixel, HiDPI included).
class ImageView : public QWidget {
    Q_OBJECT
  public:
    explicit ImageView(QWidget* parent = nullptr);

    // A new photo: shown fitted. A null image shows `message` instead (why it cannot be shown).
    void setImage(const QImage& image, const QString& message = {});
    const QImage& image() const { return image_; }
    QString message() const { return message_; }

    bool isFitted() const { return fitted_; }
    // Photo pixels per screen pixel: 1.0 is 100%.
    double zoom() const;
    void fit();
    void zoomTo(double zoom, QPointF anchor = {-1, -1});  // anchor in widget coordinates; centre by default
    void zoomBy(double factor, QPointF anchor = {-1, -1});
    // Where the photo's top-left corner is drawn, in widget coordinates.
    QPointF origin() const;
    void setDark(bool dark);

  signals:
    void zoomChanged(double zoom);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

  private:
    double fitScale() const;  // widget pixels per photo pixel when fitted
    QSizeF shownSize() const;
    void clampCentre();
    QImage image_;
    QString message_;
    bool fitted_ = true;
    bool dark_ = false;
    double scale_ = 1;  // widget (device-independent) pixels per photo pixel
    QPointF centre_;    // the photo point shown at the widget's centre
    QPoint dragFrom_;
    bool dragging_ = false;
};

}  // namespace photosearch
