#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <opencv2/core.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace photosearch::test {

// A LibTorch element type's name, for QCOMPARE (which cannot print c10 enums: a failing comparison of them
// crashed the test in QTest's reporting). c10::toString is found by argument-dependent lookup.
template <typename ScalarType>
QString typeName(ScalarType type) {
    return QString::fromLatin1(toString(type));
}
// Sets an environment variable for one scope (an empty value unsets it) and puts back what the person had.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const QByteArray& value);
    ~ScopedEnv();
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* name_;
    bool had_;
    QByteArray old_;
};
// What a program run by runProgram() did.
struct ProcessRun {
    int exitCode = -1;  // -1 when it did not finish in time or did not exit normally
    bool crashed = false;
    QString out, err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};
struct ProcessOptions {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    int timeoutMs = 300000;
    // When the tests run as root: without root's power over permissions (CAP_DAC_OVERRIDE,
    // CAP_DAC_READ_SEARCH and CAP_FOWNER dropped by setpriv), so a read-only file is read-only to it.
    bool withoutRootPowers = false;
    std::function<void()> childModifier;  // runs in the child before exec (limits, signals)
};
// Runs `program` to its end (or the timeout) and collects what it printed.
ProcessRun runProgram(const QString& program, const QStringList& args, const ProcessOptions& options = {});
// Absolute path of a file under tests/data.
QString dataPath(const QString& relative);
// Parses a JSON file under tests/data (fails the test when it cannot).
QJsonDocument readJson(const QString& relative);
// Reads a PNG/JPEG under tests/data as 8-bit RGB without any orientation handling.
cv::Mat readRgb(const QString& relative);
// Largest absolute difference between two 8-bit images of equal size and type; -1 when they differ in shape.
int maxAbsDiff(const cv::Mat& a, const cv::Mat& b);
// A tensor to write into a synthetic checkpoint.
struct RawTensor {
    std::string dtype;  // "F32", "BF16", ...
    std::vector<int64_t> shape;
    QByteArray bytes;
};
// The bytes of a .safetensors file holding `tensors` in order.
QByteArray makeSafetensors(const std::vector<std::pair<std::string, RawTensor>>& tensors);
// The bytes of a zip archive with uncompressed records (as torch.save writes them).
QByteArray makeStoredZip(const std::vector<std::pair<QString, QByteArray>>& records);
// Copies the files of a folder (not recursive) into another, which is created.
void copyFolder(const QString& from, const QString& to);
QByteArray readFile(const QString& path);

// Writes 12 real, distinct photos into `dir` (the fixture images as JPEG and mirrored PNG); a different
// `variant` tints them so their bytes and content differ. Returns their paths.
QStringList makePhotos(const QString& dir, int variant = 0);

// Writes bytes to a file (for tests that need broken or synthetic inputs).
// A JPEG (quality 95) of an RGB image with an EXIF APP1 segment declaring `orientation`.
QByteArray jpegWithOrientation(const cv::Mat& rgb, int orientation);
void writeFile(const QString& path, const QByteArray& bytes);
// A JPEG (quality 95) of an RGB image with an EXIF block holding these fields (those empty left out).
struct ExifFields {
    int orientation = 1;
    QByteArray make, model;
    QByteArray thumbnail;  // the embedded thumbnail (a JPEG's bytes)
};
QByteArray jpegWithExif(const cv::Mat& rgb, const ExifFields& fields);
// A JPEG (quality 95) without metadata.
QByteArray plainJpeg(const cv::Mat& rgb);

}  // namespace photosearch::test
