// photosearch-cli bench --learning: how a label's suggestions improve with a person's corrections (#18), on
// synthetic libraries with planted photos (SyntheticLibrary, LabelLearner). No model runs.
#include "cli_commands.h"
#include "label_trial.h"
#include "tag_teacher.h"
#include "vector_index.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cmath>

namespace photosearch::cli {

int benchLearning(bool json) {
    QTextStream out(stdout);
    const std::vector<int> checkpoints{0, 1, 5, 20};
    // Exploring other weights: LEARN_WEIGHTS="accepted,rejected".
    LabelWeights weights;
    if (const QStringList w = qEnvironmentVariable("LEARN_WEIGHTS").split(QLatin1Char(',')); w.size() == 2) {
        weights.accepted = w[0].toDouble();
        weights.rejected = w[1].toDouble();
    }
    const QStringList sizesText =
        qEnvironmentVariable("LEARN_SIZES", QStringLiteral("10000,100000")).split(',');
    constexpr int kSeeds = 3;
    QJsonArray rows;
    if (!json)
        out << "label precision / recall over the photos nobody judged, mean of " << kSeeds
            << " libraries (weights " << weights.accepted << ", " << weights.rejected << ")\n"
            << "photos    planted  reviewer      0 confirmed    1              5              20\n";
    for (const QString& sizeText : sizesText) {
        const int photos = sizeText.toInt();
        for (const double fraction : {0.001, 0.01, 0.05}) {
            for (const Reviewer reviewer : {Reviewer::Suggestions, Reviewer::Random}) {
                std::vector<LabelTrialPoint> mean(checkpoints.size(), LabelTrialPoint{0, 0, 0, 0.0, 0.0});
                // A checkpoint that would confirm more than half the planted photos leaves too few to
                // measure.
                const int planted = std::max(1, int(std::lround(photos * fraction)));
                std::vector<int> usable;
                for (const int c : checkpoints)
                    if (c <= planted / 2) usable.push_back(c);
                for (int seed = 0; seed < kSeeds; ++seed) {
                    const SyntheticLibrary library(photos, fraction, 1000 + uint64_t(seed));
                    const auto points = runLabelTrial(library, usable, reviewer, weights, 7 + uint64_t(seed));
                    for (size_t i = 0; i < points.size(); ++i) {
                        mean[i].precision += points[i].precision / kSeeds;
                        mean[i].recall += points[i].recall / kSeeds;
                        mean[i].rejected += points[i].rejected;
                    }
                }
                const QString who = reviewer == Reviewer::Suggestions ? QStringLiteral("suggestions")
                                                                      : QStringLiteral("random");
                QJsonArray cells;
                if (!json)
                    out << QStringLiteral("%1 %2  %3")
                               .arg(photos, -9)
                               .arg(fraction * 100, 5, 'f', 1)
                               .arg(who, -12);
                for (size_t i = 0; i < mean.size(); ++i) {
                    if (i >= usable.size()) {
                        if (!json) out << QStringLiteral("  %1").arg(QStringLiteral("-"), -15);
                        continue;
                    }
                    cells.append(QJsonObject{{QStringLiteral("confirmed"), checkpoints[i]},
                                             {QStringLiteral("rejected"), mean[i].rejected / double(kSeeds)},
                                             {QStringLiteral("precision"), mean[i].precision},
                                             {QStringLiteral("recall"), mean[i].recall}});
                    if (!json)
                        out << QStringLiteral("  %1 / %2")
                                   .arg(mean[i].precision, 4, 'f', 2)
                                   .arg(mean[i].recall, 4, 'f', 2)
                            << QStringLiteral(" (%1)").arg(mean[i].rejected / double(kSeeds), 0, 'f', 0);
                }
                if (!json) out << '\n' << Qt::flush;
                rows.append(QJsonObject{{QStringLiteral("photos"), photos},
                                        {QStringLiteral("planted_fraction"), fraction},
                                        {QStringLiteral("reviewer"), who},
                                        {QStringLiteral("points"), cells}});
            }
        }
    }
    // One re-scoring of a label over 100,000 photos: the learner's part (the columns are the index's).
    const SyntheticLibrary big(100000, 0.01, 99);
    LabelEvidence e;
    e.libraryPhotos = big.size();
    for (int p = 0; p < big.size(); ++p) {
        e.text.push_back(big.score(p, big.query));
        e.neutral.push_back(big.score(p, big.neutral));
    }
    e.accepted = e.text;
    e.acceptedCount = 5;
    QElapsedTimer timer;
    timer.start();
    const auto r = LabelLearner::judge(e, weights);
    const double ms = timer.nsecsElapsed() / 1e6;
    // The columns: a re-scoring scans the index four times (prompt, neutral prompt, confirmed and rejected
    // photos' means), as TagTeacher::rescore does, on each kind of index.
    const VectorSource source = [&](const std::function<void(int64_t, const float*)>& visit) {
        for (int p = 0; p < big.size(); ++p) visit(p + 1, big.vectors.data() + size_t(p) * size_t(big.dim));
    };
    const ExactVectors exact = [&](const std::vector<int64_t>& ids) {
        std::vector<std::vector<float>> rows;
        for (const int64_t id : ids) {
            const float* row = big.vectors.data() + size_t(id - 1) * size_t(big.dim);
            rows.emplace_back(row, row + big.dim);
        }
        return rows;
    };
    QJsonObject scans;
    for (const auto& [kind, exactUpTo] : {std::pair{QStringLiteral("exact"), int64_t(1) << 40},
                                          std::pair{QStringLiteral("approximate"), int64_t(0)}}) {
        const auto index = VectorIndex::build(big.dim, big.size(), source, exactUpTo);
        timer.restart();
        for (int i = 0; i < 4; ++i) (void)TagTeacher::scan(*index, exact, i % 2 ? big.neutral : big.query);
        scans[kind] = timer.nsecsElapsed() / 1e6;
    }
    if (json) {
        out << QJsonDocument(QJsonObject{{QStringLiteral("learning"), rows},
                                         {QStringLiteral("judge_100000_ms"), ms},
                                         {QStringLiteral("four_scans_100000_ms"), scans}})
                   .toJson(QJsonDocument::Compact)
            << '\n';
    } else {
        out << "(n): photos rejected on the way, mean\n"
            << QStringLiteral("judging one label over 100,000 photos' scores: %1 ms%2\n")
                   .arg(ms, 0, 'f', 1)
                   .arg(r.valid ? QString() : QStringLiteral(" (invalid)"))
            << QStringLiteral("its four scans of a 100,000-photo index: exact %1 ms, approximate %2 ms\n")
                   .arg(scans[QStringLiteral("exact")].toDouble(), 0, 'f', 1)
                   .arg(scans[QStringLiteral("approximate")].toDouble(), 0, 'f', 1);
    }
    return Ok;
}

}  // namespace photosearch::cli
