// Camera RAW through LibRaw. No tool here writes a RAW file, so the test writes DNGs itself (a DNG is a TIFF:
// an IFD0 with the camera's JPEG preview, a SubIFD with the sensor's 16-bit RGGB mosaic). The reference's
// decoding is rawpy's: extract_thumb() for the preview, postprocess(half_size=True) for a development;
// LibRaw's own dcraw_emu -h is the same development, and our result is compared with it exactly.
#include "align_error.h"
#include "image_decoder.h"
#include "jpeg_decoder.h"
#include "photo_library.h"
#include "testutils.h"

#include <QDir>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace photosearch;

namespace {

QString model() { return test::dataPath("align-tiny/model"); }

// A little-endian TIFF written front to back: pixel data first, then each IFD with its values after it.
class TiffWriter {
  public:
    struct Entry {
        uint16_t tag, type;
        uint32_t count;
        QByteArray value;  // little-endian, count * size of type
    };
    TiffWriter() { out_ = QByteArray("II*\0\0\0\0\0", 8); }
    uint32_t append(const QByteArray& data) {
        if (out_.size() % 2) out_.append('\0');
        const auto at = uint32_t(out_.size());
        out_.append(data);
        return at;
    }
    // Writes an IFD (entries sorted by tag) and returns its offset.
    uint32_t ifd(std::vector<Entry> entries) {
        std::sort(entries.begin(), entries.end(),
                  [](const Entry& a, const Entry& b) { return a.tag < b.tag; });
        if (out_.size() % 2) out_.append('\0');
        const auto at = uint32_t(out_.size());
        uint32_t data = at + 2 + 12 * uint32_t(entries.size()) + 4;
        QByteArray table = le(uint32_t(entries.size()), 2), values;
        for (const Entry& e : entries) {
            table += le(e.tag, 2) + le(e.type, 2) + le(e.count, 4);
            if (e.value.size() <= 4) {
                table += e.value.leftJustified(4, '\0');
            } else {
                table += le(data + uint32_t(values.size()), 4);
                values += e.value;
                if (values.size() % 2) values.append('\0');
            }
        }
        table += le(0, 4);
        out_ += table + values;
        return at;
    }
    QByteArray finish(uint32_t firstIfd) {
        out_.replace(4, 4, le(firstIfd, 4));
        return out_;
    }
    static QByteArray le(uint32_t v, int n) {
        QByteArray b;
        for (int i = 0; i < n; ++i) b.append(char((v >> (8 * i)) & 0xFF));
        return b;
    }
    static Entry shorts(uint16_t tag, std::initializer_list<uint32_t> v) {
        QByteArray b;
        for (uint32_t x : v) b += le(x, 2);
        return {tag, 3, uint32_t(v.size()), b};
    }
    static Entry longs(uint16_t tag, std::initializer_list<uint32_t> v) {
        QByteArray b;
        for (uint32_t x : v) b += le(x, 4);
        return {tag, 4, uint32_t(v.size()), b};
    }
    static Entry bytes(uint16_t tag, std::initializer_list<uint32_t> v) {
        QByteArray b;
        for (uint32_t x : v) b.append(char(x));
        return {tag, 1, uint32_t(v.size()), b};
    }
    static Entry ascii(uint16_t tag, const QByteArray& text) {
        return {tag, 2, uint32_t(text.size() + 1), text + '\0'};
    }

