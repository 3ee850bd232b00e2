// photosearch-cli embed and classify: the model alone, no library.
#include "align_embedder.h"
#include "align_error.h"
#include "cli_commands.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <vector>

namespace photosearch::cli {

namespace {

QJsonArray toJson(const torch::Tensor& row) {
    QJsonArray a;
    const auto values = row.contiguous();
    const float* p = values.data_ptr<float>();
    for (int64_t i = 0; i < values.numel(); ++i) a.append(static_cast<double>(p[i]));
    return a;
}

QJsonArray toJson(const std::vector<int64_t>& ids) {
    QJsonArray a;
    for (int64_t id : ids) a.append(static_cast<qint64>(id));
    return a;
}

QString preview(const torch::Tensor& row) {
    QStringList parts;
    for (int64_t i = 0; i < std::min<int64_t>(4, row.numel()); ++i)
        parts << QString::number(row[i].item<float>(), 'f', 4);
    return QStringLiteral("[%1, ...] (%2 values, norm %3)")
        .arg(parts.join(QStringLiteral(", ")))
        .arg(row.numel())
        .arg(row.norm().item<float>(), 0, 'f', 4);
}

std::vector<PixelValues> preprocessAll(const AlignEmbedder& embedder, const QStringList& paths) {
    std::vector<PixelValues> images;
    for (const QString& path : paths) images.push_back(embedder.processor().preprocessFile(path));
    return images;
}

}  // namespace

int embedCommand(const QStringList& arguments) {
    CommandLine cl(
        QStringLiteral("embed"),
        QStringLiteral("Print ALIGN embeddings: get_image_features for each --image and get_text_features "
                       "for each --text (raw, not normalised)."),
        QStringLiteral("[--image PATH]... [--text TEXT]... [options]"));
    cl.addModelOptions(CommandLine::Precision::Reference);
    cl.parser().addOption({QStringLiteral("image"), QStringLiteral("An image file to embed (repeatable)."),
                           QStringLiteral("PATH")});
    cl.parser().addOption(
        {QStringLiteral("text"), QStringLiteral("A text to embed (repeatable)."), QStringLiteral("TEXT")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    const QStringList images = cl.parser().values(QStringLiteral("image"));
    const QStringList texts = cl.parser().values(QStringLiteral("text"));
    if (images.isEmpty() && texts.isEmpty()) {
        QTextStream(stderr) << "error: nothing to embed: give at least one --image or --text\n";
        return Usage;
    }
    if (!cl.parser().positionalArguments().isEmpty()) {
        QTextStream(stderr) << "error: unexpected argument '" << cl.parser().positionalArguments().first()
                            << "' (use --image PATH or --text TEXT)\n";
        return Usage;
    }

    auto embedder = cl.loadEmbedder();
    const torch::Tensor imageFeatures = embedder->imageFeatures(preprocessAll(*embedder, images));
    const std::vector<QString> textList(texts.begin(), texts.end());
    const torch::Tensor textFeatures = embedder->textFeatures(textList);

    QTextStream out(stdout);
    if (cl.json()) {
        QJsonArray imageArray, textArray;
        for (int i = 0; i < images.size(); ++i)
            imageArray.append(QJsonObject{{QStringLiteral("path"), images[i]},
                                          {QStringLiteral("embedding"), toJson(imageFeatures[i])}});
        for (int i = 0; i < texts.size(); ++i)
            textArray.append(QJsonObject{
                {QStringLiteral("text"), texts[i]},
                {QStringLiteral("input_ids"), toJson(embedder->tokenizer().encode(texts[i]).inputIds)},
                {QStringLiteral("embedding"), toJson(textFeatures[i])}});
        out << QJsonDocument(
                   QJsonObject{{QStringLiteral("images"), imageArray}, {QStringLiteral("texts"), textArray}})
                   .toJson(QJsonDocument::Compact)
            << '\n';
        return Ok;
    }
    for (int i = 0; i < images.size(); ++i)
        out << "image " << images[i] << "\n  " << preview(imageFeatures[i]) << '\n';
    for (int i = 0; i < texts.size(); ++i)
        out << "text \"" << texts[i] << "\"\n  " << preview(textFeatures[i]) << '\n';
    return Ok;
}

int classifyCommand(const QStringList& arguments) {
    CommandLine cl(QStringLiteral("classify"),
                   QStringLiteral("Zero-shot classification: the probability of each --label for the image "
                                  "(softmax over logits_per_image, as in the Hugging Face example)."),
                   QStringLiteral("--image PATH --label TEXT [--label TEXT]... [options]"));
    cl.addModelOptions(CommandLine::Precision::Reference);
    cl.parser().addOption(
        {QStringLiteral("image"), QStringLiteral("The image to classify."), QStringLiteral("PATH")});
    cl.parser().addOption({QStringLiteral("label"),
                           QStringLiteral("A candidate label (repeatable, at least one)."),
                           QStringLiteral("TEXT")});
    if (const int code = cl.parse(arguments); code >= 0) return code;
    const QStringList images = cl.parser().values(QStringLiteral("image"));
    const QStringList labels = cl.parser().values(QStringLiteral("label"));
    if (images.size() != 1 || labels.isEmpty()) {
        QTextStream(stderr) << "error: classify needs exactly one --image and at least one --label\n";
        return Usage;
    }

    auto embedder = cl.loadEmbedder();
    const torch::Tensor imageFeatures = embedder->imageFeatures(preprocessAll(*embedder, images));
    const torch::Tensor textFeatures =
        embedder->textFeatures(std::vector<QString>(labels.begin(), labels.end()));
    const torch::Tensor logits = embedder->logitsPerImage(imageFeatures, textFeatures)[0];
    const torch::Tensor probabilities = torch::softmax(logits, 0);

    QTextStream out(stdout);
    if (cl.json()) {
        QJsonArray rows;
        for (int i = 0; i < labels.size(); ++i)
            rows.append(QJsonObject{
                {QStringLiteral("label"), labels[i]},
                {QStringLiteral("probability"), static_cast<double>(probabilities[i].item<float>())},
                {QStringLiteral("logit"), static_cast<double>(logits[i].item<float>())}});
        out << QJsonDocument(
                   QJsonObject{{QStringLiteral("image"), images[0]}, {QStringLiteral("labels"), rows}})
                   .toJson(QJsonDocument::Compact)
            << '\n';
        return Ok;
    }
    int width = 5;
    for (const QString& l : labels) width = std::max(width, static_cast<int>(l.size()));
    out << images[0] << '\n';
    out << QStringLiteral("  %1  %2  %3\n")
               .arg(QStringLiteral("label"), -width)
               .arg(QStringLiteral("probability"), 11)
               .arg(QStringLiteral("logit"), 9);
    for (int i = 0; i < labels.size(); ++i)
        out << QStringLiteral("  %1  %2  %3\n")
                   .arg(labels[i], -width)
                   .arg(QString::number(probabilities[i].item<float>() * 100.0, 'f', 2) + QLatin1Char('%'),
                        11)
                   .arg(logits[i].item<float>(), 9, 'f', 4);
    return Ok;
}

}  // namespace photosearch::cli
