#include "zero_shot_tagger.h"

#include "align_embedder.h"
#include "align_error.h"
#include "library_search.h"
#include "native_path.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace photosearch {

std::vector<TaggedPhoto> ZeroShotTagger::compute(const QString& folder, const QStringList& labels,
                                                 const QString& promptTemplate) const {
    if (labels.isEmpty()) throw AlignError("give at least one label");
    if (const auto there = native_path::status(folder); !there || !there->isDir)
        throw AlignError(native_path::display(folder).toStdString() + ": folder not found");
    std::vector<QString> prompts;
    for (const QString& l : labels)
        prompts.push_back(promptTemplate.contains(QStringLiteral("{}"))
                              ? QString(promptTemplate).replace(QStringLiteral("{}"), l)
                              : l);
    const std::vector<std::vector<float>> text = embedder_.textEmbeddings(prompts);

    std::vector<PhotoRecord> photos;
    for (const PhotoRecord& p : catalog_.photos())
        if (p.status == PhotoStatus::Indexed && isUnderFolder(p.path, folder)) photos.push_back(p);
    if (photos.empty())
        throw AlignError(folder.toStdString() +
                         ": no indexed photos under this folder (add it and run index first)");

    std::vector<TaggedPhoto> out;
    const double temperature = embedder_.temperature();
    for (const PhotoRecord& p : photos) {
        const auto v = catalog_.vector(p.id);
        if (!v) continue;
        // softmax(cos / temperature), as logits_per_image and classify compute it; the stored vectors are
        // unit.
        double norm = 0;
        for (float x : *v) norm += double(x) * x;
        norm = std::sqrt(norm);
        std::vector<double> logits;
        for (const std::vector<float>& t : text) {
            double dot = 0;
            for (size_t k = 0; k < t.size() && k < v->size(); ++k) dot += double((*v)[k]) * t[k];
            logits.push_back(dot / (norm > 0 ? norm : 1) / temperature);
        }
        const double top = *std::max_element(logits.begin(), logits.end());
        double sum = 0;
        for (double& l : logits) sum += (l = std::exp(l - top));
        const size_t best =
            static_cast<size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        TaggedPhoto t{p.id, p.path, labels[static_cast<int>(best)], {}};
        for (int i = 0; i < labels.size(); ++i)
            t.probabilities.emplace_back(labels[i], static_cast<float>(logits[static_cast<size_t>(i)] / sum));
        out.push_back(std::move(t));
    }
    return out;
}

QString ZeroShotTagger::labelSet(const QStringList& labels) {
    QStringList sorted = labels;
    sorted.sort();
    sorted.removeDuplicates();
    return sorted.join(QLatin1Char('\n'));
}

std::vector<std::pair<int64_t, TagRecord>> ZeroShotTagger::records(const QString& labelSet,
                                                                   const std::vector<TaggedPhoto>& tagged) {
    std::vector<std::pair<int64_t, TagRecord>> out;
    for (const TaggedPhoto& t : tagged) {
        QJsonArray json;
        for (const auto& [label, p] : t.probabilities)
            json.append(QJsonObject{{QStringLiteral("label"), label}, {QStringLiteral("probability"), p}});
        out.push_back(
            {t.id, {labelSet, t.tag, QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Compact))}});
    }
    return out;
}

}  // namespace photosearch
