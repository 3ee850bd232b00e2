#include "cli_commands.h"

#include "native_path.h"

#include "align_embedder.h"
#include "align_error.h"
#include "library_error.h"
#include "library_paths.h"
#include "native_path.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <QThread>

namespace photosearch::cli {

namespace {

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const QStringList& args);
};

int printVersion(const QStringList&) {
    QTextStream(stdout) << QCoreApplication::applicationName() << ' '
                        << QCoreApplication::applicationVersion() << '\n';
    return Ok;
}

const Command kCommands[] = {
    {"index", "Add folders and index their photos (incremental).", indexCommand},
    {"search", "Find photos by a description.", searchCommand},
    {"similar", "Find photos that look like an image.", similarCommand},
    {"saved", "List or delete saved searches (smart albums).", savedCommand},
    {"tag", "Zero-shot tag the photos of a folder.", tagCommand},
    {"duplicates", "Groups of near-identical photos.", duplicatesCommand},
    {"status", "What the library holds.", statusCommand},
    {"folders", "List, add or remove library folders.", foldersCommand},
    {"repair", "Restore a damaged catalog from its last good copy.", repairCommand},
    {"model", "Download (fetch) or check (verify) the ALIGN model.", modelCommand},
    {"embed", "Print the ALIGN embeddings of images and texts.", embedCommand},
    {"classify", "Zero-shot classify an image against text labels.", classifyCommand},
    {"bench", "Measure indexing and query speed on this machine.", benchCommand},
    {"version", "Print the version.", printVersion},
};

void printUsage(QTextStream& out) {
    out << "Usage: photosearch-cli COMMAND [options]\n\nCommands:\n";
    for (const Command& c : kCommands)
        out << QStringLiteral("  %1 %2\n").arg(QLatin1String(c.name), -11).arg(QLatin1String(c.summary));
    out << "\nOptions every command accepts: --model DIR, --device auto|cpu|cuda, --threads N, --precision "
           "P, --json,\n"
           "--help; the library commands also --library DIR. They may stand before or after the command.\n"
           "Run 'photosearch-cli COMMAND --help' for the options of a command.\n";
}

}  // namespace

CommandLine::CommandLine(const QString& command, const QString& description, const QString& synopsis)
    : command_(command), synopsis_(synopsis) {
    parser_.setApplicationDescription(description);
    parser_.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser_.addHelpOption();
    parser_.addVersionOption();
    parser_.addOption({QStringLiteral("json"), QStringLiteral("Print JSON for machines.")});
}

void CommandLine::addModelOptions(Precision precision) {
    parser_.addOption({QStringLiteral("model"),
                       QStringLiteral("The ALIGN model folder (default: $PHOTOSEARCH_MODEL, else %1).")
                           .arg(LibraryPaths::defaultModelDir()),
                       QStringLiteral("DIR")});
    parser_.addOption({QStringLiteral("device"),
                       QStringLiteral("auto (CUDA when available), cpu or cuda[:N]."),
                       QStringLiteral("DEVICE"), QStringLiteral("auto")});
    parser_.addOption({QStringLiteral("threads"),
                       QStringLiteral("CPU threads for the model (default: one per core)."),
                       QStringLiteral("N"), QStringLiteral("0")});
    const QString choices = QStringLiteral(
        "float32 (the reference's arithmetic), auto (bfloat16 text weights on CPUs with "
        "AVX512_BF16 or AVX2, float16 on CUDA), float16 (CUDA) or bfloat16");
    if (precision == Precision::Reference)
        parser_.addOption({QStringLiteral("precision"),
                           choices + QStringLiteral(" (default: float32, ALIGN's own numbers)."),
                           QStringLiteral("P"), QStringLiteral("float32")});
    else
        parser_.addOption({QStringLiteral("precision"),
                           choices + QStringLiteral(" (default: $PHOTOSEARCH_PRECISION, else auto)."),
                           QStringLiteral("P"), EmbedderOptions::defaultPrecision()});
}

int CommandLine::parse(const QStringList& arguments) {
    QTextStream err(stderr);
    if (!parser_.parse(arguments)) {
        err << "error: " << parser_.errorText() << "\nRun 'photosearch-cli " << command_
            << " --help' for usage.\n";
        return Usage;
    }
    if (parser_.isSet(QStringLiteral("help"))) {
        QString help = parser_.helpText();
        const QString firstLine = help.section(QLatin1Char('\n'), 0, 0);
        help.replace(0, firstLine.size(),
                     QStringLiteral("Usage: photosearch-cli %1 %2").arg(command_, synopsis_));
        QTextStream(stdout) << help;
        return Ok;
    }
    if (parser_.isSet(QStringLiteral("version"))) return printVersion({});
    if (parser_.optionNames().contains(QStringLiteral("threads")) ||
        parser_.isSet(QStringLiteral("threads"))) {
        bool ok = false;
        const int threads = parser_.value(QStringLiteral("threads")).toInt(&ok);
        if (!ok || threads < 0) {
            err << "error: --threads takes a whole number (0 for one per core), got '"
                << parser_.value(QStringLiteral("threads")) << "'\n";
            return Usage;
        }
        // More threads than cores only adds switching; thousands exhaust memory before any work is done.
        const int most = std::max(64, 8 * QThread::idealThreadCount());
        if (threads > most) {
            err << "error: --threads " << threads << " is more than this machine can use (it has "
                << QThread::idealThreadCount() << " cores; at most " << most << ")\n";
            return Usage;
        }
    }
    return -1;
}

