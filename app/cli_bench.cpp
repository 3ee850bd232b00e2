// photosearch-cli bench: speed of the real pipeline on this machine, with the full-size architecture.
#include "align_embedder.h"
#include "align_error.h"
#include "cli_bench_support.h"
#include "cli_commands.h"
#include "compressed_vectors.h"
#include "image_decoder.h"
#include "model_weights.h"
#include "photo_library.h"
#include "vector_index.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/resource.h>
#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

namespace photosearch::cli {

namespace bench {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}
double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}
double currentRssMb() {
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toDouble() * 4096 / (1024.0 * 1024.0) : 0;
}
double peakRssMb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;
}

QString query(int i) {
    static const char* subjects[] = {"kids playing",   "a dog running",     "two people hiking",
                                     "a red car",      "an old lighthouse", "a birthday cake",
                                     "a cat sleeping", "a wedding dance"};
    static const char* places[] = {
        "on the beach at sunset", "in the snow",    "in a city street at night", "under a cloudy sky",
        "by a mountain lake",     "in the kitchen", "in a green park",           "at the airport"};
    static const char* extras[] = {"", " in summer", " in winter", " in black and white"};
    return QStringLiteral("%1 %2%3").arg(QLatin1String(subjects[i % 8]), QLatin1String(places[(i / 8) % 8]),
                                         QLatin1String(extras[(i / 64) % 4]));
}

}  // namespace bench

using namespace bench;

namespace {

// A model folder with the given architecture and random weights (speed does not depend on the values).
void writeRandomModel(const QString& configDir, const QString& vocabDir, const QString& out) {
    QDir().mkpath(out);
    for (const char* f : {"config.json", "preprocessor_config.json"})
        if (!QFile::copy(configDir + QLatin1Char('/') + f, out + QLatin1Char('/') + f))
            throw AlignError(std::string("cannot copy ") + f + " from " + configDir.toStdString());
    for (const char* f : {"vocab.txt", "tokenizer_config.json", "special_tokens_map.json"})
        QFile::copy(vocabDir + QLatin1Char('/') + f, out + QLatin1Char('/') + f);
    AlignModel model(AlignConfig::fromFile(out + QStringLiteral("/config.json")));
    initializeRandomly(*model);
    QJsonObject header;
    std::vector<torch::Tensor> tensors;
    int64_t offset = 0;
    auto add = [&](const std::string& name, const torch::Tensor& t) {
        auto c = t.detach().to(torch::kFloat32).contiguous();
        if (name.find("running_var") != std::string::npos) c = c.abs() + 0.5;  // a valid variance
        QJsonArray shape;
        for (int64_t d : c.sizes()) shape.append(static_cast<qint64>(d));
        const int64_t bytes = c.numel() * 4;
        header.insert(
            QString::fromStdString(name),
            QJsonObject{{QStringLiteral("dtype"), QStringLiteral("F32")},
                        {QStringLiteral("shape"), shape},
                        {QStringLiteral("data_offsets"),
                         QJsonArray{static_cast<qint64>(offset), static_cast<qint64>(offset + bytes)}}});
        offset += bytes;
        tensors.push_back(c);
    };
    for (const auto& p : model->named_parameters(true)) add(p.key(), p.value());
    for (const auto& b : model->named_buffers(true))
        if (b.key().find("num_batches_tracked") == std::string::npos) add(b.key(), b.value());
    const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    QFile f(out + QStringLiteral("/model.safetensors"));
    if (!f.open(QIODevice::WriteOnly)) throw AlignError("cannot write the benchmark model");
    const quint64 n = static_cast<quint64>(json.size());
    QByteArray len;
    for (int i = 0; i < 8; ++i) len.append(static_cast<char>((n >> (8 * i)) & 0xFF));
    f.write(len + json);
    for (const auto& t : tensors) f.write(reinterpret_cast<const char*>(t.data_ptr<float>()), t.numel() * 4);
}

}  // namespace

