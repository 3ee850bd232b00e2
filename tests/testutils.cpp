#include "testutils.h"

#include <QFile>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <stdexcept>

namespace photosearch::test {

QString dataPath(const QString& relative) {
    return QStringLiteral(PHOTOSEARCH_TEST_DATA) + QLatin1Char('/') + relative;
}

QJsonDocument readJson(const QString& relative) {
    QFile f(dataPath(relative));
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot open test data " + relative.toStdString());
    QJsonParseError error{};
    QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        throw std::runtime_error("bad JSON in " + relative.toStdString());
    return doc;
}

cv::Mat readRgb(const QString& relative) {
    const cv::Mat bgr = cv::imread(dataPath(relative).toStdString(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (bgr.empty()) throw std::runtime_error("cannot read test image " + relative.toStdString());
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

int maxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != b.type()) return -1;
    cv::Mat diff;
    cv::absdiff(a, b, diff);
    double maxVal = 0;
    cv::minMaxLoc(diff.reshape(1), nullptr, &maxVal);
    return static_cast<int>(maxVal);
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
        throw std::runtime_error("cannot write " + path.toStdString());
}

}  // namespace photosearch::test