std::unique_ptr<AlignEmbedder> CommandLine::loadEmbedder() const {
    EmbedderOptions options;
    options.modelDir = parser_.isSet(QStringLiteral("model")) ? parser_.value(QStringLiteral("model"))
                                                              : LibraryPaths::defaultModelDir();
    options.device = parser_.value(QStringLiteral("device"));
    options.threads = parser_.value(QStringLiteral("threads")).toInt();
    options.precision = parser_.value(QStringLiteral("precision"));
    return AlignEmbedder::load(options);
}

QStringList moveGlobalOptionsAfterCommand(const QStringList& arguments, QString* error) {
    static const QStringList withValue{QStringLiteral("library"), QStringLiteral("model"),
                                       QStringLiteral("device"), QStringLiteral("threads"),
                                       QStringLiteral("precision")};
    static const QStringList flags{QStringLiteral("json")};
    QStringList globals;
    int i = 1;
    for (; i < arguments.size(); ++i) {
        const QString& a = arguments.at(i);
        if (!a.startsWith(QLatin1Char('-')) || a == QLatin1String("-")) break;
        const QString name = a.mid(a.startsWith(QLatin1String("--")) ? 2 : 1).section(QLatin1Char('='), 0, 0);
        if (flags.contains(name) && !a.contains(QLatin1Char('='))) {
            globals << a;
        } else if (withValue.contains(name)) {
            globals << a;
            if (!a.contains(QLatin1Char('='))) {
                if (i + 1 >= arguments.size()) {
                    *error = QStringLiteral("--%1 needs a value").arg(name);
                    return {};
                }
                globals << arguments.at(++i);
            }
        } else {
            break;  // --help, --version or an unknown option: run() answers those
        }
    }
    if (globals.isEmpty() || i >= arguments.size() || arguments.at(i).startsWith(QLatin1Char('-'))) {
        if (!globals.isEmpty() && i >= arguments.size())
            *error = QStringLiteral("no command after the options");
        return globals.isEmpty() ? arguments : QStringList{arguments.first()} + arguments.mid(i);
    }
    // The command's own parser sees the global options first; a later repetition wins as usual.
    return QStringList{arguments.first(), arguments.at(i)} + globals + arguments.mid(i + 1);
}

QString printable(const QString& raw) {
    const QString text = native_path::display(raw);  // bytes of a name that are not UTF-8: \xNN
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        const ushort u = c.unicode();
        if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0))
            out += QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

namespace {

struct Fault {
    int code;
    const char* kind;
};

Fault faultOf(const LibraryError& e) {
    switch (e.kind()) {
        case LibraryErrorKind::Locked:
            return {Locked, "locked"};
        case LibraryErrorKind::ModelMismatch:
            return {ModelMismatch, "model_mismatch"};
        case LibraryErrorKind::CatalogDamaged:
            return {CatalogDamaged, "catalog_damaged"};
        case LibraryErrorKind::DiskFull:
            return {DiskFull, "disk_full"};
        case LibraryErrorKind::ReadOnly:
            return {ReadOnly, "read_only"};
        case LibraryErrorKind::NoLibrary:
            return {NoLibrary, "no_library"};
        case LibraryErrorKind::InvalidRequest:
            return {Usage, "invalid_request"};
    }
    return {Failure, "error"};
}

// stderr always says "error: ..."; with --json the same error is also a JSON object on stdout, so a program
// reading stdout learns what happened too.
int report(const QStringList& arguments, int code, const char* kind, const QString& message) {
    QTextStream(stderr) << "error: " << printable(message) << '\n';
    if (arguments.contains(QStringLiteral("--json")) || arguments.contains(QStringLiteral("-json")))
        QTextStream(stdout) << QJsonDocument(
                                   QJsonObject{{QStringLiteral("error"),
                                                QJsonObject{{QStringLiteral("kind"), QLatin1String(kind)},
                                                            {QStringLiteral("message"), message},
                                                            {QStringLiteral("exit_code"), code}}}})
                                   .toJson(QJsonDocument::Compact)
                            << '\n';
    return code;
}

}  // namespace

int run(const QStringList& original) {
    QTextStream out(stdout), err(stderr);
    QString optionError;
    const QStringList arguments = moveGlobalOptionsAfterCommand(original, &optionError);
    if (!optionError.isEmpty()) {
        err << "error: " << optionError << "\n\n";
        printUsage(err);
        return Usage;
    }
    if (arguments.size() < 2) {
        printUsage(err);
        return Usage;
    }
    const QString name = arguments.at(1);
    if (name == QLatin1String("--help") || name == QLatin1String("-h") || name == QLatin1String("help")) {
        printUsage(out);
        return Ok;
    }
    if (name == QLatin1String("--version") || name == QLatin1String("-v")) return printVersion({});
    for (const Command& c : kCommands) {
        if (name != QLatin1String(c.name)) continue;
        try {
            return c.run(arguments.mid(1));
        } catch (const ModelNotFoundError& e) {
            return report(arguments, Failure, "no_model",
                          QString::fromUtf8(e.what()) +
                              QStringLiteral("; run 'photosearch-cli model fetch' or pass --model DIR"));
        } catch (const LibraryError& e) {
            const Fault f = faultOf(e);
            return report(arguments, f.code, f.kind, QString::fromUtf8(e.what()));
        } catch (const std::exception& e) {
            // AlignError messages already name the file, key or tensor; LibTorch's carry a backtrace.
            const QString message =
                QString::fromUtf8(e.what()).section(QStringLiteral("\nException raised from"), 0, 0);
            return report(arguments, Failure, "error", message.trimmed());
        }
    }
    err << "error: unknown command '" << name << "'\n\n";
    printUsage(err);
    return Usage;
}

}  // namespace photosearch::cli
