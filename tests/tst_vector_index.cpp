// VectorIndex: the exact and the approximate kind, chosen by size, with recall measured against exact search.
#include "align_error.h"
#include "compressed_vectors.h"
#include "vector_index.h"

#include <QTemporaryDir>
#include <QTest>

#include <QFile>

#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>

using namespace photosearch;

namespace {

constexpr int kDim = 64;

// Clustered unit vectors, as photo embeddings are (photos of the same kind of scene lie close together):
// 400 random centres, each vector a centre plus noise of the same length (cosine about 0.7 to it).
std::vector<float> clustered(int64_t count, uint64_t seed) {
    std::mt19937_64 random(seed);
    std::normal_distribution<float> gauss;
    std::vector<float> centres(400 * kDim);
    for (float& x : centres) x = gauss(random);
    std::vector<float> out;
    out.reserve(static_cast<size_t>(count) * kDim);
    for (int64_t i = 0; i < count; ++i) {
        const float* c = centres.data() + (random() % 400) * kDim;
        std::vector<float> v(kDim);
        double cn = 0, nn = 0;
        for (int j = 0; j < kDim; ++j) cn += double(c[j]) * c[j];
        std::vector<float> noise(kDim);
        for (float& x : noise) {
            x = gauss(random);
            nn += double(x) * x;
        }
        for (int j = 0; j < kDim; ++j)
            v[j] = static_cast<float>(c[j] / std::sqrt(cn) + noise[j] / std::sqrt(nn));
        const auto u = unitVector(v.data(), kDim);
        out.insert(out.end(), u.begin(), u.end());
    }
    return out;
}

VectorSource sourceOf(const std::vector<float>& data) {
    return [&data](const std::function<void(int64_t, const float*)>& visit) {
        for (size_t i = 0; i < data.size() / kDim; ++i)
            visit(static_cast<int64_t>(i) + 1, data.data() + i * kDim);
    };
}

// `count` unit vectors of `dim` values in random directions, one after another.
std::vector<float> randomUnitVectors(int64_t count, int dim, std::mt19937_64& random) {
    std::normal_distribution<float> gauss;
    std::vector<float> out;
    out.reserve(static_cast<size_t>(count) * static_cast<size_t>(dim));
    std::vector<float> v(static_cast<size_t>(dim));
    for (int64_t i = 0; i < count; ++i) {
        for (float& x : v) x = gauss(random);
        const auto u = unitVector(v.data(), dim);
        out.insert(out.end(), u.begin(), u.end());
    }
    return out;
}
std::vector<int64_t> idsUpTo(int64_t count) {  // 1..count
    std::vector<int64_t> ids(static_cast<size_t>(count));
    std::iota(ids.begin(), ids.end(), 1);
    return ids;
}

// The exact vectors by id, as the catalog gives them to the approximate kind's re-rank.
ExactVectors lookupIn(const std::map<int64_t, std::vector<float>>& byId) {
    return [&byId](const std::vector<int64_t>& ids) {
        std::vector<std::vector<float>> out;
        for (int64_t id : ids) {
            const auto it = byId.find(id);
            out.push_back(it == byId.end() ? std::vector<float>() : it->second);
        }
        return out;
    };
}
std::map<int64_t, std::vector<float>> byIdOf(const std::vector<float>& data) {
    std::map<int64_t, std::vector<float>> out;
    for (size_t i = 0; i < data.size() / kDim; ++i)
        out[static_cast<int64_t>(i) + 1] =
            std::vector<float>(data.begin() + i * kDim, data.begin() + (i + 1) * kDim);
    return out;
}

// A unit query at cosine `cosine` from `v` (a random direction orthogonal to it mixed in), or, with
// cosine 0, a random direction.
std::vector<float> queryNear(const float* v, double cosine, std::mt19937_64& random) {
    std::normal_distribution<float> gauss;
    std::vector<float> u(kDim);
    for (float& x : u) x = gauss(random);
    if (cosine == 0) return unitVector(u.data(), kDim);
    double along = 0;
    for (int j = 0; j < kDim; ++j) along += double(u[j]) * v[j];
    for (int j = 0; j < kDim; ++j) u[j] -= static_cast<float>(along * v[j]);
    u = unitVector(u.data(), kDim);
    std::vector<float> q(kDim);
    for (int j = 0; j < kDim; ++j)
        q[j] = static_cast<float>(cosine * v[j] + std::sqrt(1 - cosine * cosine) * u[j]);
    return unitVector(q.data(), kDim);
}

std::set<int64_t> exactTop(const std::vector<float>& data, const float* q, int k) {
    std::vector<std::pair<float, int64_t>> all;
    for (size_t i = 0; i < data.size() / kDim; ++i) {
        float s = 0;
        for (int j = 0; j < kDim; ++j) s += data[i * kDim + j] * q[j];
        all.emplace_back(-s, static_cast<int64_t>(i) + 1);
    }
    std::partial_sort(all.begin(), all.begin() + k, all.end());
    std::set<int64_t> out;
    for (int i = 0; i < k; ++i) out.insert(all[i].second);
    return out;
}

}  // namespace