  private:
    QByteArray out_;
};

struct DngSpec {
    cv::Mat scene;       // 8-bit RGB; the sensor sees it through an RGGB mosaic
    QByteArray preview;  // the camera's JPEG preview, or none
    cv::Size previewSize;
    int orientation = 1;
};

QByteArray makeDng(const DngSpec& spec) {
    using T = TiffWriter;
    T t;
    const int w = spec.scene.cols & ~1, h = spec.scene.rows & ~1;
    QByteArray mosaic;
    mosaic.reserve(w * h * 2);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int channel = (y % 2 == 0) ? (x % 2 == 0 ? 0 : 1) : (x % 2 == 0 ? 1 : 2);  // R G / G B
            mosaic += T::le(uint32_t(spec.scene.at<cv::Vec3b>(y, x)[channel]) * 257, 2);
        }
    const uint32_t rawStrip = t.append(mosaic);
    std::vector<T::Entry> raw{T::longs(254, {0}),           T::longs(256, {uint32_t(w)}),
                              T::longs(257, {uint32_t(h)}), T::shorts(258, {16}),
                              T::shorts(259, {1}),          T::shorts(262, {32803}),
                              T::longs(273, {rawStrip}),    T::shorts(277, {1}),
                              T::longs(278, {uint32_t(h)}), T::longs(279, {uint32_t(mosaic.size())}),
                              T::shorts(33421, {2, 2}),     T::bytes(33422, {0, 1, 1, 2}),
                              T::longs(50717, {65535})};
    // Identity colour matrix (XYZ to camera) with D65: the camera sees sRGB's primaries, near enough.
    QByteArray matrix;
    for (int i = 0; i < 9; ++i) matrix += T::le(i % 4 == 0 ? 1 : 0, 4) + T::le(1, 4);
    std::vector<T::Entry> dng{T::bytes(50706, {1, 4, 0, 0}),
                              T::bytes(50707, {1, 1, 0, 0}),
                              T::ascii(50708, "PhotoSearch Test Camera"),
                              {50721, 10, 9, matrix},
                              T::shorts(50778, {21}),
                              T::ascii(271, "PhotoSearch"),
                              T::ascii(272, "Test Camera"),
                              T::shorts(274, {uint32_t(spec.orientation)}),
                              T::ascii(306, "2022:05:06 07:08:09")};
    uint32_t first = 0;
    if (spec.preview.isEmpty()) {
        raw.insert(raw.end(), dng.begin(), dng.end());
        first = t.ifd(raw);
    } else {
        const uint32_t rawIfd = t.ifd(raw);
        const uint32_t previewStrip = t.append(spec.preview);
        std::vector<T::Entry> ifd0{T::longs(254, {1}),
                                   T::longs(256, {uint32_t(spec.previewSize.width)}),
                                   T::longs(257, {uint32_t(spec.previewSize.height)}),
                                   T::shorts(258, {8, 8, 8}),
                                   T::shorts(259, {7}),
                                   T::shorts(262, {6}),
                                   T::longs(273, {previewStrip}),
                                   T::shorts(277, {3}),
                                   T::longs(278, {uint32_t(spec.previewSize.height)}),
                                   T::longs(279, {uint32_t(spec.preview.size())}),
                                   T::longs(330, {rawIfd})};
        ifd0.insert(ifd0.end(), dng.begin(), dng.end());
        first = t.ifd(ifd0);
    }
    return t.finish(first);
}

cv::Mat resized(const cv::Mat& rgb, cv::Size size) {
    cv::Mat out;
    cv::resize(rgb, out, size, 0, 0, cv::INTER_AREA);
    return out;
}

}  // namespace

