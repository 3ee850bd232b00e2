// photosearch-cli bench: text to ranked results over large synthetic libraries, and the approximate index's
// recall against exact search.
#include "cli_bench_support.h"

#include "align_embedder.h"
#include "align_error.h"
#include "vector_index.h"

#include <QElapsedTimer>
#include <QTemporaryFile>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace photosearch::cli::bench {

namespace {

// Recall@10 of `index` against exact search over `source`, for each group of queries (one streamed exact
// scan for all of them).
std::vector<double> recallAt10(const VectorIndex& index, const VectorSource& source,
                               const ExactVectors& exact,
                               const std::vector<std::vector<torch::Tensor>>& groups, int dim) {
    std::vector<torch::Tensor> all;
    for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
    const auto Q = torch::stack(all);
    torch::Tensor bestScores = torch::full({Q.size(0), 10}, -2.0f),
                  bestIds = torch::zeros({Q.size(0), 10}, torch::kLong);
    std::vector<int64_t> ids;
    std::vector<float> rows;
    auto flush = [&] {
        if (ids.empty()) return;
        auto block = torch::from_blob(rows.data(), {static_cast<int64_t>(ids.size()), dim});
        auto scores = torch::cat({bestScores, Q.matmul(block.t())}, 1);
        auto idt = torch::cat({bestIds, torch::tensor(ids).unsqueeze(0).expand({Q.size(0), -1})}, 1);
        auto top = scores.topk(10, 1);
        bestScores = std::get<0>(top);
        bestIds = idt.gather(1, std::get<1>(top));
        ids.clear();
        rows.clear();
    };
    source([&](int64_t id, const float* v) {
        ids.push_back(id);
        rows.insert(rows.end(), v, v + dim);
        if (ids.size() == 16384) flush();
    });
    flush();
    std::vector<double> out;
    int64_t row = 0;
    for (const auto& g : groups) {
        int64_t hits = 0;
        for (const torch::Tensor& query : g) {
            auto q = query.contiguous();
            std::set<int64_t> truth;
            for (int64_t j = 0; j < 10; ++j) truth.insert(bestIds[row][j].item<int64_t>());
            for (const ScoredId& hit : index.search(q.data_ptr<float>(), 10, exact))
                hits += truth.count(hit.id);
            ++row;
        }
        out.push_back(static_cast<double>(hits) / (10.0 * static_cast<double>(g.size())));
    }
    return out;
}

}  // namespace