class TestVectorIndex : public QObject {
    Q_OBJECT

  private slots:
    void smallLibrariesAreExact() {
        const auto data = clustered(500, 1);
        auto index = VectorIndex::build(kDim, 500, sourceOf(data));
        QCOMPARE(index->kind(), VectorIndex::Kind::Exact);
        QCOMPARE(index->size(), 500);
        for (int q = 0; q < 20; ++q) {
            const float* query = data.data() + q * 7 * kDim;
            std::set<int64_t> got;
            for (const ScoredId& hit : index->search(query, 10)) got.insert(hit.id);
            QCOMPARE(got, exactTop(data, query, 10));
        }
    }

    // Every vector's score at once (a label's re-scoring): each id once, with the score search gives it (the
    // same float32 inner product, summed in another order: within 64 x 2^-24), for both kinds.
    void scoreAllScoresEveryVectorOnce() {
        const auto data = clustered(3000, 5);
        for (const int64_t exactUpTo : {int64_t(1) << 40, int64_t(0)}) {
            auto index = VectorIndex::build(kDim, 3000, sourceOf(data), exactUpTo);
            const float* query = data.data() + 17 * kDim;
            const auto byId = byIdOf(data);
            std::map<int64_t, float> searched;
            for (const ScoredId& hit : index->search(query, 3000, lookupIn(byId)))
                searched[hit.id] = hit.score;
            const std::vector<ScoredId> all = index->scoreAll(query, lookupIn(byId));
            QCOMPARE(all.size(), size_t(3000));
            std::set<int64_t> ids;
            for (const ScoredId& hit : all) {
                QVERIFY(ids.insert(hit.id).second);
                QVERIFY(std::fabs(hit.score - searched.at(hit.id)) <= 64.0f / (1 << 24));
            }
        }
    }

    // A library past the limit gets the approximate index. Its recall@10 against exact search, for queries
    // as far from the photos as text queries are (cosine 0.3 from one photo) and for random directions, is
    // what the issue asks (0.99 and 0.97), and re-ranked scores are the exact ones: an inner product of the
    // same float32 values summed in another order, within 64 x 2^-24 of it.
    void largeLibrariesAreApproximateAndRecallTheExactBest() {
        const int64_t n = 40000;
        const auto data = clustered(n, 2);
        const auto byId = byIdOf(data);
        auto index = VectorIndex::build(kDim, n, sourceOf(data), /*exactUpTo=*/10000);
        QCOMPARE(index->kind(), VectorIndex::Kind::Approximate);
        QCOMPARE(index->size(), n);

        std::mt19937_64 random(3);
        for (const double cosine : {0.3, 0.0}) {
            int hits = 0, total = 0;
            for (int q = 0; q < 100; ++q) {
                const auto query = queryNear(data.data() + (random() % n) * kDim, cosine, random);
                const std::set<int64_t> truth = exactTop(data, query.data(), 10);
                for (const ScoredId& hit : index->search(query.data(), 10, lookupIn(byId))) {
                    hits += truth.count(hit.id);
                    float exact = 0;
                    for (int j = 0; j < kDim; ++j) exact += query[j] * byId.at(hit.id)[j];
                    QVERIFY2(std::fabs(hit.score - exact) <= 1e-5f,
                             qPrintable(QString::number(hit.score - exact)));
                }
                total += 10;
            }
            const double recall = double(hits) / total;
            qInfo("recall@10 at cosine %.1f (0: random directions): %.3f", cosine, recall);
            QVERIFY2(recall >= (cosine > 0 ? 0.99 : 0.97), qPrintable(QString::number(recall)));
        }
    }

