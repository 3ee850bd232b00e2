#pragma once

#include <QString>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace photosearch {

// Hugging Face's (slow) BertTokenizer: basic tokenization (cleaning, CJK splitting, lower case, accent
// stripping, punctuation splitting) followed by greedy longest-match WordPiece. Every text is
// truncated to model_max_length, as ALIGN was trained (64 tokens including [CLS] and [SEP]).
class BertTokenizer {
  public:
    struct Options {
        bool doLowerCase = true;
        bool tokenizeChineseChars = true;
        // Not set: strip accents exactly when lower-casing (Hugging Face's None).
        int stripAccents = -1;  // -1 not set, 0 false, 1 true
        int modelMaxLength = 512;
        std::string unkToken = "[UNK]";
        std::string clsToken = "[CLS]";
        std::string sepToken = "[SEP]";
        std::string padToken = "[PAD]";
        std::string maskToken = "[MASK]";
        int maxInputCharsPerWord = 100;
    };

    enum class Padding { None, Longest, MaxLength };

    struct Encoding {
        std::vector<int64_t> inputIds;
        std::vector<int64_t> attentionMask;
    };

    // vocab.txt (one token per line, the line number is the id) and tokenizer_config.json, when present.
    static BertTokenizer fromFolder(const QString& folder);
    BertTokenizer(std::vector<std::string> vocab, Options options);

    // WordPiece tokens, no special tokens added, not truncated.
    std::vector<std::string> tokenize(const QString& text) const;
    // [CLS] tokens [SEP], truncated to modelMaxLength; padded to it with Padding::MaxLength.
    Encoding encode(const QString& text, Padding padding = Padding::None) const;
    // Several texts padded together (to the longest, or to modelMaxLength).
    std::vector<Encoding> encodeBatch(const std::vector<QString>& texts,
                                      Padding padding = Padding::Longest) const;

    int64_t tokenId(const std::string& token) const;  // the [UNK] id when unknown
    const std::string& token(int64_t id) const;
    int vocabSize() const { return static_cast<int>(vocab_.size()); }
    int modelMaxLength() const { return options_.modelMaxLength; }
    int64_t padId() const { return padId_; }
    const Options& options() const { return options_; }

  private:
    void basicTokenize(const QString& text, std::vector<std::u32string>& words) const;
    void wordPiece(const std::u32string& word, std::vector<std::string>& out) const;
    int64_t requireId(const std::string& token) const;

    std::vector<std::string> vocab_;
    std::unordered_map<std::string, int64_t> ids_;
    Options options_;
    int64_t unkId_ = 0, clsId_ = 0, sepId_ = 0, padId_ = 0;
    std::vector<std::string> specialTokens_;
};

}  // namespace photosearch
