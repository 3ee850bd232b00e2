// photosearch-cli model fetch | verify: getting the model.
#include "align_embedder.h"
#include "cli_commands.h"
#include "library_paths.h"
#include "model_downloader.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <unistd.h>
#include <csignal>
#include <cstdio>

namespace photosearch::cli {

namespace {

std::atomic<bool> gCancelFetch{false};
void onInterrupt(int) { gCancelFetch = true; }

QString bytes(double n) {
    const char* units[] = {"B", "KB", "MB", "GB"};
    int u = 0;
    while (n >= 1000 && u < 3) n /= 1000, ++u;
    return QString::number(n, 'f', u ? 1 : 0) + QLatin1Char(' ') + QLatin1String(units[u]);
}

int fetch(CommandLine& cl) {
    QCommandLineParser& p = cl.parser();
    ModelFetchOptions o;
    o.repo = p.value(QStringLiteral("repo"));
    o.revision = p.value(QStringLiteral("revision"));
    o.endpoint = p.value(QStringLiteral("endpoint"));
    o.destination = p.value(QStringLiteral("dest"));
    if (o.destination.isEmpty() && !p.isSet(QStringLiteral("repo")))
        o.destination = LibraryPaths::defaultModelDir();
    o.useHfCache = !p.isSet(QStringLiteral("no-hf-cache"));
    ModelDownloader downloader(o);
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    const bool terminal = !cl.json() && isatty(fileno(stderr));
    QTextStream err(stderr);
    QString lastFile;
    const FetchResult r = downloader.fetch(
        [&](const FetchProgress& f) {
            if (!terminal) return;
            if (f.file != lastFile && !lastFile.isEmpty()) err << '\n';
            lastFile = f.file;
            err << QStringLiteral("\r%1  %2 / %3  %4/s  ETA %5s   ")
                       .arg(f.file, -24)
                       .arg(bytes(f.done), bytes(f.total > 0 ? f.total : 0), bytes(f.bytesPerSecond))
                       .arg(f.etaSeconds < 0 ? QStringLiteral("?")
                                             : QString::number(static_cast<int>(f.etaSeconds)));
            err.flush();
        },
        &gCancelFetch);
    if (terminal && !lastFile.isEmpty()) err << '\n';
    if (cl.json()) {
        QTextStream(stdout) << QJsonDocument(
                                   QJsonObject{{QStringLiteral("model_dir"), r.modelDir},
                                               {QStringLiteral("commit"), r.commit},
                                               {QStringLiteral("from_hf_cache"), r.fromHfCache},
                                               {QStringLiteral("already_present"), r.alreadyPresent},
                                               {QStringLiteral("downloaded_bytes"),
                                                static_cast<qint64>(r.downloadedBytes)}})
                                   .toJson(QJsonDocument::Compact)
                            << '\n';
    } else if (r.fromHfCache) {
        QTextStream(stdout) << "using the Hugging Face cache: " << r.modelDir << '\n';
    } else if (r.alreadyPresent) {
        QTextStream(stdout) << "already there: " << r.modelDir << '\n';
    } else {
        QTextStream(stdout) << "downloaded " << bytes(r.downloadedBytes) << " to " << r.modelDir << '\n';
    }
    return Ok;
}

int verify(CommandLine& cl, const QString& dir) {
    auto embedder = AlignEmbedder::load({dir, QStringLiteral("cpu"), 1});
    embedder->loadText();  // the whole model is read, not only the image half a load reads
    const AlignConfig& c = embedder->config();
    if (cl.json()) {
        QTextStream(stdout) << QJsonDocument(
                                   QJsonObject{{QStringLiteral("model_dir"), dir},
                                               {QStringLiteral("ok"), true},
                                               {QStringLiteral("weights"), embedder->weightsPath()},
                                               {QStringLiteral("projection_dim"), c.projectionDim},
                                               {QStringLiteral("text_layers"), c.text.numHiddenLayers},
                                               {QStringLiteral("image_size"),
                                                embedder->processor().config().outputHeight()}})
                                   .toJson(QJsonDocument::Compact)
                            << '\n';
    } else {
        QTextStream(stdout) << dir << ": ok (" << QFileInfo(embedder->weightsPath()).fileName() << ", "
                            << c.projectionDim << "-d embeddings, " << c.text.numHiddenLayers
                            << " text layers, " << embedder->processor().config().outputHeight()
                            << " px images)\n";
    }
    return Ok;
}

}  // namespace

int modelCommand(const QStringList& arguments) {
    CommandLine cl(
        QStringLiteral("model"),
        QStringLiteral(
            "fetch: download an ALIGN model from the Hugging Face Hub (or use the one in the Hugging "
            "Face cache); verify: check a model folder."),
        QStringLiteral("fetch [--repo R] [--revision REV] [--endpoint URL] [--dest DIR] | verify [DIR]"));
    cl.addModelOptions();
    QCommandLineParser& p = cl.parser();
    p.addOption({QStringLiteral("repo"), QStringLiteral("Hub repository (default kakaobrain/align-base)."),
                 QStringLiteral("R"), QStringLiteral("kakaobrain/align-base")});
    p.addOption({QStringLiteral("revision"), QStringLiteral("Branch, tag or commit (default main)."),
                 QStringLiteral("REV"), QStringLiteral("main")});
    p.addOption({QStringLiteral("endpoint"),
                 QStringLiteral("Hub address (default $HF_ENDPOINT, else https://huggingface.co)."),
                 QStringLiteral("URL")});
    p.addOption(
        {QStringLiteral("dest"),
         QStringLiteral("Where to put the model (default: the model folder under your data directory)."),
         QStringLiteral("DIR")});
    p.addOption({QStringLiteral("no-hf-cache"),
                 QStringLiteral("Download even when the Hugging Face cache has the model.")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    const QStringList args = p.positionalArguments();
    if (args.value(0) == QLatin1String("fetch") && args.size() == 1) return fetch(cl);
    if (args.value(0) == QLatin1String("verify") && args.size() <= 2) {
        const QString dir = args.size() == 2
                                ? args[1]
                                : (p.isSet(QStringLiteral("model")) ? p.value(QStringLiteral("model"))
                                                                    : LibraryPaths::defaultModelDir());
        return verify(cl, dir);
    }
    QTextStream(stderr) << "error: model takes 'fetch' or 'verify [DIR]'\n";
    return Usage;
}

}  // namespace photosearch::cli
