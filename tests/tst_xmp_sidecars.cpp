// Tags other photo tools read (#18): keywords read from a photo and its sidecars when it is indexed, and
// tags written to XMP sidecars (digiKam's photo.jpg.xmp, Lightroom's photo.xmp) through the real
// photosearch-cli, checked with the exiv2 command-line tool and our own reader. A sidecar's other fields
// are kept, the photo's bytes never change, and a folder that cannot be written is reported per file.
#include "photo_library.h"
#include "testutils.h"
#include "xmp_sidecar.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace photosearch;

namespace {

QString model() { return test::dataPath(QStringLiteral("align-tiny/model")); }

using Run = test::ProcessRun;

// `owner`: without root's power over permissions when the tests run as root (as tst_library_faults), so a
// read-only folder is read-only to the command.
Run run(const QString& program, const QStringList& args, bool owner = false) {
    test::ProcessOptions options;
    options.withoutRootPowers = owner;
    return test::runProgram(program, args, options);
}

QByteArray sha256(const QString& path) {
    return QCryptographicHash::hash(test::readFile(path), QCryptographicHash::Sha256).toHex();
}

// What exiv2 prints of a file's XMP: one line per key ("Xmp.dc.subject  XmpBag  2  a, b").
QStringList exiv2Lines(const QString& path) {
    const Run r = run(QStringLiteral("exiv2"), {QStringLiteral("-px"), path});
    return r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

QString lineOf(const QStringList& lines, const QString& key) {
    for (const QString& l : lines)
        if (l.startsWith(key + QLatin1Char(' '))) return l;
    return {};
}

}  // namespace

class TestXmpSidecars : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QStringList common_;
    QString photos_;
    QStringList files_;

    Run cli(const QStringList& args, bool owner = false) {
        return run(QStringLiteral(PHOTOSEARCH_CLI), args + common_, owner);
    }

  private slots:
    void initTestCase() {
        photos_ = tmp_.filePath(QStringLiteral("photos"));
        files_ = test::makePhotos(photos_);
        common_ = QStringList{"--library", tmp_.filePath(QStringLiteral("library")), "--model", model()};
        // Keywords other tools wrote: in the JPEG itself (XMP and IPTC, written by exiv2) and in a digiKam
        // sidecar beside another photo.
        QVERIFY(run(QStringLiteral("exiv2"), {"-M", "add Xmp.dc.subject XmpBag Holiday", "-M",
                                              "add Xmp.lr.hierarchicalSubject XmpBag Places|Lisbon", "-M",
                                              "add Iptc.Application2.Keywords String Family", files_[0]})
                    .exitCode == 0);
        test::writeFile(
            files_[2] + QStringLiteral(".xmp"),
            "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
            "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
            "<rdf:Description rdf:about=\"\" xmlns:digiKam=\"http://www.digikam.org/ns/1.0/\" "
            "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmp:Rating=\"4\">\n"
            "<digiKam:TagsList><rdf:Seq><rdf:li>People/Anna</rdf:li></rdf:Seq></digiKam:TagsList>\n"
            "</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>");
        // A damaged sidecar: read as no keywords, never a crash.
        test::writeFile(files_[4] + QStringLiteral(".xmp"), QByteArray("<x:xmpmeta>\x01\xff garbage", 22));
        const Run r = cli({"index", photos_});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }

    void keywordsAreReadWhenIndexing() {
        QCOMPARE(XmpSidecar::readKeywords(files_[0]),
                 (QStringList{"Holiday", "Lisbon", "Family"}));  // a hierarchy by its last level
        QCOMPARE(XmpSidecar::readKeywords(files_[2]), QStringList{"Anna"});
        QVERIFY(XmpSidecar::readKeywords(files_[4]).isEmpty());
        auto lib = PhotoLibrary::open({tmp_.filePath(QStringLiteral("library")),
                                       model(),
                                       QStringLiteral("cpu"),
                                       1,
                                       false,
                                       {},
                                       false,
                                       {}});
        for (const char* tag : {"Holiday", "Lisbon", "Family", "Anna"})
            QVERIFY2(lib->allTags().contains(QString::fromLatin1(tag)), tag);
        const auto anna = lib->catalog().photosConfirmed(QStringLiteral("Anna"));
        QCOMPARE(anna.size(), size_t(1));
        QCOMPARE(lib->catalog().photo(anna[0])->path, QFileInfo(files_[2]).canonicalFilePath());
    }

