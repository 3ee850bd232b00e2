// libFuzzer target: the BERT tokenizer on arbitrary bytes (search text comes from anyone's keyboard).
#include "bert_tokenizer.h"
#include "fuzz_common.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    static const BertTokenizer tokenizer =
        BertTokenizer::fromFolder(QString::fromLocal8Bit(PHOTOSEARCH_FUZZ_VOCAB));
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const auto encoding = tokenizer.encode(text, BertTokenizer::Padding::MaxLength);
    if (encoding.inputIds.empty()) std::abort();
    for (int64_t id : encoding.inputIds)
        if (id < 0 || id >= tokenizer.vocabSize()) std::abort();
    return 0;
}
