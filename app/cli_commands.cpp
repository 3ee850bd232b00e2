#include "cli_commands.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

namespace photosearch::cli {

namespace {

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const QStringList& args);
};

int printVersion(const QStringList&) {
    QTextStream(stdout) << QCoreApplication::applicationName() << ' ' << QCoreApplication::applicationVersion() << '\n';
    return Ok;
}

const Command kCommands[] = {
    {"version", "Print the version.", printVersion},
};

void printUsage(QTextStream& out) {
    out << "Usage: photosearch-cli COMMAND [options]\n\nCommands:\n";
    for (const Command& c : kCommands) out << QStringLiteral("  %1 %2\n").arg(QLatin1String(c.name), -10).arg(QLatin1String(c.summary));
    out << "\nRun 'photosearch-cli COMMAND --help' for the options of a command.\n";
}

}  // namespace

int run(const QStringList& arguments) {
    QTextStream out(stdout), err(stderr);
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
    for (const Command& c : kCommands)
        if (name == QLatin1String(c.name)) return c.run(arguments.mid(1));
    err << "error: unknown command '" << name << "'\n\n";
    printUsage(err);
    return Usage;
}

}  // namespace photosearch::cli
