// photosearch-cli search (with the query language and saved searches) and saved.
#include "cli_library_support.h"
#include "native_path.h"
#include "query_parser.h"
#include "saved_search.h"

#include <QCommandLineParser>
#include <QDate>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTextStream>

#include <cmath>

namespace photosearch::cli {
namespace {

// What the query language read from a typed search, for --json.
QJsonObject understoodJson(const ParsedQuery& q) {
    QJsonObject o{{QStringLiteral("text"), q.text}};
    const auto list = [](const QStringList& l) { return QJsonArray::fromStringList(l); };
    if (q.hasDates()) {
        QJsonObject dates;
        if (q.fromDate) dates.insert(QStringLiteral("from"), q.fromDate->toString(Qt::ISODate));
        if (q.toDate) dates.insert(QStringLiteral("to"), q.toDate->toString(Qt::ISODate));
        QStringList typed;
        for (const QueryPart& part : q.parts)
            if (part.kind == QueryPart::Kind::Dates) typed << part.text;
        dates.insert(QStringLiteral("typed"), list(typed));
        o.insert(QStringLiteral("dates"), dates);
    }
    if (!q.negatives.isEmpty()) o.insert(QStringLiteral("not"), list(q.negatives));
    if (!q.names.isEmpty()) o.insert(QStringLiteral("names"), list(q.names));
    if (!q.tags.isEmpty()) o.insert(QStringLiteral("tags"), list(q.tags));
    if (!q.folderWords.isEmpty()) o.insert(QStringLiteral("folder_words"), list(q.folderWords));
    return o;
}

// The same for a person: dates 2019-01-01 – 2019-12-31, not: snow, name: "IMG_20", tag: #beach, ...
QString understoodLine(const ParsedQuery& q) {
    QStringList parts;
    if (q.hasDates()) parts << QStringLiteral("taken ") + q.dateRangeText();
    for (const QString& n : q.negatives) parts << QStringLiteral("not: ") + n;
    for (const QString& n : q.names) parts << QStringLiteral("name contains \"%1\"").arg(n);
    for (const QString& t : q.tags) parts << QStringLiteral("tag: #") + t;
    for (const QString& w : q.folderWords) parts << QStringLiteral("folder or file names: ") + w;
    parts << (q.text.isEmpty() ? QStringLiteral("no description: newest first")
                               : QStringLiteral("described as \"%1\"").arg(q.text));
    return parts.join(QStringLiteral("; "));
}

// The search the options describe, to save under `name`.
SavedSearch savedFromOptions(const QString& name, const QString& typed, QCommandLineParser& p) {
    SavedSearch s;
    s.name = name;
    s.query = typed;
    s.notText = p.values(QStringLiteral("not")).join(QStringLiteral(", "));
    s.folder =
        p.isSet(QStringLiteral("folder")) ? canonicalFolder(p.value(QStringLiteral("folder"))) : QString();
    s.tag = p.values(QStringLiteral("tag")).value(0);
    s.after = p.value(QStringLiteral("after"));
    // --before is the first day left out; a saved search keeps the last day let in.
    if (p.isSet(QStringLiteral("before")))
        s.until = QDate::fromString(p.value(QStringLiteral("before")), Qt::ISODate)
                      .addDays(-1)
                      .toString(Qt::ISODate);
    s.image = p.value(QStringLiteral("image"));
    return s;
}

// Fills the options from a saved search; returns what it has as typed.
QString applySaved(const SavedSearch& s, SearchOptions& o) {
    if (!s.notText.isEmpty()) o.notTexts << s.notText;
    if (!s.folder.isEmpty()) o.folder = s.folder;
    if (!s.tag.isEmpty()) o.tags << s.tag;
    if (const QDate d = QDate::fromString(s.after, Qt::ISODate); d.isValid())
        o.after = d.startOfDay().toSecsSinceEpoch();
    if (const QDate d = QDate::fromString(s.until, Qt::ISODate); d.isValid())
        o.before = d.addDays(1).startOfDay().toSecsSinceEpoch();
    if (!s.image.isEmpty()) o.imagePath = s.image;
    return s.query;
}

}  // namespace

int searchCommand(const QStringList& arguments) {
    CommandLine cl(QStringLiteral("search"),
                   QStringLiteral("Find photos by a description, ranked by cosine similarity."),
                   QStringLiteral("TEXT [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    addSearchOptions(cl);
    cl.parser().addOption({QStringLiteral("image"), QStringLiteral("Combine the text with this image."),
                           QStringLiteral("PATH")});
    cl.parser().addOption(
        {QStringLiteral("saved"),
         QStringLiteral("Run the search saved under NAME (photosearch-cli saved lists them)."),
         QStringLiteral("NAME")});
    cl.parser().addOption(
        {QStringLiteral("save"),
         QStringLiteral("Save this search (TEXT and its options) under NAME, then run it; a "
                        "search saved under NAME before is replaced."),
         QStringLiteral("NAME")});
    cl.parser().addOption(
        {QStringLiteral("literal"),
         QStringLiteral(
             "Search for TEXT as written. Without it, dates (2019, March 2023, 2019-2021, last summer, "
             "yesterday), negatives (-snow, not snow, without people), \"quoted\" file or folder "
             "names, #tags and words naming the library's folders are read from TEXT.")});
    cl.parser().addOption({QStringLiteral("text-weight"), QStringLiteral("Weight of the text (default 1)."),
                           QStringLiteral("W"), QStringLiteral("1")});
    cl.parser().addOption({QStringLiteral("image-weight"), QStringLiteral("Weight of the image (default 1)."),
                           QStringLiteral("W"), QStringLiteral("1")});
    // "-snow" is a negative, not an option (options are "-h", "-v" and "--name"): such words stand in the
    // text in their place, hidden from the option parser.
    QStringList args, negatives;
    for (int i = 0; i < arguments.size(); ++i) {
        const QString& a = arguments[i];
        if (i > 0 && a.size() >= 3 && a[0] == QLatin1Char('-') &&
            (a[1].isLetter() || a[1] == QLatin1Char('"'))) {
            args << QStringLiteral("\x01%1").arg(negatives.size());
            negatives << a;
        } else {
            args << a;
        }
    }
    if (const int code = cl.parse(args); code >= 0) return code;
    QCommandLineParser& p = cl.parser();
    SearchOptions o;
    QString problem = readSearchOptions(p, o);
    o.imagePath = p.value(QStringLiteral("image"));
    bool okT = true, okI = true;
    o.textWeight = p.value(QStringLiteral("text-weight")).toFloat(&okT);
    o.imageWeight = p.value(QStringLiteral("image-weight")).toFloat(&okI);
    if (!okT || !okI || !std::isfinite(o.textWeight) || !std::isfinite(o.imageWeight))
        problem = QStringLiteral("--text-weight and --image-weight take numbers");
    QStringList words = p.positionalArguments();
    for (QString& w : words)
        if (w.startsWith(QLatin1Char('\x01'))) w = negatives.value(w.mid(1).toInt());
    QString typed = words.join(QLatin1Char(' '));
    const bool runSaved = p.isSet(QStringLiteral("saved"));
    if (problem.isEmpty() && runSaved && (!typed.trimmed().isEmpty() || p.isSet(QStringLiteral("save"))))
        problem = QStringLiteral("--saved runs a saved search as it was saved: give no TEXT and no --save");
    if (problem.isEmpty() && !runSaved && typed.trimmed().isEmpty() && o.imagePath.isEmpty())
        problem = QStringLiteral("search needs a TEXT (or --image, or --saved NAME)");
    if (!problem.isEmpty()) {
        QTextStream(stderr) << "error: " << problem << '\n';
        return Usage;
    }
    auto library = openLibrary(cl, p.isSet(QStringLiteral("save")));
    if (p.isSet(QStringLiteral("save"))) {
        library->saveSearch(savedFromOptions(p.value(QStringLiteral("save")), typed, p));
        if (!cl.json())
            QTextStream(stderr) << "saved as \"" << p.value(QStringLiteral("save")).trimmed() << "\"\n";
    }
    if (runSaved) {
        const auto saved = library->savedSearch(p.value(QStringLiteral("saved")));
        if (!saved) {
            QStringList names;
            for (const SavedSearch& s : library->savedSearches()) names << s.name;
            QTextStream(stderr) << "error: no search is saved as \"" << p.value(QStringLiteral("saved"))
                                << "\" (saved: "
                                << (names.isEmpty() ? QStringLiteral("none yet")
                                                    : names.join(QStringLiteral(", ")))
                                << ")\n";
            return Usage;
        }
        typed = applySaved(*saved, o);
    }
    QString text = typed;
    QJsonObject understood;
    if (!p.isSet(QStringLiteral("literal"))) {
        const ParsedQuery q = parseQuery(typed, library->queryContext());
        addParsedQuery(q, o);
        text = q.text;
        understood = understoodJson(q);
        if (!cl.json() && !q.parts.empty())
            QTextStream(stderr) << "understood: " << understoodLine(q) << '\n';
    }
    library->modelId();  // load the model and check it is the library's before timing the query
    QElapsedTimer timer;
    timer.start();
    // A saved search of only an image: photos like it.
    const auto results = text.trimmed().isEmpty() && !o.imagePath.isEmpty() && runSaved
                             ? library->similar(o.imagePath, o)
                             : library->search(text, o);
    return printResults(QStringLiteral("query"), typed, results, timer.nsecsElapsed() / 1e6, cl.json(),
                        understood);
}

int savedCommand(const QStringList& arguments) {
    CommandLine cl(
        QStringLiteral("saved"),
        QStringLiteral("List the saved searches (smart albums), or delete one. Save one with "
                       "photosearch-cli search TEXT --save NAME; run it with search --saved NAME."),
        QStringLiteral("[--delete NAME] [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    cl.parser().addOption({QStringLiteral("delete"), QStringLiteral("Delete the search saved as NAME."),
                           QStringLiteral("NAME")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    if (cl.parser().isSet(QStringLiteral("delete"))) {
        auto library = openLibrary(cl, true);
        const QString name = cl.parser().value(QStringLiteral("delete"));
        if (!library->deleteSavedSearch(name)) {
            QTextStream(stderr) << "error: no search is saved as \"" << name << "\"\n";
            return Usage;
        }
        if (!cl.json()) QTextStream(stderr) << "deleted \"" << name.trimmed() << "\"\n";
        return Ok;
    }
    auto library = openLibrary(cl, false);
    const auto saved = library->savedSearches();
    if (cl.json()) {
        QJsonArray rows;
        for (const SavedSearch& s : saved) {
            QJsonObject row = s.toJson();
            row.insert(QStringLiteral("name"), s.name);
            rows.append(row);
        }
        print({{QStringLiteral("saved"), rows}});
        return Ok;
    }
    QTextStream out(stdout);
    for (const SavedSearch& s : saved) out << printable(s.name) << "\t" << printable(s.describe()) << '\n';
    if (saved.empty())
        QTextStream(stderr) << "no saved searches yet: photosearch-cli search TEXT --save NAME saves one\n";
    return Ok;
}

}  // namespace photosearch::cli
