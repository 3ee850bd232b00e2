// The search box's reading of what a person typed: a table of inputs and what each becomes, on a fixed
// clock (Saturday 5 December 2026, 10:00 local time), so relative dates have one right answer.
#include "query_parser.h"

#include <QtTest>

using namespace photosearch;

namespace {

QueryContext fixedClock(const QStringList& folderWords = {QStringLiteral("lisbon"),
                                                          QStringLiteral("germany")}) {
    QueryContext c;
    c.now = QDateTime(QDate(2026, 12, 5), QTime(10, 0));
    c.isFolderWord = [folderWords](const QString& w) { return folderWords.contains(w); };
    return c;
}

// One line per query: text | dates | negatives | names | tags | folder words (lists joined by ",").
QString summary(const ParsedQuery& q) {
    return QStringList{q.text,
                       q.dateRangeText(),
                       q.negatives.join(QLatin1Char(',')),
                       q.names.join(QLatin1Char(',')),
                       q.tags.join(QLatin1Char(',')),
                       q.folderWords.join(QLatin1Char(','))}
        .join(QStringLiteral(" | "));
}

}  // namespace

class TestQueryParser : public QObject {
    Q_OBJECT

  private slots:
    void readsWhatWasTyped_data() {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char* typed, const char* expected) {
            QTest::newRow(typed) << QString::fromUtf8(typed) << QString::fromUtf8(expected);
        };
        // Plain descriptions go to ALIGN untouched.
        row("kids on the beach at sunset", "kids on the beach at sunset |  |  |  |  | ");
        // Years, ranges, months and days; a leading "in"/"from"/"on" goes with the date.
        row("beach 2019", "beach | 2019-01-01 \u2013 2019-12-31 |  |  |  | ");
        row("beach in 2019-2021", "beach | 2019-01-01 \u2013 2021-12-31 |  |  |  | ");
        row("2019 to 2021", " | 2019-01-01 \u2013 2021-12-31 |  |  |  | ");
        row("from 2019 to 2021 snow", "snow | 2019-01-01 \u2013 2021-12-31 |  |  |  | ");
        row("March 2023", " | 2023-03-01 \u2013 2023-03-31 |  |  |  | ");
        row("cake on 14 March 2023", "cake | 2023-03-14 \u2013 2023-03-14 |  |  |  | ");
        row("cake March 14, 2023", "cake | 2023-03-14 \u2013 2023-03-14 |  |  |  | ");
        row("2023-03-14", " | 2023-03-14 \u2013 2023-03-14 |  |  |  | ");
        row("2024-02", " | 2024-02-01 \u2013 2024-02-29 |  |  |  | ");
        row("summer 2019", " | 2019-06-01 \u2013 2019-08-31 |  |  |  | ");
        row("since 2020", " | from 2020-01-01 |  |  |  | ");
        row("after 2018", " | from 2019-01-01 |  |  |  | ");
        row("before 2015", " | until 2014-12-31 |  |  |  | ");
        row("until 2015", " | until 2015-12-31 |  |  |  | ");
        row("2019 2021", " | 2019-01-01 \u2013 2021-12-31 |  |  |  | ");  // several dates: the span of all
        // Relative dates against the clock (Saturday 2026-12-05; weeks start on Monday).
        row("yesterday", " | 2026-12-04 \u2013 2026-12-04 |  |  |  | ");
        row("today", " | 2026-12-05 \u2013 2026-12-05 |  |  |  | ");
        row("this week", " | 2026-11-30 \u2013 2026-12-06 |  |  |  | ");
        row("last week", " | 2026-11-23 \u2013 2026-11-29 |  |  |  | ");
        row("last month", " | 2026-11-01 \u2013 2026-11-30 |  |  |  | ");
        row("this year", " | 2026-01-01 \u2013 2026-12-31 |  |  |  | ");
        row("beach last summer", "beach | 2026-06-01 \u2013 2026-08-31 |  |  |  | ");
        row("this summer", " | 2026-06-01 \u2013 2026-08-31 |  |  |  | ");
        // Winter 2026/27 began on 1 December: it is "this winter"; the last one over is 2025/26.
        row("this winter", " | 2026-12-01 \u2013 2027-02-28 |  |  |  | ");
        row("last winter", " | 2025-12-01 \u2013 2026-02-28 |  |  |  | ");
        // Negatives, alone too.
        row("dog -snow", "dog |  | snow |  |  | ");
        row("mountains not snow", "mountains |  | snow |  |  | ");
        row("party without people", "party |  | people |  |  | ");
        row("street -\"red car\"", "street |  | red car |  |  | ");
        row("-snow -rain", " |  | snow,rain |  |  | ");
        // Names in quotes (one left open runs to the end, as while typing), tags.
        row("\"IMG_20", " |  |  | IMG_20 |  | ");
        row("\"Lisbon trip\" sunset", "sunset |  |  | Lisbon trip |  | ");
        row("#beach sunset", "sunset |  |  |  | beach | ");
        // Folder words stay in the text and are named too.
        row("beach Lisbon", "beach Lisbon |  |  |  |  | lisbon");
        // What is not a date stays text: a bare month (a word too), a number that is no year, the future.
        row("may flowers", "may flowers |  |  |  |  | ");
        row("1080 pixels", "1080 pixels |  |  |  |  | ");
        row("moon 2030", "moon 2030 |  |  |  |  | ");
        row("2023-13", "2023-13 |  |  |  |  | ");
        row("2023-02-30", "2023-02-30 |  |  |  |  | ");
        row("not", "not |  |  |  |  | ");
        row("\"\"", " |  |  |  |  | ");
        // Other languages are text for ALIGN (only the date is read).
        row("plage au coucher du soleil", "plage au coucher du soleil |  |  |  |  | ");
        row("\u6d77\u6ee9 2019", "\u6d77\u6ee9 | 2019-01-01 \u2013 2019-12-31 |  |  |  | ");
    }
    void readsWhatWasTyped() {
        QFETCH(QString, typed);
        QFETCH(QString, expected);
        QCOMPARE(summary(parseQuery(typed, fixedClock())), expected);
    }

    // "2019" reads as a date even where a folder is named 2019: numbers are never folder words.
    void aYearIsADateEvenWhereAFolderHasItsName() {
        const ParsedQuery q = parseQuery(QStringLiteral("2019"), fixedClock({QStringLiteral("2019")}));
        QCOMPARE(q.dateRangeText(), QStringLiteral("2019-01-01 \u2013 2019-12-31"));
        QVERIFY(q.folderWords.isEmpty());
    }

    // Each part knows the characters it came from: removing its chip leaves the rest as typed.
    void removingAPartLeavesTheRest() {
        const QString typed = QStringLiteral("beach -snow in 2019 #holiday \"IMG_2\"");
        const ParsedQuery q = parseQuery(typed, fixedClock());
        QCOMPARE(q.parts.size(), size_t{4});
        QCOMPARE(typed.mid(q.parts[1].from, q.parts[1].length), QStringLiteral("in 2019"));
        QCOMPARE(withoutPart(typed, q.parts[0]), QStringLiteral("beach in 2019 #holiday \"IMG_2\""));
        QCOMPARE(withoutPart(typed, q.parts[1]), QStringLiteral("beach -snow #holiday \"IMG_2\""));
        QCOMPARE(withoutPart(typed, q.parts[3]), QStringLiteral("beach -snow in 2019 #holiday"));
        const QString alone = QStringLiteral("2019 beach");
        QCOMPARE(withoutPart(alone, parseQuery(alone, fixedClock()).parts[0]), QStringLiteral("beach"));
    }

    void nameWordsAreTheTellingOnes() {
        QCOMPARE(nameWords(QStringLiteral("Germany 2019")), QStringList{QStringLiteral("germany")});
        QCOMPARE(nameWords(QStringLiteral("IMG_20190304_1234.jpg")), QStringList{});
        QCOMPARE(nameWords(QStringLiteral("Birthday-Cake_Anna.JPG")),
                 (QStringList{QStringLiteral("birthday"), QStringLiteral("cake"), QStringLiteral("anna")}));
        QCOMPARE(nameWords(QStringLiteral("S\u00e3o Paulo")),
                 (QStringList{QStringLiteral("s\u00e3o"), QStringLiteral("paulo")}));
    }
};

QTEST_APPLESS_MAIN(TestQueryParser)
#include "tst_query_parser.moc"
