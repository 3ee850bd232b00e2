#pragma once

#include "photo_catalog.h"

#include <QString>
#include <QStringList>

#include <utility>
#include <vector>

namespace photosearch {

class AlignEmbedder;

struct TaggedPhoto {
    int64_t id = 0;
    QString path;
    QString tag;
    std::vector<std::pair<QString, float>> probabilities;  // in the order the labels were given
};

// Zero-shot tags from a person's own labels: softmax over logits_per_image (cosine of the stored photo
// vector and each label's text embedding, divided by the model's temperature), as `classify` computes it.
// No image is embedded again.
class ZeroShotTagger {
  public:
    ZeroShotTagger(AlignEmbedder& embedder, const PhotoCatalog& catalog)
        : embedder_(embedder), catalog_(catalog) {}
    // Every indexed photo under `folder` (canonical), tagged with its most probable label. A template
    // holding "{}" makes each prompt ("a photo of {}").
    std::vector<TaggedPhoto> compute(const QString& folder, const QStringList& labels,
                                     const QString& promptTemplate) const;
    // The label set as the catalog keys it (sorted, one per line) and the records to store.
    static QString labelSet(const QStringList& labels);
    static std::vector<std::pair<int64_t, TagRecord>> records(const QString& labelSet,
                                                              const std::vector<TaggedPhoto>& tagged);

  private:
    AlignEmbedder& embedder_;
    const PhotoCatalog& catalog_;
};

}  // namespace photosearch
