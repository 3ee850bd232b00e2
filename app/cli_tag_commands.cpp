// photosearch-cli tag: zero-shot labels for a folder, labels that learn from a person's corrections
// (accept, reject, suggest, suggestions) and XMP sidecars other photo tools read (export). #18.
#include "align_error.h"
#include "cli_commands.h"
#include "cli_library_support.h"
#include "library_search.h"
#include "native_path.h"
#include "photo_library.h"
#include "tag_teacher.h"
#include "xmp_sidecar.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>

namespace photosearch::cli {
namespace {

QStringList suggestedNames(const PhotoCatalog& catalog, int64_t photo) {
    QStringList out;
    for (const auto& [tag, standing] : catalog.suggestions(photo)) out << tag;
    return out;
}

QJsonArray jsonList(const QStringList& l) { return QJsonArray::fromStringList(l); }

// The photos of the library at `paths` as the catalog keys them; the others named on stderr.
QStringList libraryPaths(const PhotoLibrary& library, const QStringList& paths) {
    QStringList out;
    for (const QString& p : paths) {
        const QFileInfo info(p);
        const QString full =
            info.canonicalFilePath().isEmpty() ? info.absoluteFilePath() : info.canonicalFilePath();
        if (library.catalog().photoByPath(full))
            out << full;
        else
            QTextStream(stderr) << printable(native_path::display(p))
                                << ": not a photo of this library (index its folder first); passed over\n";
    }
    return out;
}

int zeroShot(const QStringList& arguments) {
    CommandLine cl(
        QStringLiteral("tag"),
        QStringLiteral(
            "Zero-shot tag the indexed photos under FOLDER with your labels. Each label becomes a label "
            "that learns: a photo is suggested every label whose calibrated confidence clears that label's "
            "threshold (several, or none), and `tag accept|reject` teach it. The probabilities over the "
            "label set are shown too."),
        QStringLiteral("FOLDER --label L [--label L]... [--template 'a photo of {}'] [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    cl.parser().addOption({QStringLiteral("label"), QStringLiteral("A label (repeatable, at least one)."),
                           QStringLiteral("L")});
    cl.parser().addOption({QStringLiteral("template"),
                           QStringLiteral("Prompt template; {} stands for the label."), QStringLiteral("T")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    const QStringList labels = cl.parser().values(QStringLiteral("label"));
    if (cl.parser().positionalArguments().size() != 1 || labels.isEmpty()) {
        QTextStream(stderr) << "error: tag needs one FOLDER and at least one --label\n";
        return Usage;
    }
    auto library = openLibrary(cl, true);
    const QString templ = cl.parser().value(QStringLiteral("template"));
    const auto tagged = library->computeTags(cl.parser().positionalArguments().first(), labels, templ);
    TagTeacher(*library).addLabels(labels, templ);
    const PhotoCatalog& catalog = library->catalog();
    if (cl.json()) {
        QJsonArray photos;
        for (const TaggedPhoto& t : tagged) {
            QJsonArray probs;
            for (const auto& [label, p] : t.probabilities)
                probs.append(QJsonObject{{QStringLiteral("label"), label},
                                         {QStringLiteral("probability"), static_cast<double>(p)}});
            photos.append(QJsonObject{{QStringLiteral("path"), native_path::display(t.path)},
                                      {QStringLiteral("tag"), t.tag},
                                      {QStringLiteral("suggested"), jsonList(suggestedNames(catalog, t.id))},
                                      {QStringLiteral("labels"), probs}});
        }
        print({{QStringLiteral("photos"), photos}});
        return Ok;
    }
    QTextStream out(stdout);
    for (const TaggedPhoto& t : tagged) {
        float best = 0;
        for (const auto& [label, p] : t.probabilities) best = std::max(best, p);
        const QStringList s = suggestedNames(catalog, t.id);
        out << (s.isEmpty() ? QStringLiteral("(none)") : printable(s.join(QStringLiteral(", "))))
            << QStringLiteral("  [most probable: %1 %2%]  ").arg(printable(t.tag)).arg(best * 100, 0, 'f', 1)
            << printable(native_path::display(t.path)) << '\n';
    }
    return Ok;
}

int judge(const QStringList& arguments, bool accepted) {
    const QString verb = accepted ? QStringLiteral("accept") : QStringLiteral("reject");
    CommandLine cl(QStringLiteral("tag ") + verb,
                   accepted
                       ? QStringLiteral("Confirm that the photos show LABEL: they carry the tag, and the "
                                        "label learns from them (suggestions are recomputed).")
                       : QStringLiteral("Say the photos do not show LABEL: they lose the tag, are never "
                                        "suggested it again, and the label learns from them."),
                   QStringLiteral("PATH... --label L [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    cl.parser().addOption({QStringLiteral("label"), QStringLiteral("The label."), QStringLiteral("L")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    const QString label = cl.parser().value(QStringLiteral("label")).simplified();
    if (cl.parser().positionalArguments().isEmpty() || label.isEmpty()) {
        QTextStream(stderr) << "error: tag " << verb << " needs at least one PATH and --label L\n";
        return Usage;
    }
    auto library = openLibrary(cl, true);
    const QStringList paths = libraryPaths(*library, cl.parser().positionalArguments());
    if (paths.isEmpty()) {
        QTextStream(stderr) << "error: none of the paths is a photo of this library\n";
        return Usage;
    }
    TagTeacher(*library).judge(paths, label, accepted);
    const auto failures = library->writeSidecarsIfAutomatic(paths);
    for (const QString& f : failures) QTextStream(stderr) << "warning: " << printable(f) << '\n';
    const int64_t confirmed = int64_t(library->catalog().photosConfirmed(label).size());
    const int64_t rejected = int64_t(library->catalog().photosRejected(label).size());
    const int64_t suggested = int64_t(library->catalog().photosSuggested(label).size());
    if (cl.json()) {
        print({{QStringLiteral("label"), label},
               {accepted ? QStringLiteral("accepted") : QStringLiteral("rejected"), n(paths.size())},
               {QStringLiteral("confirmed"), n(confirmed)},
               {QStringLiteral("rejected_in_all"), n(rejected)},
               {QStringLiteral("suggested"), n(suggested)}});
        return Ok;
    }
    QTextStream(stdout) << printable(label) << ": " << paths.size() << (accepted ? " accepted" : " rejected")
                        << "; now " << confirmed << " confirmed, " << rejected << " rejected, " << suggested
                        << " suggested\n";
    return Ok;
}

int suggest(const QStringList& arguments) {
    CommandLine cl(QStringLiteral("tag suggest"),
                   QStringLiteral("Make each LABEL a label that learns and suggest it for the library's "
                                  "photos (with --list: show the suggestions of every label, or of those "
                                  "given, without changing anything)."),
                   QStringLiteral("[--label L]... [--template T] [--list] [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    cl.parser().addOption(
        {QStringLiteral("label"), QStringLiteral("A label (repeatable)."), QStringLiteral("L")});
    cl.parser().addOption(
        {QStringLiteral("template"),
         QStringLiteral("Prompt template; {} stands for the label (default 'a photo of {}')."),
         QStringLiteral("T")});
    cl.parser().addOption({QStringLiteral("list"), QStringLiteral("Only list the suggestions.")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    QStringList labels = cl.parser().values(QStringLiteral("label"));
    const bool list = cl.parser().isSet(QStringLiteral("list"));
    if (labels.isEmpty() && !list) {
        QTextStream(stderr) << "error: tag suggest needs --label L (or --list)\n";
        return Usage;
    }
    auto library = openLibrary(cl, !list);
    if (!list) TagTeacher(*library).addLabels(labels, cl.parser().value(QStringLiteral("template")));
    const PhotoCatalog& catalog = library->catalog();
    if (labels.isEmpty())
        for (const LabelRecord& l : catalog.labels()) labels << l.name;
    QJsonArray all;
    QTextStream out(stdout);
    for (const QString& label : labels) {
        const auto photos = catalog.photosSuggested(label.simplified());
        QJsonArray rows;
        if (!cl.json()) out << printable(label) << ": " << photos.size() << " suggested\n";
        for (const auto& [id, standing] : photos) {
            const auto p = catalog.photo(id);
            if (!p) continue;
            if (cl.json())
                rows.append(QJsonObject{{QStringLiteral("path"), native_path::display(p->path)},
                                        {QStringLiteral("standing"), double(standing)}});
            else if (list)
                out << QStringLiteral("  %1  ").arg(double(standing), 5, 'f', 1)
                    << printable(native_path::display(p->path)) << '\n';
        }
        all.append(QJsonObject{{QStringLiteral("label"), label}, {QStringLiteral("photos"), rows}});
    }
    if (cl.json()) print({{QStringLiteral("labels"), all}});
    return Ok;
}

int exportSidecars(const QStringList& arguments) {
    CommandLine cl(
        QStringLiteral("tag export"),
        QStringLiteral("Write the photos' confirmed tags (with --suggested, their suggested ones too) "
                       "into XMP sidecars that digiKam, darktable and Lightroom read, merged with what "
                       "a sidecar holds. The photos themselves are never changed."),
        QStringLiteral("[FOLDER] [--style digikam|lightroom] [--suggested] [options]"));
    cl.addModelOptions();
    addLibraryOption(cl);
    cl.parser().addOption({QStringLiteral("style"),
                           QStringLiteral("digikam: photo.jpg.xmp (digiKam, darktable; the default); "
                                          "lightroom: photo.xmp."),
                           QStringLiteral("STYLE"), QStringLiteral("digikam")});
    cl.parser().addOption({QStringLiteral("suggested"), QStringLiteral("Write suggested tags too.")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    const QString style = cl.parser().value(QStringLiteral("style"));
    if (style != QLatin1String("digikam") && style != QLatin1String("lightroom")) {
        QTextStream(stderr) << "error: --style is digikam or lightroom\n";
        return Usage;
    }
    if (cl.parser().positionalArguments().size() > 1) {
        QTextStream(stderr) << "error: tag export takes at most one FOLDER\n";
        return Usage;
    }
    auto library = openLibrary(cl, false);
    const QString folder = cl.parser().positionalArguments().value(0);
    const PhotoLibrary::SidecarReport r = library->writeSidecars(
        folder.isEmpty() ? QString() : canonicalFolder(folder),
        style == QLatin1String("lightroom") ? XmpSidecar::Style::Lightroom : XmpSidecar::Style::DigiKam,
        cl.parser().isSet(QStringLiteral("suggested")));
    for (const QString& f : r.failures) QTextStream(stderr) << "error: " << printable(f) << '\n';
    if (cl.json()) {
        print({{QStringLiteral("written"), n(r.written)},
               {QStringLiteral("up_to_date"), n(r.upToDate)},
               {QStringLiteral("failed"), jsonList(r.failures)}});
    } else {
        QTextStream(stdout) << r.written << " sidecars written, " << r.upToDate << " already up to date, "
                            << r.failures.size() << " could not be written\n";
    }
    return r.failures.isEmpty() ? Ok : Failure;
}

}  // namespace

int tagCommand(const QStringList& given) {
    // `tag --library L suggest ...` as `tag suggest --library L ...`: options shared by every command may
    // come before the sub-command too.
    QString error;
    QStringList arguments = moveGlobalOptionsAfterCommand(given, &error);
    if (arguments.isEmpty()) arguments = given;
    const QString sub = arguments.value(1);
    const QStringList rest = QStringList{arguments.value(0) + QLatin1Char(' ') + sub} + arguments.mid(2);
    if (sub == QLatin1String("accept")) return judge(rest, true);
    if (sub == QLatin1String("reject")) return judge(rest, false);
    if (sub == QLatin1String("suggest")) return suggest(rest);
    if (sub == QLatin1String("export")) return exportSidecars(rest);
    return zeroShot(arguments);
}

}  // namespace photosearch::cli
