// What a real photo folder holds: broken files that must fail one by one with a reason, unusual but valid
// images that must index, EXIF-rotated photos, and the reduced-scale JPEG path's fidelity. Real files,
// a real catalog, the tiny fixture model.
#include "align_embedder.h"
#include "align_error.h"
#include "image_decoder.h"
#include "photo_library.h"
#include "testutils.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <jpeglib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <map>

using namespace photosearch;

namespace {

QString model() { return test::dataPath("align-tiny/model"); }

cv::Mat fixtureRgb(const char* name) {
    cv::Mat bgr = cv::imread(
        test::dataPath(QStringLiteral("align-tiny/expected/images/") + name).toStdString(), cv::IMREAD_COLOR);
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

void writeImage(const QString& path, const cv::Mat& image, const std::vector<int>& params = {}) {
    if (!cv::imwrite(path.toStdString(), image, params))
        throw std::runtime_error("cannot write " + path.toStdString());
}

// Adobe-style CMYK JPEG (what Photoshop writes): stored values are inverted, so storing C'=R, M'=G, Y'=B,
// K'=255 (no black) means the photo is the RGB image itself, as Pillow reads it.
QByteArray cmykJpeg(const cv::Mat& rgb) {
    jpeg_compress_struct c{};
    jpeg_error_mgr e{};
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    unsigned char* buffer = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &buffer, &size);
    c.image_width = static_cast<JDIMENSION>(rgb.cols);
    c.image_height = static_cast<JDIMENSION>(rgb.rows);
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    jpeg_start_compress(&c, TRUE);
    std::vector<unsigned char> row(static_cast<size_t>(rgb.cols) * 4);
    while (c.next_scanline < c.image_height) {
        const unsigned char* in = rgb.ptr<unsigned char>(static_cast<int>(c.next_scanline));
        for (int x = 0; x < rgb.cols; ++x) {
            row[x * 4 + 0] = in[x * 3 + 0];
            row[x * 4 + 1] = in[x * 3 + 1];
            row[x * 4 + 2] = in[x * 3 + 2];
            row[x * 4 + 3] = 255;
        }
        JSAMPROW r = row.data();
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    QByteArray out(reinterpret_cast<const char*>(buffer), static_cast<qsizetype>(size));
    std::free(buffer);
    return out;
}

double meanAbsDiff(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    const cv::Scalar m = cv::mean(d);
    return (m[0] + m[1] + m[2]) / 3;
}

// Every file under `dir` (symbolic links not followed): its bytes' hash and modification time.
std::map<QString, QString> fingerprint(const QString& dir) {
    std::map<QString, QString> out;
    QDirIterator it(dir, QDir::Files | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info(path);
        if (info.isSymLink() || !info.isFile()) continue;
        out[path] = QString::fromLatin1(
                        QCryptographicHash::hash(test::readFile(path), QCryptographicHash::Sha256).toHex()) +
                    QString::number(info.lastModified().toMSecsSinceEpoch());
    }
    return out;
}

// A PNG whose header declares width x height, followed by a tiny (wrong) IDAT: a decompression bomb's shape.
QByteArray pngDeclaring(quint32 width, quint32 height) {
    const cv::Mat one(1, 1, CV_8UC3, cv::Scalar(1, 2, 3));
    std::vector<uchar> png;
    cv::imencode(".png", one, png);
    QByteArray bytes(reinterpret_cast<const char*>(png.data()), static_cast<qsizetype>(png.size()));
    for (int i = 0; i < 4; ++i) {
        bytes[16 + i] = static_cast<char>((width >> (24 - 8 * i)) & 0xFF);
        bytes[20 + i] = static_cast<char>((height >> (24 - 8 * i)) & 0xFF);
    }
    return bytes;  // the IHDR CRC is now wrong too: the size must be refused before anyone checks it
}

}  // namespace

class TestImageInputs : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> tmp_;
    QString path(const QString& name) const { return tmp_->filePath(name); }

  private slots:
    void init() { tmp_ = std::make_unique<QTemporaryDir>(); }

