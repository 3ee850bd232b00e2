#include "align_error.h"
#include "pil_resample.h"
#include "testutils.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace photosearch;

class TestPilResample : public QObject {
    Q_OBJECT

  private slots:
    // Every Pillow filter, down- and up-scaling, on a real photo and on noise: within 1 level.
    void matchesPillow_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("filter");
        QTest::addColumn<QString>("expected");
        const QJsonArray cases = test::readJson("resize/cases.json").object()["cases"].toArray();
        QVERIFY(cases.size() >= 36);
        for (const QJsonValue& v : cases) {
            const QJsonObject c = v.toObject();
            QTest::newRow(qPrintable(c["expected"].toString()))
                << c["input"].toString() << c["width"].toInt() << c["height"].toInt()
                << c["pil_resample"].toInt() << c["expected"].toString();
        }
    }
    void matchesPillow() {
        QFETCH(QString, input);
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(int, filter);
        QFETCH(QString, expected);
        const cv::Mat source = test::readRgb("resize/" + input);
        const cv::Mat reference = test::readRgb("resize/" + expected);
        const cv::Mat ours = pilResize(source, width, height, resampleFilterFromPil(filter));
        QCOMPARE(ours.cols, width);
        QCOMPARE(ours.rows, height);
        const int diff = test::maxAbsDiff(ours, reference);
        QVERIFY2(diff >= 0 && diff <= 1, qPrintable(QStringLiteral("max difference %1 levels").arg(diff)));
    }

    void sameSizeIsACopy() {
        const cv::Mat source = test::readRgb("resize/noise64x48.png");
        QCOMPARE(test::maxAbsDiff(pilResize(source, 64, 48, ResampleFilter::Bicubic), source), 0);
    }

    void singleChannelAndOneAxis() {
        // Grey images and resizes along one axis only take the same path per channel.
        const cv::Mat rgb = test::readRgb("resize/noise64x48.png");
        std::vector<cv::Mat> planes;
        cv::split(rgb, planes);
        const cv::Mat wide = pilResize(rgb, 100, 48, ResampleFilter::Lanczos);
        const cv::Mat wideGrey = pilResize(planes[1], 100, 48, ResampleFilter::Lanczos);
        std::vector<cv::Mat> widePlanes;
        cv::split(wide, widePlanes);
        QCOMPARE(test::maxAbsDiff(widePlanes[1], wideGrey), 0);
    }

    void rejectsUnknownFilterNumbers() {
        QVERIFY_THROWS_EXCEPTION(AlignError, resampleFilterFromPil(6));
        QVERIFY_THROWS_EXCEPTION(AlignError, resampleFilterFromPil(-1));
    }
};

QTEST_GUILESS_MAIN(TestPilResample)
#include "tst_pil_resample.moc"