    // The AVX2 kernel computes the portable kernel's integers, so every CPU finds the same candidates with
    // the same scores from the codes (80 values: the fixture model's, 32 bytes at a time and a tail of 8).
    void everyCpuFindsTheSameCandidates() {
        const auto kernels = CompressedVectors::kernelsOnThisCpu();
        if (kernels.size() < 2)
            QSKIP(
                "this CPU has neither AVX2 nor AVX-512: only the portable kernel runs here, nothing to "
                "compare");
        // Vectors of 80 and 200 values end inside a 32- and a 64-byte block; 640 is ALIGN's.
        for (const int dim : {80, 200, 640}) {
            std::mt19937_64 random(5);
            std::normal_distribution<float> gauss;
            const auto data = randomUnitVectors(3000, dim, random);
            CompressedVectors codes(dim, data.data(), 3000);
            codes.add(idsUpTo(3000), data.data());
            for (int q = 0; q < 20; ++q) {
                std::vector<float> query(dim);
                for (float& x : query) x = gauss(random);
                CompressedVectors::useKernel(CompressedVectors::Kernel::Portable);
                const auto portable = codes.best(query.data(), 50, 2);
                for (const auto kernel : kernels) {
                    CompressedVectors::useKernel(kernel);
                    const auto fast = codes.best(query.data(), 50, 2);
                    QCOMPARE(fast.size(), portable.size());
                    for (size_t i = 0; i < fast.size(); ++i) {
                        QCOMPARE(fast[i].id, portable[i].id);
                        QCOMPARE(fast[i].score, portable[i].score);
                    }
                }
                CompressedVectors::useBestKernel();
            }
        }
    }

    // Past 65,536 vectors the scan is split across threads, each keeping its own best; merged, they are the
    // best of one whole scan (equal scores ordered by id), whatever the number of parts.
    void aScanSplitAcrossThreadsFindsWhatOneScanFinds() {
        constexpr int dim = 16;
        constexpr int64_t n = 140000;  // 4 parts of 35,000 with 4 threads
        std::mt19937_64 random(9);
        std::normal_distribution<float> gauss;
        const auto data = randomUnitVectors(n, dim, random);
        CompressedVectors codes(dim, data.data(), 65536);
        codes.add(idsUpTo(n), data.data());
        for (int q = 0; q < 10; ++q) {
            std::vector<float> query(dim);
            for (float& x : query) x = gauss(random);
            const auto one = codes.best(query.data(), 300, 1);
            QCOMPARE(one.size(), size_t{300});
            for (const int threads : {2, 4}) {
                const auto split = codes.best(query.data(), 300, threads);
                QCOMPARE(split.size(), one.size());
                for (size_t i = 0; i < one.size(); ++i) {
                    QCOMPARE(split[i].id, one[i].id);
                    QCOMPARE(split[i].score, one[i].score);
                }
            }
        }
    }