    // Each broken file fails on its own with a reason a person understands; the good photos beside them
    // index; nothing crashes, and no file in the folder changes.
    void brokenFilesFailOneByOneWithAReason() {
        const QString dir = path(QStringLiteral("photos"));
        test::makePhotos(dir);
        const QByteArray jpeg = test::readFile(dir + QStringLiteral("/rocket.jpg"));
        std::map<QString, QString> expected;  // file -> what its error must say
        auto bad = [&](const QString& name, const QByteArray& bytes, const QString& mentions) {
            test::writeFile(dir + QLatin1Char('/') + name, bytes);
            expected[name] = mentions;
        };
        bad(QStringLiteral("truncated.jpg"), jpeg.left(jpeg.size() * 6 / 10), QStringLiteral("truncated"));
        bad(QStringLiteral("empty.jpg"), {}, QStringLiteral("empty"));
        bad(QStringLiteral("notes.jpg"), "shopping list: milk, eggs\n", QStringLiteral("not an image"));
        bad(QStringLiteral("bomb.png"), pngDeclaring(60000, 60000), QStringLiteral("60000 x 60000"));
        {
            std::vector<uchar> png;
            cv::imencode(".png", fixtureRgb("chelsea.png"), png);
            QByteArray bytes(reinterpret_cast<const char*>(png.data()), static_cast<qsizetype>(png.size()));
            const qsizetype idat = bytes.indexOf("IDAT");
            bytes[idat + 40] = static_cast<char>(bytes[idat + 40] ^ 0x55);  // data changed, CRC not
            bad(QStringLiteral("badcrc.png"), bytes, QStringLiteral("not an image"));
        }
        QVERIFY(QFile::link(dir + QStringLiteral("/nowhere.jpg"), dir + QStringLiteral("/dangling.jpg")));
        expected[QStringLiteral("dangling.jpg")] = QStringLiteral("broken symbolic link");
        QVERIFY(QFile::link(dir + QStringLiteral("/loop-b.jpg"), dir + QStringLiteral("/loop-a.jpg")));
        QVERIFY(QFile::link(dir + QStringLiteral("/loop-a.jpg"), dir + QStringLiteral("/loop-b.jpg")));
        expected[QStringLiteral("loop-a.jpg")] = expected[QStringLiteral("loop-b.jpg")] =
            QStringLiteral("loop");
        QCOMPARE(::mkfifo(QFile::encodeName(dir + QStringLiteral("/pipe.jpg")).constData(), 0644), 0);
        expected[QStringLiteral("pipe.jpg")] = QStringLiteral("not a regular file");
        // A file the disk cannot read: /proc/self/mem fails every read at offset 0 with an I/O error.
        QVERIFY(QFile::link(QStringLiteral("/proc/self/mem"), dir + QStringLiteral("/ioerror.jpg")));
        expected[QStringLiteral("ioerror.jpg")] = QStringLiteral("cannot read");
        if (::geteuid() != 0) {  // root reads every file whatever its mode
            bad(QStringLiteral("private.jpg"), jpeg, QStringLiteral("permission denied"));
            QFile::setPermissions(dir + QStringLiteral("/private.jpg"), QFileDevice::Permissions());
        }
        // A folder named like a photo is a folder: its photos index.
        QDir().mkpath(dir + QStringLiteral("/album.jpg"));
        QFile::copy(dir + QStringLiteral("/coffee.jpg"), dir + QStringLiteral("/album.jpg/inside.jpg"));

        const auto before = fingerprint(dir);
        auto lib = PhotoLibrary::open(
            {path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 2, true, {}});
        lib->addFolder(dir);
        const IndexReport r = lib->index();
        QCOMPARE(r.indexed, int64_t(13));  // 12 photos + the one in album.jpg/
        QCOMPARE(r.failed.size(), expected.size());
        for (const auto& [name, mentions] : expected) {
            const auto photo = lib->catalog().photoByPath(dir + QLatin1Char('/') + name);
            QVERIFY2(photo, qPrintable(name));
            QVERIFY(photo->status == PhotoStatus::Failed);
            QVERIFY2(photo->error.contains(mentions, Qt::CaseInsensitive),
                     qPrintable(name + QStringLiteral(": ") + photo->error));
        }
        QCOMPARE(lib->index().failed.size(), size_t(0));  // not retried until the file changes
        QCOMPARE(fingerprint(dir), before);
    }