int benchCommand(const QStringList& arguments) {
    CommandLine cl(
        QStringLiteral("bench"),
        QStringLiteral("Measure indexing throughput and query latency on this machine with the full-size "
                       "architecture and random weights. A benchmark, not a test: it asserts nothing."),
        QStringLiteral("--config DIR --vocab DIR --images DIR [options]"));
    cl.addModelOptions();
    QCommandLineParser& p = cl.parser();
    p.addOption(
        {QStringLiteral("config"),
         QStringLiteral(
             "Folder with config.json and preprocessor_config.json (e.g. tests/data/align-base-config)."),
         QStringLiteral("DIR")});
    p.addOption({QStringLiteral("vocab"), QStringLiteral("Folder with vocab.txt and tokenizer_config.json."),
                 QStringLiteral("DIR")});
    p.addOption({QStringLiteral("images"), QStringLiteral("Folder of images to make the photos from."),
                 QStringLiteral("DIR")});
    p.addOption(
        {QStringLiteral("photos"),
         QStringLiteral("How many photos (default 48): 4032x3024, or with --mixed and --write-model a "
                        "mix of sizes."),
         QStringLiteral("N"), QStringLiteral("48")});
    p.addOption({QStringLiteral("mixed"),
                 QStringLiteral("With --write-model: the photos in the sizes of a phone-era library (12 MP "
                                "landscape and portrait, 24 MP, screenshots, 2-3 MP pictures) in year/album "
                                "folders, for end-to-end runs of `index` and the window.")});
    p.addOption({QStringLiteral("batch"),
                 QStringLiteral("Batch sizes to time the image model at (default 1,4,8)."),
                 QStringLiteral("LIST"), QStringLiteral("1,4,8")});
    p.addOption({QStringLiteral("write-model"),
                 QStringLiteral("Only write the random-weight model (and the photos, under DIR/photos) to "
                                "DIR, for other measurements (the GUI's), and stop."),
                 QStringLiteral("DIR")});
    p.addOption({QStringLiteral("vectors"),
                 QStringLiteral("Library sizes for query latency (default 100000)."), QStringLiteral("LIST"),
                 QStringLiteral("100000")});
    p.addOption(
        {QStringLiteral("scan-kernel"),
         QStringLiteral("The approximate index's scan: portable, avx2 or avx512-vnni (default: the best "
                        "this CPU has). With ONEDNN_MAX_CPU_ISA=AVX2 and --scan-kernel avx2 an "
                        "AVX-512 machine stands in for an AVX2-only one."),
         QStringLiteral("NAME")});
    p.addOption({QStringLiteral("cut-off"),
                 QStringLiteral("Only measure the good-match cut-off's precision and recall on synthetic "
                                "libraries with planted photos (no model), and stop.")});
    p.addOption({QStringLiteral("learning"),
                 QStringLiteral("Only measure how a label's suggestions improve with 0, 1, 5 and 20 "
                                "confirmations on synthetic libraries (no model), and stop.")});
    p.addOption({QStringLiteral("decode"),
                 QStringLiteral("Only time decoding FILE as indexing decodes it (repeatable: photos of any "
                                "format, videos by their sampled frames), and stop."),
                 QStringLiteral("FILE")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    if (p.isSet(QStringLiteral("cut-off"))) return benchCutoff(cl.json());
    if (p.isSet(QStringLiteral("learning"))) return benchLearning(cl.json());
    if (p.isSet(QStringLiteral("decode")))
        return benchDecode(p.values(QStringLiteral("decode")), 5, cl.json());
    if (p.isSet(QStringLiteral("mixed")) && !p.isSet(QStringLiteral("write-model"))) {
        QTextStream(stderr)
            << "error: --mixed only shapes the photos --write-model writes; the timed run uses "
               "4032x3024 photos. Add --write-model DIR, or leave out --mixed.\n";
        return Usage;
    }
    for (const char* required : {"config", "vocab", "images"})
        if (!p.isSet(QLatin1String(required))) {
            QTextStream(stderr) << "error: bench needs --" << required << '\n';
            return Usage;
        }
    QTextStream out(stdout);
    QTextStream err(stderr);
    QJsonObject report;
    if (p.isSet(QStringLiteral("scan-kernel"))) {
        using Kernel = CompressedVectors::Kernel;
        const std::map<QString, Kernel> names = {{QStringLiteral("portable"), Kernel::Portable},
                                                 {QStringLiteral("avx2"), Kernel::Avx2},
                                                 {QStringLiteral("avx512-vnni"), Kernel::Avx512Vnni}};
        const QString name = p.value(QStringLiteral("scan-kernel"));
        const auto it = names.find(name);
        const auto here = CompressedVectors::kernelsOnThisCpu();
        if (it == names.end() || std::find(here.begin(), here.end(), it->second) == here.end()) {
            err << "error: --scan-kernel " << name
                << ": not one of portable, avx2, avx512-vnni that this CPU runs\n";
            return Usage;
        }
        CompressedVectors::useKernel(it->second);
        report[QStringLiteral("scan_kernel")] = name;
    }
    const int threads = AlignEmbedder::applyThreads(p.value(QStringLiteral("threads")).toInt());
    report[QStringLiteral("threads")] = threads;

    QTemporaryDir tmp;
    const QString modelDir = p.isSet(QStringLiteral("write-model")) ? p.value(QStringLiteral("write-model"))
                                                                    : tmp.filePath(QStringLiteral("model"));
    err << "writing a random-weight model...\n";
    writeRandomModel(p.value(QStringLiteral("config")), p.value(QStringLiteral("vocab")), modelDir);
    err << "writing " << p.value(QStringLiteral("photos")) << " photos...\n";
    if (p.isSet(QStringLiteral("write-model"))) {
        const auto write = p.isSet(QStringLiteral("mixed")) ? bench::writeMixedCorpus : bench::writeCorpus;
        write(p.value(QStringLiteral("images")), modelDir + QStringLiteral("/photos"),
              p.value(QStringLiteral("photos")).toInt());
        return Ok;
    }
    const QStringList photos =
        bench::writeCorpus(p.value(QStringLiteral("images")), tmp.filePath(QStringLiteral("photos")),
                           p.value(QStringLiteral("photos")).toInt());

    // 1. The whole process, as a person runs it: a fresh library, model loading included.
    {
        QElapsedTimer t;
        t.start();
        auto lib = PhotoLibrary::open({tmp.filePath(QStringLiteral("library")), modelDir,
                                       p.value(QStringLiteral("device")), threads, true,
                                       p.value(QStringLiteral("precision")), false, QString()});
        lib->addFolder(tmp.filePath(QStringLiteral("photos")));
        const IndexReport r = lib->index();
        const double seconds = t.elapsed() / 1000.0;
        report[QStringLiteral("index_seconds")] = seconds;
        report[QStringLiteral("index_photos_per_second")] = r.indexed / seconds;
        report[QStringLiteral("index_peak_rss_mb")] = peakRssMb();
        const IndexReport::Stages& st = r.stages;
        report[QStringLiteral("index_stages_seconds")] = st.toJson();
        const double opened = seconds - r.elapsedSeconds;
        out << QStringLiteral("index %1 photos (fresh library, model load included): %2 s, %3 photos/s\n")
                   .arg(r.indexed)
                   .arg(seconds, 0, 'f', 1)
                   .arg(r.indexed / seconds, 0, 'f', 2);
        out << QStringLiteral(
                   "  stages: open library %1 s, load model + identity %2 s, scan %3 s, hash %4 s, embed %5 "
                   "s, write %6 s; "
                   "on the decode workers (overlapping): decode %7 s, preprocess %8 s; peak memory %9 MB\n")
                   .arg(opened, 0, 'f', 2)
                   .arg(st.loadModel, 0, 'f', 2)
                   .arg(st.scan, 0, 'f', 2)
                   .arg(st.hash, 0, 'f', 2)
                   .arg(st.embed, 0, 'f', 2)
                   .arg(st.write, 0, 'f', 2)
                   .arg(st.decode, 0, 'f', 2)
                   .arg(st.preprocess, 0, 'f', 2)
                   .arg(peakRssMb(), 0, 'f', 0);
    }

    // 2. Stages.
    QElapsedTimer loadTimer;
    loadTimer.start();
    auto embedder = AlignEmbedder::load(
        {modelDir, p.value(QStringLiteral("device")), threads, p.value(QStringLiteral("precision"))});
    report[QStringLiteral("model_load_seconds")] = loadTimer.elapsed() / 1000.0;
    out << QStringLiteral("model load alone (weights in the page cache): %1 s\n")
               .arg(loadTimer.elapsed() / 1000.0, 0, 'f', 2);
    const QString textWeights = QString::fromStdString(c10::toString(embedder->textWeightType()));
    report[QStringLiteral("text_weights")] = textWeights;
    out << QStringLiteral(
               "text model dense weights: %1%2 (this CPU %3 AVX512_BF16; PHOTOSEARCH_PRECISION=float32 or "
               "bfloat16 forces one)\n")
               .arg(textWeights,
                    embedder->textEncoderOnOneDnn() &&
                            embedder->textKernel() == DnnlTextEncoder::Kernel::Bfloat16Avx2
                        ? QStringLiteral(", widened on AVX2")
                        : QString(),
                    AlignEmbedder::cpuHasNativeBFloat16() ? QStringLiteral("has") : QStringLiteral("lacks"));
    std::vector<double> decode, decodeReduced, preprocess, preprocessReduced, levelDiffs;
    std::vector<PixelValues> pixels;
    const cv::Size reduceTo = embedder->processor().reducedDecodeSize();
    for (const QString& path : photos) {
        QElapsedTimer t;
        t.start();
        const DecodedImage img = ImageDecoder::decodeFile(path);
        decode.push_back(t.nsecsElapsed() / 1e6);
        t.restart();
        pixels.push_back(embedder->processor().preprocess(img.rgb));
        preprocess.push_back(t.nsecsElapsed() / 1e6);
        t.restart();
        const DecodedImage reduced = ImageDecoder::decodeFile(path, true, reduceTo);
        decodeReduced.push_back(t.nsecsElapsed() / 1e6);
        t.restart();
        const PixelValues fast = embedder->processor().preprocess(reduced.rgb);
        preprocessReduced.push_back(t.nsecsElapsed() / 1e6);
        // How far reduced-scale decoding moves the model input (random weights make embeddings meaningless
        // here; tst_image_processor measures the embeddings with the fixture model): mean |difference| in
        // levels of 255.
        double sum = 0;
        for (size_t i = 0; i < fast.data.size(); ++i) sum += std::abs(fast.data[i] - pixels.back().data[i]);
        levelDiffs.push_back(sum / static_cast<double>(fast.data.size()) /
                             embedder->processor().config().rescaleFactor);
    }
    report[QStringLiteral("decode_ms")] = median(decode);
    report[QStringLiteral("preprocess_ms")] = median(preprocess);
    report[QStringLiteral("reduced_decode_ms")] = median(decodeReduced);
    report[QStringLiteral("reduced_preprocess_ms")] = median(preprocessReduced);
    report[QStringLiteral("reduced_mean_abs_level_difference")] =
        *std::max_element(levelDiffs.begin(), levelDiffs.end());
    out << QStringLiteral("decode %1 ms, preprocess %2 ms per photo (median, one thread, full scale)\n")
               .arg(median(decode), 0, 'f', 1)
               .arg(median(preprocess), 0, 'f', 1);
    out << QStringLiteral(
               "reduced-scale JPEG decode %1 ms, preprocess %2 ms; the model input differs from the "
               "full-scale path by %3 levels of 255 on average (worst photo)\n")
               .arg(median(decodeReduced), 0, 'f', 1)
               .arg(median(preprocessReduced), 0, 'f', 1)
               .arg(*std::max_element(levelDiffs.begin(), levelDiffs.end()), 0, 'f', 3);
    QJsonObject modelRates;
    for (const QString& b : p.value(QStringLiteral("batch")).split(QLatin1Char(','))) {
        const size_t batch = static_cast<size_t>(std::max(1, b.toInt()));
        std::vector<PixelValues> slice(pixels.begin(),
                                       pixels.begin() + static_cast<long>(std::min(batch, pixels.size())));
        embedder->imageFeatures(slice);  // warm-up
        QElapsedTimer t;
        t.start();
        int done = 0;
        while (t.elapsed() < 8000 || done < 2 * static_cast<int>(batch)) {
            embedder->imageFeatures(slice);
            done += static_cast<int>(slice.size());
        }
        const double rate = done / (t.elapsed() / 1000.0);
        modelRates[b] = rate;
        out << QStringLiteral("image model, batch %1: %2 images/s\n").arg(b).arg(rate, 0, 'f', 2);
    }
    report[QStringLiteral("image_model_images_per_second")] = modelRates;

    // 3. Queries: text to ranked results.
    std::vector<double> bert;
    for (int i = 0; i < 20; ++i) {
        QElapsedTimer t;
        t.start();
        embedder->textFeatures({query(i)});
        bert.push_back(t.nsecsElapsed() / 1e6);
    }
    report[QStringLiteral("text_embedding_ms")] = median(bert);
    out << QStringLiteral("text embedding (tokenize + BERT, one query): %1 ms median\n")
               .arg(median(bert), 0, 'f', 1);
    QJsonObject queries;
    for (const QString& n : p.value(QStringLiteral("vectors")).split(QLatin1Char(','))) {
        const QJsonObject r =
            searchLatency(*embedder, n.toLongLong(), 20 + 30 * static_cast<int>(queries.size()), out);
        queries[n] = r;
    }
    report[QStringLiteral("query_latency")] = queries;
    report[QStringLiteral("peak_rss_mb")] = peakRssMb();
    out << QStringLiteral("peak resident memory: %1 MB\n").arg(peakRssMb(), 0, 'f', 0);

    // 4. What bfloat16 text weights cost in fidelity on the full-size BERT (after the memory figures: this
    //    loads a second, float32 model).
    if (embedder->textWeightType() == torch::kBFloat16) {
        auto exact = AlignEmbedder::load(
            {modelDir, p.value(QStringLiteral("device")), threads, QStringLiteral("float32")});
        std::vector<double> cosines, exactMs;
        for (int i = 0; i < 50; ++i) {
            const auto fast = embedder->textFeatures({query(i)});
            QElapsedTimer t;
            t.start();
            const auto reference = exact->textFeatures({query(i)});
            exactMs.push_back(t.nsecsElapsed() / 1e6);
            cosines.push_back(torch::cosine_similarity(fast, reference, 1).item<double>());
        }
        const double worst = *std::min_element(cosines.begin(), cosines.end());
        report[QStringLiteral("bfloat16_text_cosine_min")] = worst;
        report[QStringLiteral("float32_text_embedding_ms")] = median(exactMs);
        out << QStringLiteral(
                   "bfloat16 text weights against float32, 50 queries: cosine min %1, median %2; float32 "
                   "text embedding %3 ms median\n")
                   .arg(worst, 0, 'f', 6)
                   .arg(median(cosines), 0, 'f', 6)
                   .arg(median(exactMs), 0, 'f', 1);
    }
    if (cl.json()) out << QJsonDocument(report).toJson(QJsonDocument::Compact) << '\n';
    return Ok;
}

}  // namespace photosearch::cli
