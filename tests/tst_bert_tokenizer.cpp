#include "align_error.h"
#include "bert_tokenizer.h"
#include "testutils.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace photosearch;

namespace {

std::vector<std::string> strings(const QJsonArray& a) {
    std::vector<std::string> out;
    for (const QJsonValue& v : a) out.push_back(v.toString().toStdString());
    return out;
}

std::vector<int64_t> ids(const QJsonArray& a) {
    std::vector<int64_t> out;
    for (const QJsonValue& v : a) out.push_back(v.toInteger());
    return out;
}

QString joined(const std::vector<std::string>& tokens) {
    QStringList l;
    for (const auto& t : tokens) l << QString::fromStdString(t);
    return l.join(QLatin1Char(' '));
}

}  // namespace

class TestBertTokenizer : public QObject {
    Q_OBJECT

    BertTokenizer tokenizer_ = BertTokenizer::fromFolder(test::dataPath("align-tiny/model"));

    void addReferenceRows() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QJsonArray>("tokens");
        QTest::addColumn<QJsonArray>("inputIds");
    }

  private slots:
    void readsTokenizerConfig() {
        QCOMPARE(tokenizer_.modelMaxLength(), 64);
        QCOMPARE(tokenizer_.vocabSize(), 30522);
        QCOMPARE(tokenizer_.tokenId("[CLS]"), 101);
        QCOMPARE(tokenizer_.tokenId("[SEP]"), 102);
        QCOMPARE(tokenizer_.padId(), 0);
    }

    // The 20 texts the reference model outputs were computed for.
    void matchesReferenceCases_data() {
        addReferenceRows();
        const QJsonObject cases = test::readJson("align-tiny/expected/cases.json").object();
        const QJsonArray texts = cases["texts"].toArray();
        for (int i = 0; i < texts.size(); ++i)
            QTest::addRow("case %d", i) << texts[i].toString() << cases["tokens"].toArray()[i].toArray()
                                        << cases["input_ids_unpadded"].toArray()[i].toArray();
    }
    void matchesReferenceCases() {
        QFETCH(QString, text);
        QFETCH(QJsonArray, tokens);
        QFETCH(QJsonArray, inputIds);
        // The reference lists the tokens after truncation to 64 - 2 ([CLS] and [SEP]).
        std::vector<std::string> ours = tokenizer_.tokenize(text);
        if (ours.size() > 62) ours.resize(62);
        QCOMPARE(joined(ours), joined(strings(tokens)));
        QCOMPARE(tokenizer_.encode(text).inputIds, ids(inputIds));
    }

    // 70 more: accents, CJK, Hangul, emoji, controls, zero-width and Python-only white space, long words.
    void matchesTokenizerCases_data() {
        addReferenceRows();
        const QJsonArray cases = test::readJson("tokenizer_cases.json").object()["cases"].toArray();
        QVERIFY(cases.size() >= 70);
        int i = 0;
        for (const QJsonValue& v : cases) {
            const QJsonObject c = v.toObject();
            QTest::addRow("%d: %s", i++, qPrintable(c["text"].toString().left(30).toHtmlEscaped()))
                << c["text"].toString() << c["tokens"].toArray() << c["input_ids"].toArray();
        }
    }
    void matchesTokenizerCases() { matchesReferenceCases(); }

    void paddingAndMask() {
        const auto e =
            tokenizer_.encode(QStringLiteral("a photo of a cat"), BertTokenizer::Padding::MaxLength);
        QCOMPARE(e.inputIds.size(), size_t(64));
        QCOMPARE(e.attentionMask.size(), size_t(64));
        QCOMPARE(std::count(e.attentionMask.begin(), e.attentionMask.end(), 1), 7);
        QCOMPARE(e.inputIds[7], int64_t(0));
        QCOMPARE(e.attentionMask[6], int64_t(1));
        QCOMPARE(e.attentionMask[7], int64_t(0));

        const auto batch =
            tokenizer_.encodeBatch({QStringLiteral("a dog"), QStringLiteral("two dogs playing in the snow")});
        QCOMPARE(batch[0].inputIds.size(), size_t(8));
        QCOMPARE(batch[1].inputIds.size(), size_t(8));
        QCOMPARE(batch[0].inputIds, (std::vector<int64_t>{101, 1037, 3899, 102, 0, 0, 0, 0}));
        QCOMPARE(batch[0].attentionMask, (std::vector<int64_t>{1, 1, 1, 1, 0, 0, 0, 0}));
    }

    void truncatesToModelMaxLength() {
        QString longText;
        for (int i = 0; i < 200; ++i) longText += QStringLiteral("word ");
        const auto e = tokenizer_.encode(longText);
        QCOMPARE(e.inputIds.size(), size_t(64));
        QCOMPARE(e.inputIds.front(), int64_t(101));
        QCOMPARE(e.inputIds.back(), int64_t(102));
    }

    void specialTokensInTextStayWhole() {
        QCOMPARE(joined(tokenizer_.tokenize(QStringLiteral("a [MASK] dog"))), QStringLiteral("a [MASK] dog"));
    }

    void missingVocabularyIsAnError() {
        QTemporaryDir dir;
        try {
            BertTokenizer::fromFolder(dir.path());
            QFAIL("expected an AlignError");
        } catch (const AlignError& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("vocab.txt: file not found")));
        }
    }

    void vocabularyWithoutSpecialTokensIsAnError() {
        QTemporaryDir dir;
        test::writeFile(dir.filePath(QStringLiteral("vocab.txt")), "[PAD]\nhello\n");
        try {
            BertTokenizer::fromFolder(dir.path());
            QFAIL("expected an AlignError");
        } catch (const AlignError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("[UNK]")), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestBertTokenizer)
#include "tst_bert_tokenizer.moc"