    // Export: a new digiKam sidecar that exiv2 and our reader both read; an existing sidecar keeps every
    // other field byte for byte (as exiv2 prints it) and its own keywords; the photos never change; a second
    // export has nothing to write.
    void exportWritesAndMerges() {
        QCOMPARE(cli({"tag", "accept", files_[2], files_[4], files_[6], "--label", "beach"}).exitCode, 0);
        QMap<QString, QByteArray> before;
        for (const QString& f : files_) before[f] = sha256(f);
        const QStringList sidecarBefore = exiv2Lines(files_[2] + QStringLiteral(".xmp"));
        QVERIFY(!lineOf(sidecarBefore, QStringLiteral("Xmp.xmp.Rating")).isEmpty());

        Run r = cli({"tag", "export", photos_});
        QVERIFY2(r.exitCode == 1, qPrintable(r.out + r.err));  // the damaged sidecar cannot be merged
        QVERIFY2(r.err.contains(QFileInfo(files_[4]).fileName() +
                                QStringLiteral(".xmp: the sidecar cannot be read")),
                 qPrintable(r.err));

        const QStringList fresh = exiv2Lines(files_[6] + QStringLiteral(".xmp"));
        QVERIFY2(lineOf(fresh, QStringLiteral("Xmp.dc.subject")).endsWith(QStringLiteral("beach")),
                 qPrintable(fresh.join('\n')));
        QVERIFY(lineOf(fresh, QStringLiteral("Xmp.digiKam.TagsList")).endsWith(QStringLiteral("beach")));
        QCOMPARE(XmpSidecar::readKeywords(files_[6]), QStringList{"beach"});

        const QStringList merged = exiv2Lines(files_[2] + QStringLiteral(".xmp"));
        QCOMPARE(lineOf(merged, QStringLiteral("Xmp.xmp.Rating")),
                 lineOf(sidecarBefore, QStringLiteral("Xmp.xmp.Rating")));
        QVERIFY2(lineOf(merged, QStringLiteral("Xmp.digiKam.TagsList"))
                     .endsWith(QStringLiteral("People/Anna, beach")),
                 qPrintable(merged.join('\n')));
        QVERIFY(lineOf(merged, QStringLiteral("Xmp.dc.subject")).contains(QStringLiteral("beach")));

        for (const QString& f : files_) QCOMPARE(sha256(f), before[f]);
        QVERIFY(
            QFileInfo(files_[0] + QStringLiteral(".xmp")).exists());  // its own keywords, now in a sidecar

        // The damaged sidecar moved away, its photo gets a new one; then there is nothing left to write.
        QFile::remove(files_[4] + QStringLiteral(".xmp"));
        r = cli({"tag", "export", photos_, "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).object()["written"].toInt(), 1);
        r = cli({"tag", "export", photos_, "--json"});
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["written"].toInt(), 0);
        QCOMPARE(j["up_to_date"].toInt(), 4);
    }

    void lightroomStyle() {
        QCOMPARE(XmpSidecar::pathFor(QStringLiteral("/p/IMG_1.JPG"), XmpSidecar::Style::Lightroom),
                 QStringLiteral("/p/IMG_1.xmp"));
        QCOMPARE(XmpSidecar::pathFor(QStringLiteral("/p/IMG_1.JPG"), XmpSidecar::Style::DigiKam),
                 QStringLiteral("/p/IMG_1.JPG.xmp"));
        const Run r = cli({"tag", "export", photos_, "--style", "lightroom"});
        QCOMPARE(r.exitCode, 0);
        const QString sidecar = XmpSidecar::pathFor(files_[6], XmpSidecar::Style::Lightroom);
        QVERIFY(lineOf(exiv2Lines(sidecar), QStringLiteral("Xmp.lr.hierarchicalSubject"))
                    .endsWith(QStringLiteral("beach")));
    }

    // A folder that cannot be written: each photo's sidecar is named with what to do; nothing is changed.
    void readOnlyFolderIsReportedPerFile() {
        const QString folder = tmp_.filePath(QStringLiteral("photos/locked"));
        const QStringList locked = test::makePhotos(folder, 2);
        QCOMPARE(cli({"index", photos_}).exitCode, 0);
        QCOMPARE(cli({"tag", "accept", locked[0], locked[1], "--label", "dog"}).exitCode, 0);
        QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        const Run r = cli({"tag", "export", folder}, true);
        QFile::setPermissions(folder,
                              QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        QCOMPARE(r.exitCode, 1);
        for (const QString& f : {locked[0], locked[1]})
            QVERIFY2(r.err.contains(QFileInfo(f).fileName() +
                                    QStringLiteral(".xmp: the sidecar could not be written")),
                     qPrintable(r.err));
        QVERIFY(r.err.contains(QStringLiteral("Make the folder writable")));
        QVERIFY(r.out.contains(QStringLiteral("2 could not be written")));
        QVERIFY(!QFileInfo(locked[0] + QStringLiteral(".xmp")).exists());
    }
};

QTEST_GUILESS_MAIN(TestXmpSidecars)
#include "tst_xmp_sidecars.moc"