QJsonObject searchLatency(AlignEmbedder& embedder, int64_t count, int firstQuery, QTextStream& out) {
    const int dim = embedder.config().projectionDim;
    // Synthetic photo vectors, clustered as real ones are: 5000 random centres, each vector a centre plus
    // noise of the same length (cosine about 0.7 to its centre). Generated in chunks from fixed seeds, so the
    // collection can be read again without holding it (1M x 640 floats are 2.56 GB).
    const torch::Tensor centres = [&] {
        auto c = torch::randn({5000, dim}, at::detail::createCPUGenerator(7));
        return c / c.norm(2, 1, true);
    }();
    const VectorSource source = [&](const std::function<void(int64_t, const float*)>& visit) {
        constexpr int64_t kChunk = 16384;
        for (int64_t start = 0; start < count; start += kChunk) {
            const int64_t m = std::min(kChunk, count - start);
            auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(1000 + start));
            auto noise = torch::randn({m, dim}, gen);
            auto v =
                centres.index_select(0, torch::randint(0, 5000, {m}, gen)) + noise / noise.norm(2, 1, true);
            v = (v / v.norm(2, 1, true)).contiguous();
            for (int64_t i = 0; i < m; ++i) visit(start + i + 1, v[i].data_ptr<float>());
        }
    };
    // The exact vectors where a library keeps them, outside the process's memory: a file read by position
    // (the catalog reads them from SQLite, by photo id).
    QTemporaryFile exactFile;
    if (!exactFile.open()) throw AlignError("cannot write the benchmark's vectors to a temporary file");
    source([&](int64_t, const float* v) {
        exactFile.write(reinterpret_cast<const char*>(v), static_cast<qint64>(dim * sizeof(float)));
    });
    exactFile.flush();
    const int fd = exactFile.handle();
    const size_t rowBytes = static_cast<size_t>(dim) * sizeof(float);
    const ExactVectors exact = [&](const std::vector<int64_t>& ids) {
        std::vector<std::vector<float>> rows;
        for (int64_t id : ids) {
            std::vector<float> v(static_cast<size_t>(dim));
            if (::pread(fd, v.data(), rowBytes,
                        static_cast<off_t>((id - 1) * static_cast<int64_t>(rowBytes))) !=
                static_cast<ssize_t>(rowBytes))
                v.clear();
            rows.push_back(std::move(v));
        }
        return rows;
    };

    QElapsedTimer buildTimer;
    buildTimer.start();
    auto index = VectorIndex::build(dim, count, source, VectorIndex::exactUpToFor({}));
    const double buildSeconds = buildTimer.elapsed() / 1000.0;
    std::vector<double> total, searchOnly;
    std::vector<torch::Tensor> textQueries;
    for (int i = 0; i < 30; ++i) {
        QElapsedTimer t;
        t.start();
        auto q = embedder.textFeatures({query(firstQuery + i)})[0];
        q = q / q.norm();
        QElapsedTimer s;
        s.start();
        index->search(q.data_ptr<float>(), 20, exact);
        searchOnly.push_back(s.nsecsElapsed() / 1e6);
        total.push_back(t.nsecsElapsed() / 1e6);
        textQueries.push_back(q);
    }
    const bool approximate = index->kind() == VectorIndex::Kind::Approximate;
    QJsonObject r{{QStringLiteral("p50_ms"), percentile(total, 0.5)},
                  {QStringLiteral("p90_ms"), percentile(total, 0.9)},
                  {QStringLiteral("p99_ms"), percentile(total, 0.99)},
                  {QStringLiteral("search_only_p50_ms"), percentile(searchOnly, 0.5)},
                  {QStringLiteral("build_seconds"), buildSeconds},
                  {QStringLiteral("approximate"), approximate}};
    out << QStringLiteral(
               "query over %1 photos (text to ranked results, %2 index built in %3 s): p50 %4 ms, p90 %5 ms, "
               "p99 %6 ms; the index's part %7 ms p50\n")
               .arg(count)
               .arg(approximate ? QStringLiteral("approximate") : QStringLiteral("exact"))
               .arg(buildSeconds, 0, 'f', 1)
               .arg(percentile(total, 0.5), 0, 'f', 1)
               .arg(percentile(total, 0.9), 0, 'f', 1)
               .arg(percentile(total, 0.99), 0, 'f', 1)
               .arg(percentile(searchOnly, 0.5), 0, 'f', 1);
    r[QStringLiteral("resident_mb_while_searching")] = currentRssMb();
    out << QStringLiteral("  resident memory while searching (the whole model loaded too): %1 MB\n")
               .arg(currentRssMb(), 0, 'f', 0);
    if (approximate) {
        // Recall@10 against exact search for queries as far from a photo as text is from the photos it
        // describes (cosine 0.3), photo-like queries (cosine 0.5), random directions, and the 30 text
        // queries (random weights: directions unrelated to the data).
        auto gen = at::detail::createCPUGenerator(99);
        std::map<int64_t, size_t> picks;
        std::mt19937_64 random(99);
        while (picks.size() < 100) {
            const int64_t id = static_cast<int64_t>(random() % static_cast<uint64_t>(count)) + 1;
            const size_t slot = picks.size();
            picks.emplace(id, slot);
        }
        std::vector<torch::Tensor> at03(100), at05(100), randomDirections;
        auto near = [&](const torch::Tensor& v, double cosine) {
            auto u = torch::randn({dim}, gen);
            u = u - (u * v).sum() * v;
            u = u / u.norm();
            auto q = v * cosine + u * std::sqrt(1 - cosine * cosine);
            return q / q.norm();
        };
        source([&](int64_t id, const float* v) {
            if (const auto it = picks.find(id); it != picks.end()) {
                const auto photo = torch::from_blob(const_cast<float*>(v), {dim}).clone();
                at03[it->second] = near(photo, 0.3);
                at05[it->second] = near(photo, 0.5);
            }
        });
        for (int i = 0; i < 100; ++i) {
            auto q = torch::randn({dim}, gen);
            randomDirections.push_back(q / q.norm());
        }
        const std::vector<double> recall =
            recallAt10(*index, source, exact, {at03, at05, randomDirections, textQueries}, dim);
        r[QStringLiteral("recall_at_10_cosine_0_3")] = recall[0];
        r[QStringLiteral("recall_at_10_cosine_0_5")] = recall[1];
        r[QStringLiteral("recall_at_10_random_directions")] = recall[2];
        r[QStringLiteral("recall_at_10_random_text_queries")] = recall[3];
        out << QStringLiteral(
                   "  recall@10 against exact search: %1 at cosine 0.3 from a photo, %2 at cosine 0.5, %3 in "
                   "random directions, %4 for the 30 text queries\n")
                   .arg(recall[0], 0, 'f', 3)
                   .arg(recall[1], 0, 'f', 3)
                   .arg(recall[2], 0, 'f', 3)
                   .arg(recall[3], 0, 'f', 3);
    }
    r[QStringLiteral("peak_rss_mb")] = peakRssMb();
    return r;
}

}  // namespace photosearch::cli::bench