class TestRawPhotos : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> tmp_;
    QString path(const QString& name) const { return tmp_->filePath(name); }
    cv::Mat scene_;  // chelsea.png at 900 x 600: a 0.54 MP sensor

  private slots:
    void initTestCase() {
        scene_ = resized(test::readRgb(QStringLiteral("align-tiny/expected/images/chelsea.png")), {900, 600});
    }
    void init() { tmp_ = std::make_unique<QTemporaryDir>(); }

    // A preview at least twice the model's resize size (692 pixels) is what the camera showed: used as it is,
    // decoded like any JPEG (the bytes rawpy's extract_thumb() gives).
    void aLargePreviewIsUsed() {
        const cv::Mat preview = resized(scene_, {800, 700});
        DngSpec spec{scene_, test::plainJpeg(preview), preview.size()};
        const DecodedImage decoded = ImageDecoder::decodeBytes(makeDng(spec), QStringLiteral("IMG_0001.DNG"));
        QCOMPARE(decoded.decodedFrom, QStringLiteral("preview"));
        const cv::Mat expected = JpegDecoder::decodeRgb(spec.preview, QStringLiteral("preview"));
        QCOMPARE(test::maxAbsDiff(decoded.rgb, expected), 0);
        QCOMPARE(decoded.width, 900);  // the sensor's size, not the preview's
        QCOMPARE(decoded.height, 600);
        QCOMPARE(decoded.dateTimeOriginal, QStringLiteral("2022:05:06 07:08:09"));
    }

    // A small preview (160 x 107, a camera's thumbnail) is not enough: the RAW is developed at half size,
    // exactly as LibRaw's own dcraw_emu -h develops it.
    void aSmallPreviewMeansDevelopment() {
        const cv::Mat preview = resized(scene_, {160, 107});
        DngSpec spec{scene_, test::plainJpeg(preview), preview.size()};
        const QString file = path(QStringLiteral("IMG_0002.dng"));
        test::writeFile(file, makeDng(spec));
        const DecodedImage decoded = ImageDecoder::decodeFile(file);
        QCOMPARE(decoded.decodedFrom, QStringLiteral("developed"));
        QCOMPARE(decoded.rgb.size(), cv::Size(450, 300));

        const QString tool = QStandardPaths::findExecutable(QStringLiteral("dcraw_emu"));
        QVERIFY2(!tool.isEmpty(),
                 "dcraw_emu is not installed: run scripts/deps.sh (Debian package libraw-bin)");
        QProcess p;
        p.start(tool, {QStringLiteral("-h"), file});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        cv::Mat reference = cv::imread((file + QStringLiteral(".ppm")).toStdString(), cv::IMREAD_COLOR);
        QVERIFY(!reference.empty());
        cv::cvtColor(reference, reference, cv::COLOR_BGR2RGB);
        QCOMPARE(test::maxAbsDiff(decoded.rgb, reference), 0);
        // And it is the scene: the developed mosaic correlates with the picture the sensor saw.
        cv::Mat grey, sceneGrey, result;
        cv::cvtColor(decoded.rgb, grey, cv::COLOR_RGB2GRAY);
        cv::cvtColor(resized(scene_, {450, 300}), sceneGrey, cv::COLOR_RGB2GRAY);
        cv::matchTemplate(grey, sceneGrey, result, cv::TM_CCOEFF_NORMED);
        QVERIFY2(result.at<float>(0, 0) > 0.9f, qPrintable(QString::number(result.at<float>(0, 0))));
    }

    // A camera held upright records orientation 6: the preview and the development are both shown upright.
    void orientationIsApplied() {
        const cv::Mat preview = resized(scene_, {800, 700});
        DngSpec spec{scene_, test::plainJpeg(preview), preview.size(), 6};
        DecodedImage decoded = ImageDecoder::decodeBytes(makeDng(spec), QStringLiteral("a.dng"));
        QCOMPARE(decoded.rgb.size(), cv::Size(700, 800));
        QCOMPARE(decoded.width, 600);
        QCOMPARE(decoded.height, 900);
        spec.preview.clear();
        decoded = ImageDecoder::decodeBytes(makeDng(spec), QStringLiteral("b.dng"));
        QCOMPARE(decoded.decodedFrom, QStringLiteral("developed"));
        QCOMPARE(decoded.rgb.size(), cv::Size(300, 450));
    }

    // RAW+JPEG shooting: IMG_0003.CR2 beside IMG_0003.JPG is one photo (the JPEG); a RAW alone is a photo;
    // broken RAW files fail one by one with a reason.
    void rawAndJpegPairsAreOnePhoto() {
        const QString dir = path(QStringLiteral("camera"));
        QDir().mkpath(dir);
        const cv::Mat preview = resized(scene_, {800, 700});
        const QByteArray dng = makeDng({scene_, test::plainJpeg(preview), preview.size()});
        test::writeFile(dir + QStringLiteral("/IMG_0003.DNG"), dng);
        test::writeFile(dir + QStringLiteral("/IMG_0003.JPG"), test::plainJpeg(preview));
        test::writeFile(dir + QStringLiteral("/IMG_0004.dng"), dng);
        test::writeFile(dir + QStringLiteral("/cut.dng"), dng.left(dng.size() / 3));
        test::writeFile(dir + QStringLiteral("/notes.nef"), "not a raw file\n");
        auto lib = PhotoLibrary::open(
            {path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 2, true, {}});
        lib->addFolder(dir);
        const IndexReport r = lib->index();
        QCOMPARE(r.indexed + r.copies, int64_t(2));
        QVERIFY(lib->catalog().photoByPath(dir + QStringLiteral("/IMG_0003.JPG")));
        QVERIFY(!lib->catalog().photoByPath(dir + QStringLiteral("/IMG_0003.DNG")));
        const auto alone = lib->catalog().photoByPath(dir + QStringLiteral("/IMG_0004.dng"));
        QVERIFY(alone);
        QCOMPARE(alone->decodedFrom, QStringLiteral("preview"));  // the catalog says what was embedded
        QCOMPARE(alone->width, 900);
        QCOMPARE(r.failed.size(), size_t(2));
        for (const auto& [file, error] : r.failed) QVERIFY2(!error.isEmpty(), qPrintable(file));
    }
};

QTEST_GUILESS_MAIN(TestRawPhotos)
#include "tst_raw_photos.moc"
