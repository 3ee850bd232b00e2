// photosearch-cli status, folders, repair: what the library holds, its folders, and mending it.
#include "align_error.h"
#include "cli_commands.h"
#include "cli_library_support.h"
#include "library_paths.h"
#include "library_repair.h"
#include "native_path.h"
#include "photo_library.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTextStream>

namespace photosearch::cli {

int statusCommand(const QStringList& arguments) {
    CommandLine cl(QStringLiteral("status"), QStringLiteral("What the library holds."),
                   QStringLiteral("[options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    if (const int code = cl.parse(arguments); code >= 0) return code;
    auto library = openLibrary(cl, false);
    const LibraryStatus s = library->status();
    if (cl.json()) {
        QJsonArray folders;
        for (const auto& [path, count] : s.folders)
            folders.append(QJsonObject{{QStringLiteral("path"), native_path::display(path)},
                                       {QStringLiteral("photos"), n(count)}});
        print({{QStringLiteral("library"), library->dir()},
               {QStringLiteral("photos"), n(s.photos)},
               {QStringLiteral("indexed"), n(s.indexed)},
               {QStringLiteral("failed"), n(s.failed)},
               {QStringLiteral("offline"), n(s.offline)},
               {QStringLiteral("folders"), folders},
               {QStringLiteral("search_index"),
                QJsonObject{{QStringLiteral("kind"),
                             s.approximateIndex ? QStringLiteral("approximate") : QStringLiteral("exact")},
                            {QStringLiteral("vectors"), n(s.vectors)}}},
               {QStringLiteral("model"), QJsonObject{{QStringLiteral("id"), s.modelId},
                                                     {QStringLiteral("name"), s.modelName},
                                                     {QStringLiteral("dim"), s.dim}}}});
        return Ok;
    }
    QTextStream out(stdout);
    out << "library " << library->dir() << '\n'
        << s.photos << " photos: " << s.indexed << " indexed, " << s.failed << " failed, " << s.offline
        << " offline\n";
    for (const auto& [path, n] : s.folders) out << "  " << printable(path) << " (" << n << ")\n";
    out << "model "
        << (s.modelName.isEmpty() ? QStringLiteral("(none yet)")
                                  : s.modelName + QStringLiteral(" [") + s.modelId + QLatin1Char(']'))
        << '\n'
        << "search index "
        << (s.approximateIndex
                ? QStringLiteral("approximate (4-bit codes of every vector, the best re-ranked "
                                 "exactly)")
                : QStringLiteral("exact"))
        << ", " << s.vectors << (s.vectors == 1 ? " vector" : " vectors") << '\n';
    return Ok;
}

int foldersCommand(const QStringList& arguments) {
    CommandLine cl(QStringLiteral("folders"), QStringLiteral("List, add or remove the library's folders."),
                   QStringLiteral("list | add FOLDER... | remove FOLDER... [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    if (const int code = cl.parse(arguments); code >= 0) return code;
    QStringList args = cl.parser().positionalArguments();
    const QString action = args.isEmpty() ? QStringLiteral("list") : args.takeFirst();
    if ((action == QLatin1String("add") || action == QLatin1String("remove")) == args.isEmpty() &&
        action != QLatin1String("list")) {
        QTextStream(stderr) << "error: folders " << action << " needs at least one FOLDER\n";
        return Usage;
    }
    if (action != QLatin1String("list") && action != QLatin1String("add") &&
        action != QLatin1String("remove")) {
        QTextStream(stderr) << "error: folders takes list, add or remove, not '" << action << "'\n";
        return Usage;
    }
    auto library = openLibrary(cl, action != QLatin1String("list"));
    for (const QString& f : args) {
        if (action == QLatin1String("add"))
            library->addFolder(f);
        else if (!library->removeFolder(f))
            throw AlignError(f.toStdString() + ": not one of the library's folders");
    }
    QJsonArray list;
    QTextStream out(stdout);
    for (const FolderRecord& f : library->folders()) {
        list.append(f.path);
        if (!cl.json()) out << printable(f.path) << '\n';
    }
    if (cl.json()) print({{QStringLiteral("folders"), list}});
    return Ok;
}

int repairCommand(const QStringList& arguments) {
    CommandLine cl(
        QStringLiteral("repair"),
        QStringLiteral(
            "Check the library's catalog; when it is damaged, move it aside, restore the copy kept after the "
            "last successful run, and index again (re-using every vector the copy holds)."),
        QStringLiteral("[options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    if (const int code = cl.parse(arguments); code >= 0) return code;
    const QCommandLineParser& p = cl.parser();
    const QString dir = p.isSet(QStringLiteral("library")) ? p.value(QStringLiteral("library"))
                                                           : LibraryPaths::defaultLibraryDir();
    const RepairReport repaired = LibraryRepair::repair(dir);
    QJsonObject json{{QStringLiteral("damaged"), repaired.wasDamaged},
                     {QStringLiteral("problem"), repaired.problem}};
    if (!repaired.wasDamaged) {
        if (cl.json())
            print(json);
        else
            QTextStream(stdout) << "the catalog is fine (quick_check: ok); nothing to repair\n";
        return Ok;
    }
    QTextStream(stderr) << "the catalog was damaged (" << printable(repaired.problem) << "): moved to "
                        << printable(repaired.movedAside) << ", restored " << printable(repaired.restoredFrom)
                        << "; indexing again\n"
                        << Qt::flush;
    auto library = openLibrary(cl, true);
    const IndexReport r = library->index();
    json.insert(QStringLiteral("moved_aside"), repaired.movedAside);
    json.insert(QStringLiteral("restored_from"), repaired.restoredFrom);
    json.insert(QStringLiteral("indexed"), n(r.indexed));
    json.insert(QStringLiteral("unchanged"), n(r.unchanged));
    json.insert(QStringLiteral("total"), n(r.total));
    if (cl.json())
        print(json);
    else
        QTextStream(stdout)
            << QStringLiteral(
                   "repaired: %1 photos searchable (%2 unchanged since the copy, %3 indexed again)\n")
                   .arg(r.total)
                   .arg(r.unchanged)
                   .arg(r.indexed);
    return Ok;
}

}  // namespace photosearch::cli
