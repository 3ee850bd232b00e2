#pragma once

#include "vector_index.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <utility>
#include <vector>

namespace photosearch {

class PhotoLibrary;

// Labels that learn from a person's corrections (#18), over a library's stored vectors: no photo is
// embedded again. A label is a tag with a prompt ("a photo of {}"): ALIGN's text embedding of it is kept in
// the catalog, and LabelLearner turns it, the photos confirmed for the tag (given it by hand, accepted,
// read from their XMP keywords) and the photos rejected for it into a standing per photo and a threshold.
// Photos above it nobody judged become the label's suggestions; a photo may have several, or none. A
// confirmed tag is never changed here.
class TagTeacher {
  public:
    explicit TagTeacher(PhotoLibrary& library) : library_(library) {}

    static QString defaultTemplate() { return QStringLiteral("a photo of {}"); }
    // Makes each name a label (its prompt embedded with the library's model; an existing label keeps its
    // corrections) and scores the library for it.
    void addLabels(const QStringList& names, const QString& promptTemplate = {});
    // A person's verdict on the photos at `paths` for `label` (made a label first when it is not one):
    // accepted photos carry the tag, confirmed; rejected ones lose it and are never suggested it again.
    // Then the label is re-scored. Returns how many of the paths were photos of the library.
    int judge(const QStringList& paths, const QString& label, bool accepted);
    // The label's suggestions recomputed over the whole library; returns how many there are.
    int rescore(const QString& label);
    // Every label re-scored (after an index run: new photos get suggestions).
    void rescoreAll();

    // Each photo's best score (a video's best frame) for `direction` over the whole index, by photo id
    // (the approximate index's scores are exact for its best kMaxRerank, within its codes' error below).
    static std::vector<std::pair<int64_t, float>> scan(const VectorIndex& vectors, const ExactVectors& exact,
                                                       const std::vector<float>& direction);

  private:
    using Scores = std::vector<std::pair<int64_t, float>>;
    // The neutral prompt's scan, shared by every label of one rescoreAll (the prompt is the same for all).
    struct NeutralScan {
        std::vector<float> direction;
        Scores scores;
    };
    int rescore(const QString& label, NeutralScan* shared);
    // Makes labels of `names` (prompts embedded), without scoring them; returns the names as kept.
    QStringList putLabels(const QStringList& names, const QString& promptTemplate);
    std::vector<float> meanOf(const std::vector<int64_t>& photos) const;

    PhotoLibrary& library_;
};

}  // namespace photosearch
