#include "bert_tokenizer.h"

#include "align_error.h"
#include "json_fields.h"

#include <QChar>
#include <QDir>
#include <QFile>

#include <algorithm>

namespace photosearch {

namespace {

std::string toUtf8(const char32_t* begin, const char32_t* end) {
    std::string out;
    for (const char32_t* p = begin; p != end; ++p) {
        const char32_t c = *p;
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

std::u32string toCodePoints(const QString& s) {
    const QList<uint> ucs4 = s.toUcs4();
    return std::u32string(ucs4.begin(), ucs4.end());
}

QString fromCodePoints(const std::u32string& s) {
    return QString::fromUcs4(s.data(), static_cast<qsizetype>(s.size()));
}

// Python's str.isspace() on what survives cleaning (controls are gone by then).
bool isPythonSpace(char32_t c) { return c == U' ' || QChar::isSpace(c); }

// BERT's _is_whitespace: the characters cleaning turns into a plain space.
bool isBertWhitespace(char32_t c) {
    return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' ||
           QChar::category(c) == QChar::Separator_Space;
}

// BERT's _is_control: Cc and Cf, except the whitespace controls.
bool isBertControl(char32_t c) {
    if (c == U'\t' || c == U'\n' || c == U'\r') return false;
    const QChar::Category cat = QChar::category(c);
    return cat == QChar::Other_Control || cat == QChar::Other_Format;
}

// BERT's _is_punctuation: all non-alphanumeric ASCII plus the Unicode P* categories.
bool isBertPunctuation(char32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        return true;
    switch (QChar::category(c)) {
        case QChar::Punctuation_Connector:
        case QChar::Punctuation_Dash:
        case QChar::Punctuation_Open:
        case QChar::Punctuation_Close:
        case QChar::Punctuation_InitialQuote:
        case QChar::Punctuation_FinalQuote:
        case QChar::Punctuation_Other:
            return true;
        default:
            return false;
    }
}

// The CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana), as BERT defines them.
bool isCjk(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) ||
           (c >= 0x2B820 && c <= 0x2CEAF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::vector<std::u32string> splitOnPythonSpace(const std::u32string& text) {
    std::vector<std::u32string> out;
    std::u32string current;
    for (char32_t c : text) {
        if (isPythonSpace(c)) {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

std::u32string stripAccents(const std::u32string& word) {
    const std::u32string decomposed =
        toCodePoints(fromCodePoints(word).normalized(QString::NormalizationForm_D));
    std::u32string out;
    for (char32_t c : decomposed)
        if (QChar::category(c) != QChar::Mark_NonSpacing) out += c;
    return out;
}

}  // namespace

BertTokenizer BertTokenizer::fromFolder(const QString& folder) {
    const QString vocabPath = QDir(folder).filePath(QStringLiteral("vocab.txt"));
    QFile file(vocabPath);
    if (!file.exists())
        throw AlignError(
            (vocabPath + QStringLiteral(": file not found (the tokenizer vocabulary)")).toStdString());
    if (!file.open(QIODevice::ReadOnly))
        throw AlignError((vocabPath + QStringLiteral(": cannot read: ") + file.errorString()).toStdString());
    std::vector<std::string> vocab;
    const QByteArray data = file.readAll();
    qsizetype start = 0;
    while (start < data.size()) {
        qsizetype end = data.indexOf('\n', start);
        if (end < 0) end = data.size();
        // Hugging Face strips only the newline: a token may end in other white space.
        vocab.emplace_back(data.constData() + start, static_cast<size_t>(end - start));
        start = end + 1;
    }

    Options options;
    const QString configPath = QDir(folder).filePath(QStringLiteral("tokenizer_config.json"));
    if (QFile::exists(configPath)) {
        const JsonFields j = JsonFields::fromFile(configPath);
        options.doLowerCase = j.boolean("do_lower_case", options.doLowerCase);
        options.tokenizeChineseChars = j.boolean("tokenize_chinese_chars", options.tokenizeChineseChars);
        const std::optional<bool> strip = j.optionalBoolean("strip_accents");
        options.stripAccents = strip ? int(*strip) : -1;
        // Hugging Face writes a huge sentinel when no maximum is set.
        if (j.has("model_max_length")) {
            const double max = j.number("model_max_length", 512);
            options.modelMaxLength = max > 1e6 ? 512 : static_cast<int>(max);
        }
        options.unkToken = j.string("unk_token", options.unkToken);
        options.clsToken = j.string("cls_token", options.clsToken);
        options.sepToken = j.string("sep_token", options.sepToken);
        options.padToken = j.string("pad_token", options.padToken);
        options.maskToken = j.string("mask_token", options.maskToken);
        if (options.modelMaxLength < 2)
            j.fail("model_max_length", QStringLiteral("must be at least 2 ([CLS] and [SEP])"));
    }
    try {
        return BertTokenizer(std::move(vocab), options);
    } catch (const AlignError& e) {
        throw AlignError(vocabPath.toStdString() + ": " + e.what());
    }
}

BertTokenizer::BertTokenizer(std::vector<std::string> vocab, Options options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
    if (vocab_.empty()) throw AlignError("the vocabulary is empty");
    for (size_t i = 0; i < vocab_.size(); ++i) ids_.emplace(vocab_[i], static_cast<int64_t>(i));
    unkId_ = requireId(options_.unkToken);
    clsId_ = requireId(options_.clsToken);
    sepId_ = requireId(options_.sepToken);
    padId_ = requireId(options_.padToken);
    specialTokens_ = {options_.unkToken, options_.clsToken, options_.sepToken, options_.padToken,
                      options_.maskToken};
}

int64_t BertTokenizer::requireId(const std::string& token) const {
    const auto it = ids_.find(token);
    if (it == ids_.end()) throw AlignError("the vocabulary has no special token " + token);
    return it->second;
}

int64_t BertTokenizer::tokenId(const std::string& token) const {
    const auto it = ids_.find(token);
    return it == ids_.end() ? unkId_ : it->second;
}

const std::string& BertTokenizer::token(int64_t id) const {
    if (id < 0 || id >= static_cast<int64_t>(vocab_.size()))
        throw AlignError("token id " + std::to_string(id) + " is outside the vocabulary");
    return vocab_[static_cast<size_t>(id)];
}

void BertTokenizer::basicTokenize(const QString& piece, std::vector<std::u32string>& words) const {
    const bool lower = options_.doLowerCase;
    const bool strip = options_.stripAccents == 1 || (options_.stripAccents == -1 && lower);

    std::u32string cleaned;
    for (char32_t c : toCodePoints(lower ? piece.toLower() : piece)) {
        if (c == 0 || c == 0xFFFD || isBertControl(c)) continue;
        if (isBertWhitespace(c)) {
            cleaned += U' ';
        } else if (options_.tokenizeChineseChars && isCjk(c)) {
            cleaned += U' ';
            cleaned += c;
            cleaned += U' ';
        } else {
            cleaned += c;
        }
    }
    const std::u32string composed =
        toCodePoints(fromCodePoints(cleaned).normalized(QString::NormalizationForm_C));

    std::u32string split;  // words separated by spaces, punctuation standing alone
    for (std::u32string word : splitOnPythonSpace(composed)) {
        if (lower) word = toCodePoints(fromCodePoints(word).toLower());
        if (strip) word = stripAccents(word);
        for (char32_t c : word) {
            if (isBertPunctuation(c)) {
                split += U' ';
                split += c;
                split += U' ';
            } else {
                split += c;
            }
        }
        split += U' ';
    }
    for (std::u32string& w : splitOnPythonSpace(split)) words.push_back(std::move(w));
}

void BertTokenizer::wordPiece(const std::u32string& word, std::vector<std::string>& out) const {
    if (static_cast<int>(word.size()) > options_.maxInputCharsPerWord) {
        out.push_back(options_.unkToken);
        return;
    }
    std::vector<std::string> pieces;
    size_t start = 0;
    while (start < word.size()) {
        size_t end = word.size();
        std::string found;
        while (start < end) {
            std::string candidate = toUtf8(word.data() + start, word.data() + end);
            if (start > 0) candidate = "##" + candidate;
            if (ids_.count(candidate)) {
                found = std::move(candidate);
                break;
            }
            --end;
        }
        if (found.empty()) {  // one unknown piece makes the whole word unknown
            out.push_back(options_.unkToken);
            return;
        }
        pieces.push_back(std::move(found));
        start = end;
    }
    for (std::string& p : pieces) out.push_back(std::move(p));
}

std::vector<std::string> BertTokenizer::tokenize(const QString& text) const {
    // Special tokens written in the text stay whole, as Hugging Face's added-token splitting does.
    std::vector<std::string> tokens;
    qsizetype pos = 0;
    while (pos <= text.size()) {
        qsizetype best = -1;
        const std::string* bestToken = nullptr;
        for (const std::string& special : specialTokens_) {
            const qsizetype at = text.indexOf(QString::fromStdString(special), pos);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
                bestToken = &special;
            }
        }
        const qsizetype end = best < 0 ? text.size() : best;
        std::vector<std::u32string> words;
        basicTokenize(text.mid(pos, end - pos), words);
        for (const std::u32string& w : words) wordPiece(w, tokens);
        if (best < 0) break;
        tokens.push_back(*bestToken);
        pos = best + static_cast<qsizetype>(QString::fromStdString(*bestToken).size());
    }
    return tokens;
}

BertTokenizer::Encoding BertTokenizer::encode(const QString& text, Padding padding) const {
    const std::vector<std::string> tokens = tokenize(text);
    const size_t room = static_cast<size_t>(options_.modelMaxLength - 2);
    Encoding e;
    e.inputIds.reserve(std::min(tokens.size(), room) + 2);
    e.inputIds.push_back(clsId_);
    for (size_t i = 0; i < tokens.size() && i < room; ++i) e.inputIds.push_back(tokenId(tokens[i]));
    e.inputIds.push_back(sepId_);
    e.attentionMask.assign(e.inputIds.size(), 1);
    if (padding == Padding::MaxLength) {
        e.inputIds.resize(static_cast<size_t>(options_.modelMaxLength), padId_);
        e.attentionMask.resize(static_cast<size_t>(options_.modelMaxLength), 0);
    }
    return e;
}

std::vector<BertTokenizer::Encoding> BertTokenizer::encodeBatch(const std::vector<QString>& texts,
                                                                Padding padding) const {
    std::vector<Encoding> out;
    out.reserve(texts.size());
    size_t longest = 0;
    for (const QString& t : texts) {
        out.push_back(encode(t, Padding::None));
        longest = std::max(longest, out.back().inputIds.size());
    }
    if (padding == Padding::None) return out;
    const size_t length =
        padding == Padding::MaxLength ? static_cast<size_t>(options_.modelMaxLength) : longest;
    for (Encoding& e : out) {
        e.inputIds.resize(length, padId_);
        e.attentionMask.resize(length, 0);
    }
    return out;
}

}  // namespace photosearch
