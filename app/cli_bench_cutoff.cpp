// photosearch-cli bench --cut-off: precision and recall of the good-match cut-off on synthetic libraries
// with planted photos (SyntheticLibrary), against the simpler rules it replaces. No model runs.
#include "cli_commands.h"
#include "search_relevance.h"
#include "synthetic_library.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace photosearch::cli {
namespace {

struct Tally {
    double precision = 0, recall = 0;
    int libraries = 0, emptyAnswers = 0;
    void add(int truePositives, int chosen, int planted) {
        // An empty answer has no wrong photo in it: precision 1, as the cut-off promised nothing false.
        precision += chosen ? double(truePositives) / chosen : 1.0;
        emptyAnswers += chosen == 0;
        recall += planted ? double(truePositives) / planted : 1.0;
        ++libraries;
    }
};

double medianOf(std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
}

}  // namespace

int benchCutoff(bool json) {
    const size_t sampleSize = qEnvironmentVariableIntValue("CUTOFF_SAMPLE") > 0
                                  ? size_t(qEnvironmentVariableIntValue("CUTOFF_SAMPLE"))
                                  : 8192;
    QTextStream out(stdout);
    // The rules compared. Each gets the query's and the neutral prompt's scores of every photo and the
    // calibration sample's (the first 4,096 photos, in random order), and says which photos are good.
    using Rule = std::function<bool(float score, float neutral)>;
    struct Method {
        QString name;
        std::function<Rule(const std::vector<float>& sampleScores, const std::vector<float>& sampleNeutral,
                           int64_t photos)>
            make;
    };
    std::vector<Method> methods;
    methods.push_back({QStringLiteral("flat cosine >= 0.25"), [](const auto&, const auto&, int64_t) {
                           return Rule([](float s, float) { return s >= 0.25f; });
                       }});
    methods.push_back(
        {QStringLiteral("mean + 2 sd (the window's until now)"), [](const auto& s, const auto&, int64_t) {
             const RelevanceScale scale(s);
             return Rule([scale](float x, float) { return scale.level(x) == RelevanceScale::Level::Good; });
         }});
    methods.push_back(
        {QStringLiteral("median + 4 robust sd, raw score"), [](const auto& s, const auto&, int64_t) {
             const std::vector<float> zeros(s.size(), 0.0f);
             const GoodMatchCutoff c(s, zeros, 0);
             return Rule([c](float x, float) { return c.standing(x, 0) >= 4.0; });
         }});
    for (const double k : {4.0, 4.5, 5.0}) {
        methods.push_back({QStringLiteral("neutral-prompt residual >= %1 robust sd").arg(k),
                           [k](const auto& s, const auto& n, int64_t) {
                               const GoodMatchCutoff c(s, n, 0);
                               return Rule([c, k](float x, float u) { return c.standing(x, u) >= k; });
                           }});
    }
    for (const double margin : {0.0, 0.5}) {
        methods.push_back({QStringLiteral("residual >= chance bar for the size + %1").arg(margin),
                           [margin](const auto& s, const auto& n, int64_t photos) {
                               const GoodMatchCutoff c(s, n, photos, margin);
                               return Rule([c](float x, float u) { return c.isGood(x, u); });
                           }});
    }
    QJsonArray rows;
    out << "good-match cut-off on synthetic libraries (SyntheticLibrary: planted photos at cosine 0.2-0.35 "
           "to "
           "the query, the rest ~0.1-0.15, sibling topics between); mean over the libraries\n";
    for (const int photos : {10000, 100000}) {
        for (const double fraction : {0.001, 0.01, 0.05}) {
            const int libraries = photos >= 100000 ? 4 : 12;
            std::vector<Tally> tallies(methods.size());
            std::vector<double> plantedMean, restMean;
            for (int l = 0; l < libraries; ++l) {
                const SyntheticLibrary lib(photos, fraction, 1000 + static_cast<uint64_t>(l) * 7919 + photos);
                std::vector<float> scores(static_cast<size_t>(photos)), neutral(scores.size());
                double sp = 0, sr = 0;
                int np = 0;
                for (int p = 0; p < photos; ++p) {
                    scores[size_t(p)] = lib.score(p, lib.query);
                    neutral[size_t(p)] = lib.score(p, lib.neutral);
                    (lib.planted[size_t(p)] ? sp : sr) += scores[size_t(p)];
                    np += lib.planted[size_t(p)];
                }
                plantedMean.push_back(sp / np);
                restMean.push_back(sr / (photos - np));
                const size_t sample = std::min<size_t>(sampleSize, scores.size());
                const std::vector<float> sampleScores(scores.begin(),
                                                      scores.begin() + std::ptrdiff_t(sample));
                const std::vector<float> sampleNeutral(neutral.begin(),
                                                       neutral.begin() + std::ptrdiff_t(sample));
                for (size_t m = 0; m < methods.size(); ++m) {
                    const Rule good = methods[m].make(sampleScores, sampleNeutral, photos);
                    int tp = 0, chosen = 0;
                    for (int p = 0; p < photos; ++p)
                        if (good(scores[size_t(p)], neutral[size_t(p)])) {
                            ++chosen;
                            tp += lib.planted[size_t(p)];
                        }
                    tallies[m].add(tp, chosen, np);
                }
            }
            out << QStringLiteral(
                       "\n%1 photos, %2% planted (%3 libraries; planted score mean %4, the rest %5):\n")
                       .arg(photos)
                       .arg(fraction * 100)
                       .arg(libraries)
                       .arg(medianOf(plantedMean), 0, 'f', 3)
                       .arg(medianOf(restMean), 0, 'f', 3);
            for (size_t m = 0; m < methods.size(); ++m) {
                const Tally& t = tallies[m];
                const double p = t.precision / t.libraries, r = t.recall / t.libraries;
                out << QStringLiteral("  %1  precision %2  recall %3%4\n")
                           .arg(methods[m].name, -42)
                           .arg(p, 0, 'f', 3)
                           .arg(r, 0, 'f', 3)
                           .arg(t.emptyAnswers ? QStringLiteral("  (%1 empty)").arg(t.emptyAnswers)
                                               : QString());
                rows.append(QJsonObject{{QStringLiteral("photos"), photos},
                                        {QStringLiteral("planted_fraction"), fraction},
                                        {QStringLiteral("method"), methods[m].name},
                                        {QStringLiteral("precision"), p},
                                        {QStringLiteral("recall"), r}});
            }
            out.flush();
        }
    }
    if (json) QTextStream(stdout) << QJsonDocument(QJsonObject{{QStringLiteral("cut_off"), rows}}).toJson();
    return 0;
}

}  // namespace photosearch::cli
