// libFuzzer target: the search box's query language on arbitrary bytes (typed or pasted by anyone). Every
// part must lie inside the text and after the one before, and removing a part must leave a shorter text.
#include "fuzz_common.h"
#include "query_parser.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace photosearch;
    const QString typed =
        QString::fromUtf8(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    QueryContext context;
    context.now = QDateTime(QDate(2026, 12, 5), QTime(10, 0));
    context.isFolderWord = [](const QString& word) { return word.size() % 3 == 0; };
    const ParsedQuery q = parseQuery(typed, context);
    int end = 0;
    for (const QueryPart& part : q.parts) {
        if (part.from < end || part.length <= 0 || part.from + part.length > typed.size()) std::abort();
        if (part.kind != QueryPart::Kind::Folder) end = part.from + part.length;
        if (withoutPart(typed, part).size() >= typed.size()) std::abort();
    }
    if (q.text.size() > typed.size()) std::abort();
    for (const QString& w : nameWords(typed))
        if (w.size() < 3) std::abort();
    return 0;
}