    void bombsAndTruncationAreRefusedByTheDecoder() {
        try {
            ImageDecoder::decodeBytes(pngDeclaring(60000, 60000), QStringLiteral("bomb.png"));
            QFAIL("a 3.6-gigapixel PNG was not refused");
        } catch (const AlignError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("bomb.png: ")), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("decompression bomb")), e.what());
        }
        // Just under the limit is not a bomb: the same header then fails on its bad data, not on its size.
        try {
            ImageDecoder::decodeBytes(pngDeclaring(13000, 13000), QStringLiteral("big.png"));
            QFAIL("a PNG with no pixel data decoded");
        } catch (const AlignError& e) {
            QVERIFY2(!QString::fromUtf8(e.what()).contains(QStringLiteral("bomb")), e.what());
        }
        const QByteArray jpeg = test::readFile(test::dataPath("align-tiny/expected/images/rocket.jpg"));
        for (const double keep : {0.2, 0.5, 0.9, 0.99}) {
            try {
                ImageDecoder::decodeBytes(jpeg.left(static_cast<qsizetype>(jpeg.size() * keep)),
                                          QStringLiteral("cut.jpg"));
                QFAIL(qPrintable(QStringLiteral("a JPEG cut at %1% decoded").arg(keep * 100)));
            } catch (const AlignError& e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("truncated")), e.what());
            }
        }
    }

    // PNG is read through libpng itself (to keep its warnings off the terminal); every kind of PNG gives the
    // pixels OpenCV's reader gave, converted as Pillow's convert("RGB") (the path the fixtures validated).
    void pngDecodesAsOpenCvDid() {
        std::vector<std::pair<QString, QByteArray>> files;
        QDirIterator it(test::dataPath("."), {QStringLiteral("*.png")}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            files.emplace_back(f, test::readFile(f));
        }
        QVERIFY(files.size() >= 7);
        cv::RNG rng(7);
        auto encoded = [](const cv::Mat& m, std::vector<int> params = {}) {
            std::vector<uchar> png;
            cv::imencode(".png", m, png, params);
            return QByteArray(reinterpret_cast<const char*>(png.data()), static_cast<qsizetype>(png.size()));
        };
        cv::Mat rgb16(37, 29, CV_16UC3), grey16(31, 23, CV_16UC1), bgra16(17, 19, CV_16UC4),
            bgra(21, 13, CV_8UC4), grey(9, 41, CV_8UC1);
        for (cv::Mat* m : {&rgb16, &grey16, &bgra16}) rng.fill(*m, cv::RNG::UNIFORM, 0, 65536);
        for (cv::Mat* m : {&bgra, &grey}) rng.fill(*m, cv::RNG::UNIFORM, 0, 256);
        files.emplace_back(QStringLiteral("rgb16"), encoded(rgb16));
        files.emplace_back(QStringLiteral("grey16"), encoded(grey16));
        files.emplace_back(QStringLiteral("bgra16"), encoded(bgra16));
        files.emplace_back(QStringLiteral("bgra"), encoded(bgra));
        files.emplace_back(QStringLiteral("grey"), encoded(grey));
        files.emplace_back(QStringLiteral("bilevel"), encoded(grey > 128, {cv::IMWRITE_PNG_BILEVEL, 1}));
        for (const auto& [name, bytes] : files) {
            const cv::Mat viaOpenCv = cv::imdecode(
                cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.constData())),
                cv::IMREAD_UNCHANGED);
            QVERIFY2(!viaOpenCv.empty(), qPrintable(name));
            const cv::Mat expected = ImageDecoder::toRgb(viaOpenCv, name);
            const cv::Mat ours = ImageDecoder::decodeBytes(bytes, name, false).rgb;
            QCOMPARE(ours.size(), expected.size());
            QVERIFY2(cv::norm(ours, expected, cv::NORM_INF) == 0, qPrintable(name));
        }
    }

    // Formats and shapes people have: every one indexes, and decodes to the pixels it holds.
    void unusualValidImagesIndex() {
        const QString dir = path(QStringLiteral("odd"));
        QDir().mkpath(dir);
        const cv::Mat rgb = fixtureRgb("coffee.png");
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        test::writeFile(dir + QStringLiteral("/cmyk.jpg"), cmykJpeg(rgb));
        cv::Mat sixteen;
        bgr.convertTo(sixteen, CV_16U, 257.0);  // v * 257: the high byte is v again
        writeImage(dir + QStringLiteral("/sixteen-bit.png"), sixteen);
        cv::Mat grey;
        cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
        writeImage(dir + QStringLiteral("/grey.png"), grey);
        writeImage(dir + QStringLiteral("/lossless.webp"), bgr, {cv::IMWRITE_WEBP_QUALITY, 101});
        writeImage(dir + QStringLiteral("/scan.tiff"), bgr);
        writeImage(dir + QStringLiteral("/old.bmp"), bgr);
        writeImage(dir + QStringLiteral("/dot.png"), cv::Mat(1, 1, CV_8UC3, cv::Scalar(10, 200, 30)));
        cv::Mat strip;
        cv::resize(bgr, strip, cv::Size(5000, 2), 0, 0, cv::INTER_AREA);
        writeImage(dir + QStringLiteral("/strip.png"), strip);
        writeImage(dir + QStringLiteral("/Holiday at the Côte d’Azur — день 1.JPG"), bgr,
                   {cv::IMWRITE_JPEG_QUALITY, 90});
        writeImage(dir + QStringLiteral("/UPPER CASE.PNG"), bgr);

        // Lossless formats give back exactly the stored pixels, 16-bit as Pillow reads it (high byte).
        for (const char* name :
             {"sixteen-bit.png", "lossless.webp", "scan.tiff", "old.bmp", "UPPER CASE.PNG"}) {
            const DecodedImage d = ImageDecoder::decodeFile(dir + QLatin1Char('/') + QLatin1String(name));
            QVERIFY2(meanAbsDiff(d.rgb, rgb) == 0, name);
        }
        cv::Mat greyRgb;
        cv::cvtColor(grey, greyRgb, cv::COLOR_GRAY2RGB);
        QCOMPARE(meanAbsDiff(ImageDecoder::decodeFile(dir + QStringLiteral("/grey.png")).rgb, greyRgb), 0.0);
        // CMYK: the Adobe inversion is understood (read the other way round, the photo would be a negative).
        const double cmykError =
            meanAbsDiff(ImageDecoder::decodeFile(dir + QStringLiteral("/cmyk.jpg")).rgb, rgb);
        QVERIFY2(cmykError < 3, qPrintable(QString::number(cmykError)));

        auto lib = PhotoLibrary::open(
            {path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 2, true, {}});
        lib->addFolder(dir);
        const IndexReport r = lib->index();
        for (const auto& [file, error] : r.failed) qWarning("%s: %s", qPrintable(file), qPrintable(error));
        QCOMPARE(r.failed.size(), size_t(0));
        QCOMPARE(r.indexed, int64_t(10));
        const auto strip5000 = lib->catalog().photoByPath(dir + QStringLiteral("/strip.png"));
        QCOMPARE(strip5000->width, 5000);
        QCOMPARE(strip5000->height, 2);
        QVERIFY(lib->catalog().photoByPath(dir + QStringLiteral("/Holiday at the Côte d’Azur — день 1.JPG")));
    }

    // An EXIF-rotated JPEG embeds exactly like the same pixels stored upright. The upright pixels are made
    // here from the EXIF definition of each orientation, independently of the decoder's own code.
    void exifRotatedPhotosEmbedLikeUprightOnes_data() {
        QTest::addColumn<int>("orientation");
        for (int o = 1; o <= 8; ++o) QTest::newRow(qPrintable(QString::number(o))) << o;
    }
    void exifRotatedPhotosEmbedLikeUprightOnes() {
        QFETCH(int, orientation);
        static auto embedder = AlignEmbedder::load({model(), QStringLiteral("cpu"), 2});
        cv::Mat source = fixtureRgb("chelsea.png");
        const QByteArray jpeg = test::jpegWithOrientation(source, orientation);
        const cv::Mat stored = ImageDecoder::decodeBytes(jpeg, QStringLiteral("x.jpg"), false).rgb;
        const int W = stored.cols, H = stored.rows;
        const bool swap = orientation >= 5;
        cv::Mat upright(swap ? W : H, swap ? H : W, CV_8UC3);
        for (int y = 0; y < upright.rows; ++y)
            for (int x = 0; x < upright.cols; ++x) {
                int sx = x, sy = y;
                switch (orientation) {
                    case 2:
                        sx = W - 1 - x;
                        break;
                    case 3:
                        sx = W - 1 - x;
                        sy = H - 1 - y;
                        break;
                    case 4:
                        sy = H - 1 - y;
                        break;
                    case 5:
                        sx = y;
                        sy = x;
                        break;
                    case 6:
                        sx = y;
                        sy = H - 1 - x;
                        break;
                    case 7:
                        sx = W - 1 - y;
                        sy = H - 1 - x;
                        break;
                    case 8:
                        sx = W - 1 - y;
                        sy = x;
                        break;
                    default:
                        break;
                }
                upright.at<cv::Vec3b>(y, x) = stored.at<cv::Vec3b>(sy, sx);
            }
        const QString rotatedPath = path(QStringLiteral("rotated.jpg")),
                      uprightPath = path(QStringLiteral("upright.png"));
        test::writeFile(rotatedPath, jpeg);
        cv::Mat uprightBgr;
        cv::cvtColor(upright, uprightBgr, cv::COLOR_RGB2BGR);
        writeImage(uprightPath, uprightBgr);
        const ImageProcessor& p = embedder->processor();
        const auto a = embedder->imageFeatures({p.preprocessFile(rotatedPath)});
        const auto b = embedder->imageFeatures({p.preprocessFile(uprightPath)});
        QCOMPARE((a - b).abs().max().item<float>(), 0.0f);
    }

    // Phone photos are decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (indexing speed). Kept only if
    // embeddings barely move: cosine to the full-scale path at least 0.999, and the move under a quarter of
    // the distance to the nearest other photo (two photos each moving by less than a quarter of their gap
    // cannot swap places in anyone's ranking). Decoding down to the resize size itself (margin 1) fails
    // this (a third of the gap for wide.jpg); twice the resize size (margin 2, 1/4 scale for a 4032x3024
    // photo) passes with 0.13. The tiny fixture model puts all photos
    // within cosine 1e-5 of each other, so the comparison is made on the raw features' Euclidean distances,
    // in double precision.
    void reducedScaleDecodingKeepsEmbeddings() {
        auto embedder = AlignEmbedder::load({model(), QStringLiteral("cpu"), 2});
        const cv::Size reduceTo = embedder->processor().reducedDecodeSize();
        QVERIFY(reduceTo.width > 0);
        std::vector<torch::Tensor> exact, reduced;
        for (const char* name : {"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "wide.jpg"}) {
            cv::Mat bgr =
                cv::imread(test::dataPath(QStringLiteral("align-tiny/expected/images/") + name).toStdString(),
                           cv::IMREAD_COLOR);
            cv::resize(bgr, bgr, cv::Size(4032, 3024), 0, 0, cv::INTER_CUBIC);
            const QString file = path(QString::fromLatin1(name) + QStringLiteral(".jpg"));
            writeImage(file, bgr, {cv::IMWRITE_JPEG_QUALITY, 90});
            const DecodedImage full = ImageDecoder::decodeFile(file),
                               small = ImageDecoder::decodeFile(file, true, reduceTo);
            QCOMPARE(small.width, 4032);  // the catalog keeps the full size
            QVERIFY2(small.rgb.cols < full.rgb.cols && small.rgb.cols >= reduceTo.width &&
                         small.rgb.rows >= reduceTo.height,
                     name);
            const auto f = embedder
                               ->imageFeatures({embedder->processor().preprocess(full.rgb),
                                                embedder->processor().preprocess(small.rgb)})
                               .to(torch::kFloat64);
            exact.push_back(f[0]);
            reduced.push_back(f[1]);
        }
        for (size_t i = 0; i < exact.size(); ++i) {
            const double cosine = torch::cosine_similarity(exact[i], reduced[i], 0).item<double>();
            const double moved = (exact[i] - reduced[i]).norm().item<double>();
            double nearest = 1e30;
            for (size_t j = 0; j < exact.size(); ++j)
                if (j != i) nearest = std::min(nearest, (exact[i] - exact[j]).norm().item<double>());
            qInfo("photo %zu: cosine to the full-scale path %.9f; moved %.3e, nearest other photo at %.3e", i,
                  cosine, moved, nearest);
            QVERIFY2(cosine >= 0.999, qPrintable(QString::number(cosine)));
            QVERIFY2(moved < nearest / 4, qPrintable(QStringLiteral("%1 vs %2").arg(moved).arg(nearest)));
        }
    }
};

QTEST_GUILESS_MAIN(TestImageInputs)
#include "tst_image_inputs.moc"