    void approximateIndexAddsReplacesRemovesAndSurvivesSaveLoad() {
        const int64_t n = 12000;
        const auto data = clustered(n, 4);
        auto byId = byIdOf(data);
        auto index = VectorIndex::build(kDim, n, sourceOf(data), 5000);
        QCOMPARE(index->kind(), VectorIndex::Kind::Approximate);

        // Replacing id 1 with photo 2's vector: still one entry for id 1, now found where photo 2 is.
        byId[1] = byId[2];
        index->add({1}, byId[1]);
        QCOMPARE(index->size(), n);
        const auto hits = index->search(data.data() + kDim, 2, lookupIn(byId));
        QCOMPARE(std::set<int64_t>({hits[0].id, hits[1].id}), std::set<int64_t>({1, 2}));
        // Given back from its codes: each value within half a step of 1/15 of its range, a range no wider
        // than twice the largest value (or 4 standard deviations of a random unit vector's, 4/8 here).
        std::vector<float> back;
        QVERIFY(index->reconstruct(2, back));
        float largest = 0.5f;
        for (float x : data) largest = std::max(largest, std::fabs(x));
        for (int j = 0; j < kDim; ++j)
            QVERIFY2(std::fabs(back[j] - data[kDim + j]) <= 2 * largest / 15 / 2 * 1.0001f,
                     qPrintable(
                         QStringLiteral("value %1: %2, stored %3").arg(j).arg(back[j]).arg(data[kDim + j])));

        index->remove({2, 999999});  // an unknown id is ignored
        byId.erase(2);
        QCOMPARE(index->size(), n - 1);
        QVERIFY(!index->reconstruct(2, back));
        // A vector the catalog no longer has (removed since the index was saved) is left out.
        const auto withoutOne = index->search(data.data() + 2 * kDim, 5, lookupIn(byId));
        QCOMPARE(withoutOne.front().id, int64_t{3});
        byId.erase(3);
        for (const ScoredId& hit : index->search(data.data() + 2 * kDim, 5, lookupIn(byId)))
            QVERIFY(hit.id != 3);
        byId[3] = std::vector<float>(data.begin() + 2 * kDim, data.begin() + 3 * kDim);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("vectors.faiss"));
        index->save(path);
        auto loaded = VectorIndex::load(path, kDim);
        QCOMPARE(loaded->kind(), VectorIndex::Kind::Approximate);
        QCOMPARE(loaded->size(), n - 1);
        for (int q = 0; q < 10; ++q) {
            const float* query = data.data() + (100 + q) * kDim;
            const auto a = index->search(query, 10), b = loaded->search(query, 10);
            QCOMPARE(a.size(), b.size());
            for (size_t i = 0; i < a.size(); ++i) {
                QCOMPARE(a[i].id, b[i].id);
                QCOMPARE(a[i].score, b[i].score);
            }
        }
        QVERIFY_THROWS_EXCEPTION(AlignError, VectorIndex::load(path, kDim + 1));
        // Cut short, or a count larger than the file: refused before anything is allocated.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const qint64 full = file.size();
        QVERIFY(file.resize(full - 1));
        QVERIFY_THROWS_EXCEPTION(AlignError, VectorIndex::load(path, kDim));
        QVERIFY(file.resize(full));
        QVERIFY(file.seek(16));
        const int64_t huge = int64_t{1} << 50;
        file.write(reinterpret_cast<const char*>(&huge), sizeof huge);
        file.close();
        QVERIFY_THROWS_EXCEPTION(AlignError, VectorIndex::load(path, kDim));
    }

    void kindIsChosenBySettingOrEnvironment() {
        // "auto" (or nothing) follows the size; "exact" and "approximate" hold at any size; the environment
        // decides only when the setting is empty; a misspelling is an error that names the choices.
        qunsetenv("PHOTOSEARCH_INDEX");
        QCOMPARE(VectorIndex::exactUpToFor(QString()), VectorIndex::kExactUpTo);
        QCOMPARE(VectorIndex::exactUpToFor(QStringLiteral("auto")), VectorIndex::kExactUpTo);
        QCOMPARE(VectorIndex::exactUpToFor(QStringLiteral("approximate")), int64_t{0});
        QCOMPARE(VectorIndex::exactUpToFor(QStringLiteral(" Exact ")), std::numeric_limits<int64_t>::max());
        qputenv("PHOTOSEARCH_INDEX", "approximate");
        QCOMPARE(VectorIndex::exactUpToFor(QString()), int64_t{0});
        QCOMPARE(VectorIndex::exactUpToFor(QStringLiteral("exact")), std::numeric_limits<int64_t>::max());
        qputenv("PHOTOSEARCH_INDEX", "fast");
        try {
            VectorIndex::exactUpToFor(QString());
            QFAIL("no error for PHOTOSEARCH_INDEX=fast");
        } catch (const AlignError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("exact, approximate or auto")),
                     e.what());
        }
        qunsetenv("PHOTOSEARCH_INDEX");

        // A loaded index of the other kind is rebuilt; under "auto" only well past the limit either way.
        using K = VectorIndex::Kind;
        const int64_t limit = VectorIndex::kExactUpTo, exact = std::numeric_limits<int64_t>::max();
        QVERIFY(!VectorIndex::wantsOtherKind(K::Exact, limit + 1, limit));
        QVERIFY(VectorIndex::wantsOtherKind(K::Exact, limit * 2, limit));
        QVERIFY(!VectorIndex::wantsOtherKind(K::Approximate, limit - 1, limit));
        QVERIFY(VectorIndex::wantsOtherKind(K::Approximate, limit / 4, limit));
        QVERIFY(VectorIndex::wantsOtherKind(K::Exact, 12, 0));
        QVERIFY(!VectorIndex::wantsOtherKind(K::Exact, 1, 0));  // too little to train an approximate index on
        QVERIFY(!VectorIndex::wantsOtherKind(K::Approximate, 12, 0));
        QVERIFY(VectorIndex::wantsOtherKind(K::Approximate, 1, 0));
        QVERIFY(VectorIndex::wantsOtherKind(K::Approximate, 12, exact));
        QVERIFY(!VectorIndex::wantsOtherKind(K::Exact, 5 * limit, exact));
    }

    void approximateKindWorksOnASmallLibrary() {
        // Chosen for a library of any size (as tests and a person's setting may): 2, 12 and 300 vectors
        // build, and every vector finds itself first (re-ranked exactly: its cosine to itself is 1). One
        // vector stays exact: the codes learn each value's range from at least two.
        const auto one = clustered(1, 11);
        QCOMPARE(VectorIndex::build(kDim, 1, sourceOf(one), 0)->kind(), VectorIndex::Kind::Exact);
        for (const int64_t n : {int64_t{2}, int64_t{12}, int64_t{300}}) {
            const auto data = clustered(n, 11);
            const auto byId = byIdOf(data);
            auto index = VectorIndex::build(kDim, n, sourceOf(data), /*exactUpTo=*/0);
            QCOMPARE(index->kind(), VectorIndex::Kind::Approximate);
            QCOMPARE(index->size(), n);
            for (int64_t i = 0; i < n; i += std::max<int64_t>(1, n / 12)) {
                const auto hits = index->search(data.data() + i * kDim, 3, lookupIn(byId));
                QVERIFY(!hits.empty());
                QCOMPARE(hits[0].id, i + 1);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestVectorIndex)
#include "tst_vector_index.moc"
