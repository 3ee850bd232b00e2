#include "image_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace photosearch {

namespace {
constexpr double kMinZoom = 0.02, kMaxZoom = 16;  // in photo pixels per screen pixel
}

ImageView::ImageView(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(200, 150);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageView::setImage(const QImage& image, const QString& message) {
    image_ = image;
    message_ = image.isNull() ? message : QString();
    fit();
}

double ImageView::fitScale() const {
    if (image_.isNull()) return 1;
    const double oneToOne = 1 / devicePixelRatioF();  // 100%: a photo pixel on each screen pixel
    const double s = std::min(width() / double(image_.width()), height() / double(image_.height()));
    return std::min(s, oneToOne);  // a small photo is not enlarged
}

double ImageView::zoom() const { return (fitted_ ? fitScale() : scale_) * devicePixelRatioF(); }

QSizeF ImageView::shownSize() const { return QSizeF(image_.size()) * (fitted_ ? fitScale() : scale_); }

void ImageView::fit() {
    fitted_ = true;
    centre_ = QPointF(image_.width() / 2.0, image_.height() / 2.0);
    update();
    emit zoomChanged(zoom());
}

void ImageView::zoomTo(double zoom, QPointF anchor) {
    if (image_.isNull()) return;
    if (anchor.x() < 0) anchor = QPointF(width() / 2.0, height() / 2.0);
    const double old = fitted_ ? fitScale() : scale_;
    // The photo point under the anchor stays under it.
    const QPointF under = centre_ + (anchor - QPointF(width() / 2.0, height() / 2.0)) / old;
    scale_ = std::clamp(zoom, kMinZoom, kMaxZoom) / devicePixelRatioF();
    fitted_ = false;
    centre_ = under - (anchor - QPointF(width() / 2.0, height() / 2.0)) / scale_;
    clampCentre();
    update();
    emit zoomChanged(this->zoom());
}

void ImageView::zoomBy(double factor, QPointF anchor) { zoomTo(zoom() * factor, anchor); }

void ImageView::clampCentre() {
    // A photo smaller than the window stays centred; a larger one cannot be dragged off its edges.
    const QSizeF shown = shownSize();
    const double s = fitted_ ? fitScale() : scale_;
    auto clampAxis = [](double c, double shownLen, double viewLen, double imageLen, double scale) {
        if (shownLen <= viewLen) return imageLen / 2;
        const double half = viewLen / 2 / scale;
        return std::clamp(c, half, imageLen - half);
    };
    centre_.setX(clampAxis(centre_.x(), shown.width(), width(), image_.width(), s));
    centre_.setY(clampAxis(centre_.y(), shown.height(), height(), image_.height(), s));
}

QPointF ImageView::origin() const {
    const double s = fitted_ ? fitScale() : scale_;
    return QPointF(width() / 2.0, height() / 2.0) - centre_ * s;
}

void ImageView::setDark(bool dark) {
    dark_ = dark;
    update();
}

void ImageView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), dark_ ? QColor(Qt::black) : palette().color(QPalette::Window));
    if (image_.isNull()) {
        p.setPen(dark_ ? QColor(Qt::white) : palette().color(QPalette::WindowText));
        p.drawText(rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap, message_);
        return;
    }
    const double s = fitted_ ? fitScale() : scale_;
    p.setRenderHint(QPainter::SmoothPixmapTransform,
                    s < 1 / devicePixelRatioF() * 2);  // pixels crisp when magnified
    p.drawImage(QRectF(origin(), QSizeF(image_.size()) * s), image_);
}

void ImageView::resizeEvent(QResizeEvent*) {
    clampCentre();
    if (fitted_) emit zoomChanged(zoom());
}

void ImageView::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0) zoomBy(std::pow(1.25, steps), event->position());
    event->accept();
}

void ImageView::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
    dragging_ = true;
    dragFrom_ = event->position().toPoint();
    setCursor(Qt::ClosedHandCursor);
}

void ImageView::mouseMoveEvent(QMouseEvent* event) {
    if (!dragging_) return;
    const QPoint now = event->position().toPoint();
    const double s = fitted_ ? fitScale() : scale_;
    centre_ -= QPointF(now - dragFrom_) / s;
    dragFrom_ = now;
    clampCentre();
    update();
}

void ImageView::mouseReleaseEvent(QMouseEvent*) {
    dragging_ = false;
    unsetCursor();
}

void ImageView::mouseDoubleClickEvent(QMouseEvent* event) {
    if (fitted_ && std::abs(zoom() - 1) > 1e-9)
        zoomTo(1, event->position());
    else
        fit();
}

}  // namespace photosearch
