#pragma once

#include <QJsonDocument>
#include <QString>

#include <opencv2/core.hpp>

namespace photosearch::test {

// Absolute path of a file under tests/data.
QString dataPath(const QString& relative);
// Parses a JSON file under tests/data (fails the test when it cannot).
QJsonDocument readJson(const QString& relative);
// Reads a PNG/JPEG under tests/data as 8-bit RGB without any orientation handling.
cv::Mat readRgb(const QString& relative);
// Largest absolute difference between two 8-bit images of equal size and type; -1 when they differ in shape.
int maxAbsDiff(const cv::Mat& a, const cv::Mat& b);
// Writes bytes to a file (for tests that need broken or synthetic inputs).
void writeFile(const QString& path, const QByteArray& bytes);

}  // namespace photosearch::test
