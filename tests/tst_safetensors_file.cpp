#include "align_error.h"
#include "safetensors_file.h"
#include "testutils.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace photosearch;

namespace {

QByteArray safetensors(const QByteArray& header, const QByteArray& data) {
    QByteArray out;
    const quint64 n = static_cast<quint64>(header.size());
    for (int i = 0; i < 8; ++i) out.append(static_cast<char>((n >> (8 * i)) & 0xFF));
    return out + header + data;
}

}  // namespace

class TestSafetensorsFile : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

    QString write(const QByteArray& bytes) {
        const QString path = tmp_.filePath(QStringLiteral("model.safetensors"));
        test::writeFile(path, bytes);
        return path;
    }

  private slots:
    void readsTheFixtureCheckpoint() {
        const auto st = SafetensorsFile::open(test::dataPath("align-tiny/model/model.safetensors"));
        QCOMPARE(st->tensors().size(), size_t(262));
        const TensorView& w = st->tensor("text_projection.weight");
        QCOMPARE(w.dtype, DType::F32);
        QCOMPARE(w.shape, (std::vector<int64_t>{80, 32}));
        QCOMPARE(st->metadata().at("format"), std::string("pt"));
        QCOMPARE(st->floats("temperature").size(), size_t(1));
    }

    void convertsHalfAndBfloat16() {
        // 1.0, -2.0, 0.5 in F16 (0x3C00, 0xC000, 0x3800) and BF16 (0x3F80, 0xC000, 0x3F00).
        const QByteArray header = R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},)"
                                  R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[6,12]}})";
        const QByteArray data("\x00\x3C\x00\xC0\x00\x38\x80\x3F\x00\xC0\x00\x3F", 12);
        const auto st = SafetensorsFile::open(write(safetensors(header, data)));
        QCOMPARE(st->floats("h"), (std::vector<float>{1.0f, -2.0f, 0.5f}));
        QCOMPARE(st->floats("b"), (std::vector<float>{1.0f, -2.0f, 0.5f}));
    }

    void rejectsBrokenFiles_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("mentions");
        const QByteArray ok4 = QByteArray(4, '\0');
        QTest::newRow("too short") << QByteArray("abc") << "too short";
        QTest::newRow("header longer than file")
            << safetensors("{}", {}).replace(0, 1, "\x7F") << "does not fit in the file";
        QTest::newRow("header not JSON") << safetensors("{nope", {}) << "not a JSON object";
        QTest::newRow("unknown dtype")
            << safetensors(R"({"t":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "x")
            << "tensor t: unsupported dtype";
        QTest::newRow("size does not match shape")
            << safetensors(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", ok4)
            << "tensor t: holds 4 bytes, but F32 [2] needs 8";
        QTest::newRow("offsets past the end")
            << safetensors(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", ok4)
            << "tensor t: data ends at byte 8 but the file holds only 4";
        QTest::newRow("offsets reversed")
            << safetensors(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", ok4)
            << "data_offsets";
        QTest::newRow("overlap") << safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                                R"("b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
                                                ok4)
                                 << "overlap";
        QTest::newRow("negative shape")
            << safetensors(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", ok4)
            << "shape entries";
    }
    void rejectsBrokenFiles() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, mentions);
        const QString path = write(bytes);
        try {
            SafetensorsFile::open(path);
            QFAIL("expected an AlignError");
        } catch (const AlignError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(mentions), qPrintable(message));
            QVERIFY2(message.startsWith(path), qPrintable(message));
        }
    }

    void truncatedFixtureIsAnError() {
        QFile f(test::dataPath("align-tiny/model/model.safetensors"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray all = f.readAll();
        const QString path = write(all.left(all.size() / 2));
        QVERIFY_THROWS_EXCEPTION(AlignError, SafetensorsFile::open(path));
    }
};

QTEST_GUILESS_MAIN(TestSafetensorsFile)
#include "tst_safetensors_file.moc"
