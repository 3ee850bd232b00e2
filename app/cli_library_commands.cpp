// photosearch-cli index, search, similar, tag, duplicates: the photo library (status, folders and repair
// in cli_library_admin.cpp).
#include "align_error.h"
#include "cli_commands.h"
#include "cli_library_support.h"
#include "cpu_sharing.h"
#include "library_paths.h"
#include "library_repair.h"
#include "native_path.h"
#include "photo_library.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>

namespace photosearch::cli {

QJsonValue n(int64_t v) { return QJsonValue(static_cast<qint64>(v)); }

void addLibraryOption(CommandLine& cl) {
    cl.parser().addOption({QStringLiteral("library"),
                           QStringLiteral("The library folder (default: $PHOTOSEARCH_LIBRARY, else %1).")
                               .arg(LibraryPaths::defaultLibraryDir()),
                           QStringLiteral("DIR")});
}

std::unique_ptr<PhotoLibrary> openLibrary(const CommandLine& cl, bool writable, bool verifyCatalog) {
    const QCommandLineParser& p = cl.parser();
    LibraryOptions o;
    o.libraryDir = p.isSet(QStringLiteral("library")) ? p.value(QStringLiteral("library"))
                                                      : LibraryPaths::defaultLibraryDir();
    o.modelDir =
        p.isSet(QStringLiteral("model")) ? p.value(QStringLiteral("model")) : LibraryPaths::defaultModelDir();
    o.device = p.value(QStringLiteral("device"));
    o.threads = p.value(QStringLiteral("threads")).toInt();
    o.precision = p.value(QStringLiteral("precision"));
    o.writable = writable;
    o.verifyCatalog = verifyCatalog;
    auto library = PhotoLibrary::open(o);
    if (library->removedStaleLock())
        QTextStream(stderr)
            << "note: removed the lock of a PhotoSearch that stopped without closing the library "
               "(a crash or kill); its committed work is kept\n";
    return library;
}

void print(const QJsonObject& o) {
    QTextStream(stdout) << QJsonDocument(o).toJson(QJsonDocument::Compact) << '\n';
}

namespace {

IndexControl* gControl = nullptr;

void onInterrupt(int) {
    if (gControl)
        gControl
            ->cancelFromSignalHandler();  // the run stops after the current batch, everything committed kept
}

QString duration(double seconds) {
    if (seconds < 0) return QStringLiteral("--:--");
    const int s = static_cast<int>(seconds + 0.5);
    return s >= 3600 ? QStringLiteral("%1:%2:%3")
                           .arg(s / 3600)
                           .arg(s / 60 % 60, 2, 10, QLatin1Char('0'))
                           .arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2")
                           .arg(s / 60, 2, 10, QLatin1Char('0'))
                           .arg(s % 60, 2, 10, QLatin1Char('0'));
}

}  // namespace

void addSearchOptions(CommandLine& cl) {
    QCommandLineParser& p = cl.parser();
    p.addOption({QStringLiteral("limit"), QStringLiteral("How many results (default 20)."),
                 QStringLiteral("N"), QStringLiteral("20")});
    p.addOption({QStringLiteral("min-score"), QStringLiteral("Leave out results scoring below X."),
                 QStringLiteral("X")});
    p.addOption(
        {QStringLiteral("folder"), QStringLiteral("Only photos under this folder."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("after"), QStringLiteral("Only photos taken on or after DATE (YYYY-MM-DD)."),
                 QStringLiteral("DATE")});
    p.addOption({QStringLiteral("before"), QStringLiteral("Only photos taken before DATE (YYYY-MM-DD)."),
                 QStringLiteral("DATE")});
    p.addOption({QStringLiteral("tag"),
                 QStringLiteral("Only photos with this tag (repeatable: all of them)."),
                 QStringLiteral("TAG")});
    p.addOption({QStringLiteral("not"), QStringLiteral("Push results away from this concept (repeatable)."),
                 QStringLiteral("TEXT")});
    p.addOption({QStringLiteral("not-weight"), QStringLiteral("How hard to push away (default 0.5)."),
                 QStringLiteral("W"), QStringLiteral("0.5")});
    p.addOption(
        {QStringLiteral("good-only"),
         QStringLiteral("Only the good matches: photos that stand out for this query from the rest of "
                        "the library (see docs/search.md).")});
    p.addOption(
        {QStringLiteral("sort"),
         QStringLiteral("relevance (default), newest or oldest: the good matches first in date order, "
                        "then the rest by relevance."),
         QStringLiteral("ORDER"), QStringLiteral("relevance")});
}

// Fills SearchOptions; returns an error text for a bad value.
QString readSearchOptions(QCommandLineParser& p, SearchOptions& o) {
    bool ok = true;
    o.limit = p.value(QStringLiteral("limit")).toInt(&ok);
    if (!ok || o.limit <= 0) return QStringLiteral("--limit takes a positive whole number");
    if (p.isSet(QStringLiteral("min-score"))) {
        o.minScore = p.value(QStringLiteral("min-score")).toFloat(&ok);
        if (!ok || !std::isfinite(*o.minScore) || *o.minScore < -1 || *o.minScore > 1)
            return QStringLiteral("--min-score takes a number from -1 to 1 (a cosine)");
    }
    o.notWeight = p.value(QStringLiteral("not-weight")).toFloat(&ok);
    if (!ok || !std::isfinite(o.notWeight)) return QStringLiteral("--not-weight takes a number");
    for (const char* name : {"after", "before"}) {
        if (!p.isSet(QLatin1String(name))) continue;
        const QDate d = QDate::fromString(p.value(QLatin1String(name)), Qt::ISODate);
        if (!d.isValid()) return QStringLiteral("--%1 takes a date as YYYY-MM-DD").arg(QLatin1String(name));
        const int64_t secs = d.startOfDay().toSecsSinceEpoch();
        (QLatin1String(name) == QLatin1String("after") ? o.after : o.before) = secs;
    }
    o.folder = p.value(QStringLiteral("folder"));
    o.goodOnly = p.isSet(QStringLiteral("good-only"));
    const QString sort = p.value(QStringLiteral("sort"));
    if (sort == QLatin1String("newest"))
        o.order = SearchOptions::Order::NewestFirst;
    else if (sort == QLatin1String("oldest"))
        o.order = SearchOptions::Order::OldestFirst;
    else if (sort != QLatin1String("relevance"))
        return QStringLiteral("--sort takes relevance, newest or oldest");
    o.tags = p.values(QStringLiteral("tag"));
    o.notTexts = p.values(QStringLiteral("not"));
    return {};
}

// 75.4 s as "1:15.4", the way players show a position.
QString videoTime(double seconds) {
    const int minutes = static_cast<int>(seconds / 60);
    return QStringLiteral("%1:%2").arg(minutes).arg(seconds - minutes * 60.0, 4, 'f', 1, QLatin1Char('0'));
}

int printResults(const QString& key, const QString& query, const std::vector<SearchResult>& results,
                 double elapsedMs, bool json, const QJsonObject& understood) {
    // Browsed (a query of only dates, names, tags or negatives): when each was taken instead of a score.
    const bool ranked =
        std::any_of(results.begin(), results.end(), [](const SearchResult& r) { return r.score != 0; });
    if (json) {
        QJsonArray rows;
        for (const SearchResult& r : results) {
            QJsonObject row{{QStringLiteral("path"), native_path::display(r.path)},
                            {QStringLiteral("score"), static_cast<double>(r.score)}};
            if (r.isVideo()) row.insert(QStringLiteral("time_s"), r.timeS);  // its best-matching moment
            row.insert(QStringLiteral("taken"),
                       QDateTime::fromSecsSinceEpoch(r.takenAt).toString(Qt::ISODate));
            if (ranked) {
                // Why this result: its semantic score's standing and group, and any name match.
                row.insert(QStringLiteral("good"), r.good);
                row.insert(QStringLiteral("standing"), r.standing);
                row.insert(QStringLiteral("name_matches"), r.nameMatches);
            }
            rows.append(row);
        }
        QJsonObject top{
            {key, query}, {QStringLiteral("elapsed_ms"), elapsedMs}, {QStringLiteral("results"), rows}};
        if (!understood.isEmpty()) top.insert(QStringLiteral("understood"), understood);
        print(top);
        return Ok;
    }
    QTextStream out(stdout);
    for (const SearchResult& r : results) {
        if (ranked)
            out << QString::number(r.score, 'f', 4) << (r.good ? "  good  " : "  more  ");
        else
            out << QDateTime::fromSecsSinceEpoch(r.takenAt).toString(QStringLiteral("yyyy-MM-dd")) << "  ";
        out << printable(r.path);
        if (r.isVideo()) out << "  (at " << videoTime(r.timeS) << ')';
        if (r.nameMatches) out << "  (name matches)";
        out << '\n';
    }
    out.flush();  // the results before the summary on stderr, when both go to one terminal
    const auto good =
        std::count_if(results.begin(), results.end(), [](const SearchResult& r) { return r.good; });
    QTextStream(stderr) << results.size() << " results"
                        << (ranked ? QStringLiteral(" (%1 good match%2)").arg(good).arg(good == 1 ? "" : "es")
                                   : QString())
                        << " in " << QString::number(elapsedMs, 'f', 1) << " ms\n";
    return Ok;
}

int indexCommand(const QStringList& arguments) {
    CommandLine cl(
        QStringLiteral("index"),
        QStringLiteral("Add folders to the library (remembered) and index what is new or changed; with no "
                       "folder, re-scan every known folder."),
        QStringLiteral("[FOLDER]... [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    cl.parser().addOption(
        {QStringLiteral("reindex"),
         QStringLiteral("Drop every vector and embed everything again (after changing the model).")});
    cl.parser().addOption(
        {QStringLiteral("background"),
         QStringLiteral("Run at the lowest CPU and disk priority: use only what other programs leave idle "
                        "(as the window's indexing does by default).")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    if (cl.parser().isSet(QStringLiteral("background"))) {
        QString why;
        if (!cpu_sharing::moveThisThreadToBackground(&why))
            QTextStream(stderr) << "warning: " << why << "; indexing at normal priority\n";
    }
    auto library = openLibrary(cl, true, /*verifyCatalog=*/true);
    for (const QString& folder : cl.parser().positionalArguments()) library->addFolder(folder);
    if (library->folders().empty()) {
        QTextStream(stderr) << "error: the library has no folders yet: photosearch-cli index FOLDER\n";
        return Usage;
    }
    if (cl.parser().isSet(QStringLiteral("reindex"))) library->resetVectors();

    IndexControl control;
    gControl = &control;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    const bool terminal = !cl.json() && isatty(fileno(stderr));
    IndexCallbacks callbacks;
    QTextStream err(stderr);
    callbacks.progress = [&](const IndexProgress& p) {
        if (!terminal) return;
        const int width = 30;
        const int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
        err << QStringLiteral("\r[%1%2] %3/%4  %5 photos/s  ETA %6 ")
                   .arg(QString(filled, QLatin1Char('#')), QString(width - filled, QLatin1Char('.')))
                   .arg(p.done)
                   .arg(p.total)
                   .arg(p.photosPerSecond, 0, 'f', 1)
                   .arg(duration(p.etaSeconds));
        err.flush();
    };
    callbacks.fileFailed = [&](const QString& path, const QString& error) {
        if (!cl.json())
            err << (terminal ? "\r" : "") << "failed: " << printable(path) << ": " << printable(error) << '\n'
                << Qt::flush;
    };
    const IndexReport r = library->index(callbacks, &control);
    gControl = nullptr;
    // The summary on a line of its own, after the progress bar (and the ^C the terminal echoed).
    if (terminal) err << '\n';
    err.flush();
    if (cl.json()) {
        QJsonArray failed;
        for (const auto& [path, error] : r.failed)
            failed.append(QJsonObject{{QStringLiteral("path"), native_path::display(path)},
                                      {QStringLiteral("error"), error}});
        print({{QStringLiteral("indexed"), n(r.indexed)},
               {QStringLiteral("unchanged"), n(r.unchanged)},
               {QStringLiteral("moved"), n(r.moved)},
               {QStringLiteral("copies"), n(r.copies)},
               {QStringLiteral("removed"), n(r.removed)},
               {QStringLiteral("offline"), n(r.offline)},
               {QStringLiteral("failed"), failed},
               {QStringLiteral("total"), n(r.total)},
               {QStringLiteral("elapsed_s"), r.elapsedSeconds},
               {QStringLiteral("stages_s"), r.stages.toJson()},
               {QStringLiteral("model_threads"), r.modelThreadsMost},
               {QStringLiteral("model_threads_fewest"), r.modelThreadsFewest},
               {QStringLiteral("cancelled"), r.cancelled}});
    } else {
        QTextStream(stdout)
            << QStringLiteral(
                   "%1 indexed, %2 unchanged, %3 moved, %4 copies, %5 removed, %6 offline, %7 failed; "
                   "%8 photos searchable (%9 s)%10\n")
                   .arg(r.indexed)
                   .arg(r.unchanged)
                   .arg(r.moved)
                   .arg(r.copies)
                   .arg(r.removed)
                   .arg(r.offline)
                   .arg(r.failed.size())
                   .arg(r.total)
                   .arg(r.elapsedSeconds, 0, 'f', 1)
                   .arg(r.cancelled ? QStringLiteral(" - interrupted; run again to continue") : QString());
    }
    return r.cancelled ? Interrupted : Ok;  // 130, as a shell reports a program ended by Ctrl-C
}

int similarCommand(const QStringList& arguments) {
    CommandLine cl(QStringLiteral("similar"),
                   QStringLiteral("Find photos that look like the given image (in the library or not)."),
                   QStringLiteral("PATH [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    addSearchOptions(cl);
    if (const int code = cl.parse(arguments); code >= 0) return code;
    SearchOptions o;
    QString problem = readSearchOptions(cl.parser(), o);
    if (problem.isEmpty() && cl.parser().positionalArguments().size() != 1)
        problem = QStringLiteral("similar needs exactly one PATH");
    if (!problem.isEmpty()) {
        QTextStream(stderr) << "error: " << problem << '\n';
        return Usage;
    }
    const QString path = cl.parser().positionalArguments().first();
    auto library = openLibrary(cl, false);
    library->modelId();
    QElapsedTimer timer;
    timer.start();
    const auto results = library->similar(path, o);
    return printResults(QStringLiteral("query"), path, results, timer.nsecsElapsed() / 1e6, cl.json());
}

int duplicatesCommand(const QStringList& arguments) {
    CommandLine cl(QStringLiteral("duplicates"),
                   QStringLiteral("Groups of near-identical photos: burst shots, copies, edits."),
                   QStringLiteral("[--threshold X] [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    cl.parser().addOption(
        {QStringLiteral("threshold"),
         QStringLiteral("Cosine similarity from which photos count as duplicates (default 0.95)."),
         QStringLiteral("X"), QStringLiteral("0.95")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    bool ok = false;
    const float threshold = cl.parser().value(QStringLiteral("threshold")).toFloat(&ok);
    if (!ok || threshold <= -1 || threshold > 1) {
        QTextStream(stderr) << "error: --threshold takes a number in (-1, 1]\n";
        return Usage;
    }
    auto library = openLibrary(cl, false);
    library->modelId();
    const auto groups = library->duplicates(threshold);
    if (cl.json()) {
        QJsonArray out;
        for (const auto& g : groups) {
            QJsonArray members;
            for (const SearchResult& r : g)
                members.append(QJsonObject{{QStringLiteral("path"), native_path::display(r.path)},
                                           {QStringLiteral("score"), r.score}});
            out.append(members);
        }
        print({{QStringLiteral("threshold"), threshold}, {QStringLiteral("groups"), out}});
        return Ok;
    }
    QTextStream out(stdout);
    for (const auto& g : groups) {
        for (const SearchResult& r : g)
            out << QString::number(r.score, 'f', 4) << "  " << printable(r.path) << '\n';
        out << '\n';
    }
    return Ok;
}

}  // namespace photosearch::cli
