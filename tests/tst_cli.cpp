// photosearch-cli as a person runs it: a real process, real files, output checked against the reference.
#include "safetensors_file.h"
#include "testutils.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace photosearch;

namespace {

using Run = test::ProcessRun;

Run cli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    test::ProcessOptions options;
    options.env = env;
    options.timeoutMs = 120000;
    return test::runProgram(QStringLiteral(PHOTOSEARCH_CLI), args, options);
}

QString model() { return test::dataPath("align-tiny/model"); }

// embed and classify print ALIGN's numbers: without --precision they compute the reference's float32
// arithmetic even where the environment asks the ranking commands for bfloat16.
QProcessEnvironment reducedPrecisionEnvironment() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PHOTOSEARCH_PRECISION"), QStringLiteral("bfloat16"));
    return env;
}
QString image(const char* name) {
    return test::dataPath(QStringLiteral("align-tiny/expected/images/") + name);
}

double worstRelative(const QJsonArray& ours, const std::vector<float>& ref, size_t offset) {
    double worst = ours.size() ? 0 : INFINITY;
    for (int i = 0; i < ours.size(); ++i)
        worst = std::max(
            worst, std::fabs(ours[i].toDouble() - ref[offset + i]) / (1.0 + std::fabs(ref[offset + i])));
    return worst;
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
    std::unique_ptr<SafetensorsFile> expected_;
    QJsonObject cases_;

  private slots:
    void initTestCase() {
        expected_ = SafetensorsFile::open(test::dataPath("align-tiny/expected/expected.safetensors"));
        cases_ = test::readJson("align-tiny/expected/cases.json").object();
    }

    void embedJsonMatchesReference() {
        const QString text0 = cases_["texts"].toArray()[0].toString();
        const QString text5 = cases_["texts"].toArray()[5].toString();  // accents: "Café crème ..."
        const Run r =
            cli({"embed", "--model", model(), "--image", image("astronaut.png"), "--image",
                 image("chelsea.png"), "--text", text0, "--text", text5, "--json", "--threads", "2"},
                reducedPrecisionEnvironment());
        QCOMPARE(r.exitCode, 0);
        const QJsonObject doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const QJsonArray images = doc["images"].toArray(), texts = doc["texts"].toArray();
        QCOMPARE(images.size(), 2);
        QCOMPARE(texts.size(), 2);
        QCOMPARE(images[1].toObject()["path"].toString(), image("chelsea.png"));
        QCOMPARE(texts[1].toObject()["text"].toString(), text5);

        const std::vector<float> imageRef = expected_->floats("image_embeds_raw");
        const std::vector<float> textRef = expected_->floats("text_embeds_raw");
        const size_t dim = 80;
        for (int i = 0; i < 2; ++i) {
            const QJsonArray e = images[i].toObject()["embedding"].toArray();
            QCOMPARE(size_t(e.size()), dim);
            QVERIFY(worstRelative(e, imageRef, i * dim) <= 1e-4);
        }
        QVERIFY(worstRelative(texts[0].toObject()["embedding"].toArray(), textRef, 0) <= 1e-4);
        QVERIFY(worstRelative(texts[1].toObject()["embedding"].toArray(), textRef, 5 * dim) <= 1e-4);
        QCOMPARE(texts[1].toObject()["input_ids"].toArray(),
                 cases_["input_ids_unpadded"].toArray()[5].toArray());
    }

    // Every fixture image and text, no precision flag, the environment asking for bfloat16: all within
    // 1e-4 of the reference (bfloat16 text weights differed by up to 2.2e-2 here).
    void embedEveryFixtureWithoutAFlag() {
        QStringList args{"embed", "--model", model(), "--json"};
        const QJsonArray images = cases_["images"].toArray(), texts = cases_["texts"].toArray();
        for (const QJsonValue& name : images)
            args << "--image" << image(name.toString().toUtf8().constData());
        for (const QJsonValue& t : texts) args << "--text" << t.toString();
        const Run r = cli(args, reducedPrecisionEnvironment());
        QCOMPARE(r.exitCode, 0);
        const QJsonObject doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const std::vector<float> imageRef = expected_->floats("image_embeds_raw");
        const std::vector<float> textRef = expected_->floats("text_embeds_raw");
        const size_t dim = 80;
        QCOMPARE(doc["images"].toArray().size(), images.size());
        QCOMPARE(doc["texts"].toArray().size(), texts.size());
        for (int i = 0; i < images.size(); ++i) {
            const double worst = worstRelative(doc["images"].toArray()[i].toObject()["embedding"].toArray(),
                                               imageRef, i * dim);
            QVERIFY2(worst <= 1e-4, qPrintable(QStringLiteral("image %1: %2").arg(i).arg(worst)));
        }
        for (int i = 0; i < texts.size(); ++i) {
            const double worst =
                worstRelative(doc["texts"].toArray()[i].toObject()["embedding"].toArray(), textRef, i * dim);
            QVERIFY2(worst <= 1e-4, qPrintable(QStringLiteral("text %1: %2").arg(i).arg(worst)));
        }
    }

    // Softmax over the reference logits of the chosen labels is what the person should see.
    void classifyJsonMatchesReference() {
        const QJsonArray allTexts = cases_["texts"].toArray();
        const int picks[] = {3, 0, 2};  // astronaut, cat, dog
        QStringList args{"classify", "--model", model(), "--image", image("astronaut.png"), "--json"};
        for (int k : picks) args << "--label" << allTexts[k].toString();
        const Run r = cli(args, reducedPrecisionEnvironment());
        QCOMPARE(r.exitCode, 0);
        const QJsonObject doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(doc["image"].toString(), image("astronaut.png"));
        const QJsonArray labels = doc["labels"].toArray();
        QCOMPARE(labels.size(), 3);

        const std::vector<float> logits =
            expected_->floats("logits_per_image");  // [9, 20], row 0 = astronaut
        double denominator = 0;
        for (int k : picks) denominator += std::exp(double(logits[k]));
        double total = 0;
        for (int i = 0; i < 3; ++i) {
            const QJsonObject row = labels[i].toObject();
            QCOMPARE(row["label"].toString(), allTexts[picks[i]].toString());
            const double ref = logits[picks[i]];
            QVERIFY(std::fabs(row["logit"].toDouble() - ref) <= 1e-4 * (1 + std::fabs(ref)));
            QVERIFY(std::fabs(row["probability"].toDouble() - std::exp(ref) / denominator) <= 1e-4);
            total += row["probability"].toDouble();
        }
        QVERIFY(std::fabs(total - 1.0) < 1e-5);
    }

    void classifyPrintsATable() {
        const Run r = cli({"classify", "--model", model(), "--image", image("coffee.png"), "--label",
                           "coffee", "--label", "a rocket"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("probability")));
        QVERIFY(r.out.contains(QStringLiteral("a rocket")));
        QVERIFY(r.out.contains(QLatin1Char('%')));
    }

    void modelComesFromTheEnvironment() {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PHOTOSEARCH_MODEL"), model());
        const Run r = cli({"embed", "--text", "a dog", "--json"}, env);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).object()["texts"].toArray().size(), 1);
    }

    void errorsExitWithAClearMessage_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no command") << QStringList{} << 2 << "Usage: photosearch-cli COMMAND";
        QTest::newRow("unknown command")
            << QStringList{"frobnicate"} << 2 << "error: unknown command 'frobnicate'";
        QTest::newRow("unknown option")
            << QStringList{"embed", "--colour"} << 2 << "error: Unknown option 'colour'";
        QTest::newRow("nothing to embed")
            << QStringList{"embed", "--model", model()} << 2 << "error: nothing to embed";
        QTest::newRow("classify without labels")
            << QStringList{"classify", "--image", image("coffee.png")} << 2 << "at least one --label";
        QTest::newRow("bad thread count")
            << QStringList{"embed", "--threads", "many", "--text", "x"} << 2 << "--threads";
        QTest::newRow("missing model folder")
            << QStringList{"embed", "--model", "/nonexistent/model", "--text", "x"} << 1
            << "error: no ALIGN model at /nonexistent/model; run 'photosearch-cli model fetch' or pass "
               "--model DIR\n";
        QTest::newRow("options but no command")
            << QStringList{"--model", model()} << 2 << "error: no command after the options";
        QTest::newRow("global option without its value")
            << QStringList{"--model"} << 2 << "error: --model needs a value";
        QTest::newRow("missing image")
            << QStringList{"embed", "--model", model(), "--image", "/nonexistent/cat.jpg"} << 1
            << "error: /nonexistent/cat.jpg: file not found";
        QTest::newRow("image that is not one")
            << QStringList{"embed", "--model", model(), "--image", model() + "/vocab.txt"} << 1
            << "vocab.txt: not an image";
        QTest::newRow("unknown precision")
            << QStringList{"embed", "--model", model(), "--precision", "int4", "--text", "x"} << 1
            << "precision must be auto, float32, float16 or bfloat16, got int4";
        QTest::newRow("unknown device")
            << QStringList{"embed", "--model", model(), "--device", "tpu", "--text", "x"} << 1
            << "device tpu: expected auto, cpu, cuda or cuda:N";
    }
    void errorsExitWithAClearMessage() {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, mentions);
        const Run r = cli(args);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    void brokenModelFolderExitsWithOne() {
        QTemporaryDir dir;
        test::copyFolder(model(), dir.path());
        QFile::remove(dir.filePath(QStringLiteral("vocab.txt")));
        const Run r = cli({"embed", "--model", dir.path(), "--text", "x"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("error: ")) &&
                     r.err.contains(QStringLiteral("vocab.txt: file not found")),
                 qPrintable(r.err));
    }

    void helpForEveryCommand_data() {
        QTest::addColumn<QString>("command");
        QTest::newRow("embed") << "embed";
        QTest::newRow("classify") << "classify";
    }
    void helpForEveryCommand() {
        QFETCH(QString, command);
        const Run r = cli({command, "--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("Usage: photosearch-cli ") + command));
        for (const char* option : {"--model", "--device", "--threads", "--json"})
            QVERIFY2(r.out.contains(QLatin1String(option)), option);
    }

    void version() {
        const Run r = cli({"--version"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("photosearch-cli ")));
    }

    // Options shared by every command may stand before it, as git and cargo take them.
    void globalOptionsBeforeTheCommand_data() {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("after") << QStringList{"embed", "--text", "a dog", "--model", model(), "--json"};
        QTest::newRow("before") << QStringList{"--model", model(), "--json", "embed", "--text", "a dog"};
        QTest::newRow("before, with =")
            << QStringList{"--model=" + model(), "-json", "embed", "--text", "a dog"};
        QTest::newRow("both sides") << QStringList{"--json", "embed", "--model", model(), "--text", "a dog"};
    }
    void globalOptionsBeforeTheCommand() {
        QFETCH(QStringList, args);
        const Run r = cli(args);
        QCOMPARE(r.exitCode, 0);
        const QJsonArray texts = QJsonDocument::fromJson(r.out.toUtf8()).object()["texts"].toArray();
        QCOMPARE(texts.size(), 1);
        const Run reference = cli({"embed", "--text", "a dog", "--model", model(), "--json"});
        QCOMPARE(r.out, reference.out);
    }

    // A PNG carrying the sRGB profile libpng calls "known incorrect" (the astronaut fixture does, as many
    // files from image editors do) is read without libpng's complaint reaching the person.
    void noLibraryNoiseOnStderr() {
        QVERIFY(test::readFile(image("astronaut.png")).contains("iCCP"));
        const Run r = cli({"embed", "--model", model(), "--image", image("astronaut.png"), "--image",
                           image("chelsea.png")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.err, QString());
    }

    // The window's --help and --version print without a display (no X server, no Wayland compositor).
    void windowHelpWithoutADisplay_data() {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("starts");
        QTest::newRow("--version") << "--version"
                                   << "photosearch ";
        QTest::newRow("--help") << "--help"
                                << "Usage: ";
    }
    void windowHelpWithoutADisplay() {
        QFETCH(QString, option);
        QFETCH(QString, starts);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* v : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(QLatin1String(v));
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(PHOTOSEARCH_GUI), {option});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(out.startsWith(starts), qPrintable(out + QString::fromUtf8(p.readAllStandardError())));
        if (option == QLatin1String("--help")) QVERIFY(out.contains(QStringLiteral("--library")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
