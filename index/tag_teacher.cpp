#include "tag_teacher.h"

#include "align_embedder.h"
#include "align_error.h"
#include "library_writer.h"
#include "photo_library.h"
#include "tag_learning.h"

#include <QLoggingCategory>

#include <algorithm>

namespace photosearch {

Q_LOGGING_CATEGORY(lcTags, "photosearch.library.tags", QtWarningMsg)

namespace {
const char* const kNeutralPrompt = "a photo";  // as the search's cut-off (library_calibration.cpp)
}  // namespace

void TagTeacher::addLabels(const QStringList& names, const QString& promptTemplate) {
    for (const QString& name : putLabels(names, promptTemplate)) rescore(name);
}

QStringList TagTeacher::putLabels(const QStringList& names, const QString& promptTemplate) {
    if (!library_.writer()) throw AlignError("the library is open read-only; labels need it writable");
    const QString templ = promptTemplate.contains(QStringLiteral("{}")) ? promptTemplate : defaultTemplate();
    const QString model = library_.modelId();
    std::vector<QString> texts{QString::fromLatin1(kNeutralPrompt)};
    QStringList clean;
    for (const QString& name : names) {
        const QString t = name.simplified();
        if (t.isEmpty()) throw AlignError("a label needs a name");
        if (t.size() > 200) throw AlignError("a label's name is at most 200 characters");
        if (clean.contains(t)) continue;
        clean << t;
        texts.push_back(QString(templ).replace(QStringLiteral("{}"), t));
    }
    const auto embedded = library_.embedder().textEmbeddings(texts);
    library_.writer()->write([&](PhotoCatalog& c) {
        for (int i = 0; i < clean.size(); ++i)
            c.putLabel({clean[i], texts[size_t(i) + 1], model, embedded[size_t(i) + 1], embedded[0]});
    });
    return clean;
}

int TagTeacher::judge(const QStringList& paths, const QString& label, bool accepted) {
    if (!library_.writer()) throw AlignError("the library is open read-only; corrections need it writable");
    const QString name = label.simplified();
    if (name.isEmpty()) throw AlignError("give the label: --label NAME");
    std::vector<int64_t> ids;
    for (const QString& path : paths)
        if (const auto photo = library_.catalog().photoByPath(path)) ids.push_back(photo->id);
    if (!library_.catalog().label(name)) putLabels({name}, {});  // scored once, below
    library_.writer()->write([&](PhotoCatalog& c) {
        if (accepted)
            c.addTag(ids, name);
        else
            c.removeTag(ids, name);
        c.setRejected(ids, name, !accepted);
    });
    rescore(name);
    return static_cast<int>(ids.size());
}

std::vector<std::pair<int64_t, float>> TagTeacher::scan(const VectorIndex& vectors, const ExactVectors& exact,
                                                        const std::vector<float>& direction) {
    std::vector<std::pair<int64_t, float>> out;
    for (const ScoredId& hit : vectors.scoreAll(direction.data(), exact))
        out.emplace_back(photoOfVector(hit.id), hit.score);
    // By photo; a video's frames side by side, its best one kept (sorting and merging runs of one photo
    // costs a fraction of a hash map over 100,000 photos).
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    out.erase(
        std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
        out.end());
    return out;
}

std::vector<float> TagTeacher::meanOf(const std::vector<int64_t>& photos) const {
    std::vector<float> mean;
    for (const std::vector<float>& v : library_.catalog().vectorsOf(photos)) {
        if (v.empty()) continue;
        if (mean.empty()) mean.assign(v.size(), 0.0f);
        for (size_t k = 0; k < v.size() && k < mean.size(); ++k) mean[k] += v[k];
    }
    return mean;
}

int TagTeacher::rescore(const QString& name) { return rescore(name, nullptr); }

int TagTeacher::rescore(const QString& name, NeutralScan* shared) {
    std::optional<LabelRecord> label = library_.catalog().label(name);
    if (!label) throw AlignError(name.toStdString() + ": not a label (tag suggest --label adds one)");
    const QString model = library_.modelId(false);  // the model itself only for a prompt to embed again
    if (label->model != model) {  // the library moved to another model: embed the prompt again
        const auto embedded =
            library_.embedder().textEmbeddings({QString::fromLatin1(kNeutralPrompt), label->prompt});
        label->model = model;
        label->neutral = embedded[0];
        label->text = embedded[1];
        library_.writer()->write([&](PhotoCatalog& c) { c.putLabel(*label); });
    }
    const auto vectors = library_.ensureVectors();
    const ExactVectors exact = [this](const std::vector<int64_t>& ids) {
        return library_.catalog().vectorsOf(ids);
    };
    const auto scan = [&](const std::vector<float>& direction) {
        return TagTeacher::scan(*vectors, exact, direction);
    };
    std::vector<std::pair<int64_t, float>> suggested;
    if (vectors->size() > 0 && int64_t(label->text.size()) == vectors->dim()) {
        const auto text = scan(label->text);
        LabelEvidence e;
        e.libraryPhotos = int64_t(text.size());
        // Both by photo id: one walk lines them up.
        const auto lineUp = [&](const Scores& scores) {
            std::vector<float> out;
            auto it = scores.begin();
            for (const auto& [id, s] : text) {
                while (it != scores.end() && it->first < id) ++it;
                out.push_back(it != scores.end() && it->first == id ? it->second : 0.0f);
            }
            return out;
        };
        const auto column = [&](const std::vector<float>& direction) {
            return direction.empty() ? std::vector<float>() : lineUp(scan(direction));
        };
        for (const auto& [id, s] : text) e.text.push_back(s);
        if (shared && !label->neutral.empty()) {
            if (shared->direction != label->neutral) *shared = {label->neutral, scan(label->neutral)};
            e.neutral = lineUp(shared->scores);
        } else {
            e.neutral = column(label->neutral);
        }
        const std::vector<int64_t> confirmed = library_.catalog().photosConfirmed(name);
        const std::vector<int64_t> rejected = library_.catalog().photosRejected(name);
        e.accepted = column(meanOf(confirmed));
        e.acceptedCount = e.accepted.empty() ? 0 : int(confirmed.size());
        e.rejected = column(meanOf(rejected));
        e.rejectedCount = e.rejected.empty() ? 0 : int(rejected.size());
        const LabelLearner::Result r = LabelLearner::judge(e);
        if (r.valid)
            for (size_t i = 0; i < text.size(); ++i)
                if (r.standing[i] >= r.threshold) suggested.emplace_back(text[i].first, r.standing[i]);
        qCDebug(lcTags) << name << "confirmed" << confirmed.size() << "rejected" << rejected.size()
                        << "threshold" << r.threshold << "suggested" << suggested.size();
    }
    library_.writer()->write([&](PhotoCatalog& c) { c.replaceSuggestions(name, suggested); });
    return static_cast<int>(library_.catalog().photosSuggested(name).size());
}

void TagTeacher::rescoreAll() {
    NeutralScan neutral;
    for (const LabelRecord& l : library_.catalog().labels()) rescore(l.name, &neutral);
}

}  // namespace photosearch
