#include "align_error.h"
#include "image_decoder.h"
#include "image_processor.h"
#include "safetensors_file.h"
#include "testutils.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

using namespace photosearch;

namespace {

// A JPEG with an EXIF APP1 segment declaring `orientation`, inserted right after SOI.

}  // namespace

class TestImageProcessor : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

  private slots:
    void readsPreprocessorConfig() {
        const ImageProcessorConfig c =
            ImageProcessorConfig::fromFile(test::dataPath("align-tiny/model/preprocessor_config.json"));
        QCOMPARE(c.resizeHeight, 346);
        QCOMPARE(c.resizeWidth, 346);
        QCOMPARE(c.resample, ResampleFilter::Bilinear);
        QVERIFY(c.doCenterCrop);
        QCOMPARE(c.cropHeight, 289);
        QVERIFY(c.rescaleOffset);
        QVERIFY(!c.doNormalize);
        QVERIFY(!c.includeTop);
        QCOMPARE(c.outputHeight(), 289);
    }

    void emptyConfigTakesTheClassDefaults() {
        const QString path = tmp_.filePath(QStringLiteral("preprocessor_config.json"));
        test::writeFile(path, "{}");
        const ImageProcessorConfig c = ImageProcessorConfig::fromFile(path);
        QCOMPARE(c.resample, ResampleFilter::Nearest);
        QVERIFY(!c.doCenterCrop);
        QVERIFY(c.includeTop);
        QCOMPARE(c.imageMean, (std::vector<double>{0.5, 0.5, 0.5}));
        QCOMPARE(c.outputHeight(), 346);
    }

    void badConfigNamesTheKey() {
        const QString path = tmp_.filePath(QStringLiteral("preprocessor_config.json"));
        test::writeFile(path, R"({"resample": 9})");
        try {
            ImageProcessorConfig::fromFile(path);
            QFAIL("expected an AlignError");
        } catch (const AlignError& e) {
            QVERIFY2(
                QString::fromUtf8(e.what()).contains(QStringLiteral("preprocessor_config.json: resample")),
                e.what());
        }
    }

    // Grey, RGBA, palette, tiny and very wide inputs included: converted like Image.convert("RGB").
    void resizedCropMatchesReference_data() {
        QTest::addColumn<QString>("image");
        for (const QJsonValue& v :
             test::readJson("align-tiny/expected/cases.json").object()["images"].toArray())
            QTest::newRow(qPrintable(v.toString())) << v.toString();
    }
    void resizedCropMatchesReference() {
        QFETCH(QString, image);
        const ImageProcessor processor = ImageProcessor::fromFolder(test::dataPath("align-tiny/model"));
        // The reference does not apply EXIF orientation.
        const DecodedImage decoded =
            ImageDecoder::decodeFile(test::dataPath("align-tiny/expected/images/" + image), false);
        const cv::Mat ours = processor.resizeAndCrop(decoded.rgb);
        const cv::Mat reference =
            test::readRgb("align-tiny/expected/resized/" + QFileInfo(image).completeBaseName() + ".png");
        const int diff = test::maxAbsDiff(ours, reference);
        QVERIFY2(diff >= 0 && diff <= 1, qPrintable(QStringLiteral("max difference %1 levels").arg(diff)));
    }

    void pixelValuesMatchReference_data() {
        QTest::addColumn<QString>("image");
        for (const QJsonValue& v :
             test::readJson("align-tiny/expected/cases.json").object()["pixel_values_stored_for"].toArray())
            QTest::newRow(qPrintable(v.toString())) << v.toString();
    }
    void pixelValuesMatchReference() {
        QFETCH(QString, image);
        const ImageProcessor processor = ImageProcessor::fromFolder(test::dataPath("align-tiny/model"));
        const PixelValues ours =
            processor.preprocessFile(test::dataPath("align-tiny/expected/images/" + image));
        const auto expected =
            SafetensorsFile::open(test::dataPath("align-tiny/expected/expected.safetensors"));
        const TensorView& ref = expected->tensor("pixel_values." + image.toStdString());
        QCOMPARE(ref.shape, (std::vector<int64_t>{3, ours.height, ours.width}));
        const std::vector<float> values = expected->floats("pixel_values." + image.toStdString());
        double worst = 0;
        for (size_t i = 0; i < values.size(); ++i)
            worst = std::max(worst, std::fabs(ours.data[i] - values[i]) / (1.0 + std::fabs(values[i])));
        QVERIFY2(worst <= 1e-4, qPrintable(QStringLiteral("relative difference %1").arg(worst)));
    }

    // A photo taken with the camera turned is stored sideways with an EXIF orientation; a person
    // expects it upright. Top-left quadrant red, the rest blue: check where red ends up.
    void exifOrientationMakesPhotosUpright_data() {
        QTest::addColumn<int>("orientation");
        QTest::addColumn<int>("redQuadrant");  // 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right
        QTest::addColumn<bool>("swapsAxes");
        QTest::newRow("1 upright") << 1 << 0 << false;
        QTest::newRow("2 mirrored") << 2 << 1 << false;
        QTest::newRow("3 rotated 180") << 3 << 3 << false;
        QTest::newRow("4 flipped") << 4 << 2 << false;
        QTest::newRow("5 transposed") << 5 << 0 << true;
        QTest::newRow("6 rotated 90 cw") << 6 << 1 << true;
        QTest::newRow("7 transversed") << 7 << 3 << true;
        QTest::newRow("8 rotated 90 ccw") << 8 << 2 << true;
    }
    void exifOrientationMakesPhotosUpright() {
        QFETCH(int, orientation);
        QFETCH(int, redQuadrant);
        QFETCH(bool, swapsAxes);
        cv::Mat stored(120, 200, CV_8UC3, cv::Scalar(0, 0, 255));
        stored(cv::Rect(0, 0, 100, 60)).setTo(cv::Scalar(255, 0, 0));
        const DecodedImage d = ImageDecoder::decodeBytes(test::jpegWithOrientation(stored, orientation),
                                                         QStringLiteral("x.jpg"));
        QCOMPARE(d.orientation, orientation);
        QCOMPARE(d.rgb.cols, swapsAxes ? 120 : 200);
        QCOMPARE(d.rgb.rows, swapsAxes ? 200 : 120);
        const int qx = d.rgb.cols / 4 + (redQuadrant % 2) * d.rgb.cols / 2;
        const int qy = d.rgb.rows / 4 + (redQuadrant / 2) * d.rgb.rows / 2;
        const cv::Vec3b center = d.rgb.at<cv::Vec3b>(qy, qx);
        QVERIFY2(center[0] > 200 && center[2] < 60,
                 qPrintable(QStringLiteral("expected red in quadrant %1").arg(redQuadrant)));

        // Without orientation handling the pixels are as stored.
        const DecodedImage raw = ImageDecoder::decodeBytes(test::jpegWithOrientation(stored, orientation),
                                                           QStringLiteral("x.jpg"), false);
        QCOMPARE(raw.rgb.cols, 200);
    }

    void undecodableFilesNameTheFile_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("empty") << "empty.jpg" << QByteArray() << "the file is empty";
        QTest::newRow("text named jpg")
            << "notes.jpg" << QByteArray("just some text, not a photo\n") << "not an image";
        QTest::newRow("half a PNG header") << "half.png" << QByteArray("\x89PNG\r\n\x1a\n\0\0", 10) << "";
    }
    void undecodableFilesNameTheFile() {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, mentions);
        const QString path = tmp_.filePath(name);
        test::writeFile(path, bytes);
        try {
            ImageDecoder::decodeFile(path);
            QFAIL("expected an AlignError");
        } catch (const AlignError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.startsWith(path + QStringLiteral(": ")), qPrintable(message));
            QVERIFY2(message.contains(mentions), qPrintable(message));
        }
    }

    void missingFileAndFolderNameThePath() {
        const QString folder = tmp_.filePath(QStringLiteral("folder.jpg"));
        QVERIFY(QDir().mkpath(folder));
        QVERIFY_THROWS_EXCEPTION(AlignError, ImageDecoder::decodeFile(folder));
        QVERIFY_THROWS_EXCEPTION(AlignError,
                                 ImageDecoder::decodeFile(tmp_.filePath(QStringLiteral("missing.png"))));
    }
};

QTEST_GUILESS_MAIN(TestImageProcessor)
#include "tst_image_processor.moc"
