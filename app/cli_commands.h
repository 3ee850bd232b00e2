#pragma once

#include <QCommandLineParser>
#include <QStringList>

namespace photosearch {
class AlignEmbedder;
}

namespace photosearch::cli {

// Exit codes (README, "Exit codes"): 0 success, 1 an error (stderr says "error: ..."), 2 a usage error or a
// request the library cannot answer (a folder or tag it does not have), and one code per kind of library
// fault a script may want to handle: 3 locked by another PhotoSearch, 4 indexed with another model,
// 5 catalog damaged, 6 disk full, 7 read-only, 8 no library at that path; 130 interrupted (Ctrl-C).
enum ExitCode {
    Ok = 0,
    Failure = 1,
    Usage = 2,
    Locked = 3,
    ModelMismatch = 4,
    CatalogDamaged = 5,
    DiskFull = 6,
    ReadOnly = 7,
    NoLibrary = 8,
    Interrupted = 130
};

// A path or text as it may be shown on a terminal: control characters (ESC, CR, BEL...) escaped as \xNN,
// so a file name cannot move the cursor, change colours or hide what precedes it.
QString printable(const QString& text);

int run(const QStringList& arguments);

// Options every command shares may come before the command, as git and cargo accept them:
// `photosearch-cli --library L --json index DIR` becomes `photosearch-cli index --library L --json DIR`.
// Returns the arguments with the command second, or an error text in `error`.
QStringList moveGlobalOptionsAfterCommand(const QStringList& arguments, QString* error);

// Shared by the commands: --model, --device, --threads, --json, --help, and parsing with our exit codes.
class CommandLine {
  public:
    CommandLine(const QString& command, const QString& description, const QString& synopsis);
    QCommandLineParser& parser() { return parser_; }
    const QCommandLineParser& parser() const { return parser_; }
    // What --precision means when it is not given. Commands whose output is ALIGN's numbers (embed,
    // classify) compute the reference's float32 arithmetic; commands whose output is a ranking follow
    // $PHOTOSEARCH_PRECISION, else auto (bfloat16 text weights where the CPU has them; measured to keep
    // rankings).
    enum class Precision { Reference, Ranking };
    void addModelOptions(Precision precision = Precision::Ranking);
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
int savedCommand(const QStringList& arguments);
int similarCommand(const QStringList& arguments);
int tagCommand(const QStringList& arguments);
int duplicatesCommand(const QStringList& arguments);
int statusCommand(const QStringList& arguments);
int foldersCommand(const QStringList& arguments);
int repairCommand(const QStringList& arguments);
int modelCommand(const QStringList& arguments);
int benchCommand(const QStringList& arguments);
// bench --decode: decoding time of each file as indexing decodes it (median of `repeats` runs).
int benchDecode(const QStringList& files, int repeats, bool json);
// bench --cut-off: the good-match cut-off's precision and recall on synthetic libraries.
int benchCutoff(bool json);
int benchLearning(bool json);

}  // namespace photosearch::cli
