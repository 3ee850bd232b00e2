#pragma once

#include <QCommandLineParser>
#include <QStringList>

namespace photosearch {
class AlignEmbedder;
}

namespace photosearch::cli {

// Exit codes: 0 success, 1 an error (stderr says "error: ..."), 2 a usage error.
enum ExitCode { Ok = 0, Failure = 1, Usage = 2 };

int run(const QStringList& arguments);

// Shared by the commands: --model, --device, --threads, --json, --help, and parsing with our exit codes.
class CommandLine {
public:
    CommandLine(const QString& command, const QString& description, const QString& synopsis);
    QCommandLineParser& parser() { return parser_; }
    const QCommandLineParser& parser() const { return parser_; }
    void addModelOptions();
    // Parses; returns -1 to go on, else the exit code to return (help printed, or a usage error).
    int parse(const QStringList& arguments);
    bool json() const { return parser_.isSet(QStringLiteral("json")); }
    std::unique_ptr<AlignEmbedder> loadEmbedder() const;

private:
    QCommandLineParser parser_;
    QString command_;
    QString synopsis_;
};

int embedCommand(const QStringList& arguments);
int classifyCommand(const QStringList& arguments);
int indexCommand(const QStringList& arguments);
int searchCommand(const QStringList& arguments);
int similarCommand(const QStringList& arguments);
int tagCommand(const QStringList& arguments);
int duplicatesCommand(const QStringList& arguments);
int statusCommand(const QStringList& arguments);
int foldersCommand(const QStringList& arguments);
int modelCommand(const QStringList& arguments);
int benchCommand(const QStringList& arguments);

}  // namespace photosearch::cli
