// VectorIndex: the exact and the approximate kind, chosen by size, with recall measured against exact search.
#include "align_error.h"
#include "vector_index.h"

#include <QTemporaryDir>
#include <QTest>

#include <limits>
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

    // A library past the limit gets the approximate index; its recall@10 against exact search, on fresh
    // queries that were not used to calibrate it, must be at least the 0.95 the issue asks.
    void largeLibrariesAreApproximateWithMeasuredRecall() {
        const int64_t n = 40000;
        const auto data = clustered(n, 2);
        auto index = VectorIndex::build(kDim, n, sourceOf(data), /*exactUpTo=*/10000);
        QCOMPARE(index->kind(), VectorIndex::Kind::Approximate);
        QCOMPARE(index->size(), n);
        QVERIFY2(index->measuredRecall() >= VectorIndex::kTargetRecall,
                 qPrintable(QString::number(index->measuredRecall())));
        QVERIFY(index->nprobe() >= 1);

        std::mt19937_64 random(3);
        std::normal_distribution<float> gauss;
        int hits = 0, total = 0;
        for (int q = 0; q < 100; ++q) {
            // A photo's vector moved to cosine ~0.5, as far as text queries are from what they find.
            const float* v = data.data() + (random() % n) * kDim;
            std::vector<float> noise(kDim);
            double nn = 0;
            for (float& x : noise) {
                x = gauss(random);
                nn += double(x) * x;
            }
            std::vector<float> query(kDim);
            for (int j = 0; j < kDim; ++j)
                query[j] = v[j] + static_cast<float>(noise[j] * std::sqrt((1 / 0.25 - 1) / nn));
            query = unitVector(query.data(), kDim);
            const std::set<int64_t> truth = exactTop(data, query.data(), 10);
            for (const ScoredId& hit : index->search(query.data(), 10)) hits += truth.count(hit.id);
            total += 10;
        }
        const double recall = double(hits) / total;
        qInfo("recall@10 on 100 fresh queries: %.3f (nprobe %d)", recall, index->nprobe());
        QVERIFY2(recall >= 0.95, qPrintable(QString::number(recall)));
    }

    void approximateIndexAddsReplacesRemovesAndSurvivesSaveLoad() {
        const int64_t n = 12000;
        const auto data = clustered(n, 4);
        auto index = VectorIndex::build(kDim, n, sourceOf(data), 5000);
        QCOMPARE(index->kind(), VectorIndex::Kind::Approximate);

        // Replacing id 1 with photo 2's vector: still one entry for id 1, now found where photo 2 is.
        index->add({1}, std::vector<float>(data.begin() + kDim, data.begin() + 2 * kDim));
        QCOMPARE(index->size(), n);
        const auto hits = index->search(data.data() + kDim, 2);
        QCOMPARE(std::set<int64_t>({hits[0].id, hits[1].id}), std::set<int64_t>({1, 2}));
        std::vector<float> back;
        QVERIFY(index->reconstruct(2, back));
        double dot = 0;
        for (int j = 0; j < kDim; ++j) dot += back[j] * data[kDim + j];
        QVERIFY2(dot > 0.999, qPrintable(QString::number(dot)));  // 8-bit codes: close, not equal

        index->remove({2, 999999});  // an unknown id is ignored
        QCOMPARE(index->size(), n - 1);
        QVERIFY(!index->reconstruct(2, back));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("vectors.faiss"));
        index->save(path);
        auto loaded = VectorIndex::load(path, kDim);
        QCOMPARE(loaded->kind(), VectorIndex::Kind::Approximate);
        QCOMPARE(loaded->size(), n - 1);
        QCOMPARE(loaded->nprobe(), index->nprobe());
        for (int q = 0; q < 10; ++q) {
            const float* query = data.data() + (100 + q) * kDim;
            const auto a = index->search(query, 10), b = loaded->search(query, 10);
            QCOMPARE(a.size(), b.size());
            for (size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i].id, b[i].id);
        }
        QVERIFY_THROWS_EXCEPTION(AlignError, VectorIndex::load(path, kDim + 1));
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
        // build, and every vector finds itself first (8-bit codes keep a vector nearest to itself). One
        // vector stays exact: 8-bit codes learn each value's range from at least two.
        const auto one = clustered(1, 11);
        QCOMPARE(VectorIndex::build(kDim, 1, sourceOf(one), 0)->kind(), VectorIndex::Kind::Exact);
        for (const int64_t n : {int64_t{2}, int64_t{12}, int64_t{300}}) {
            const auto data = clustered(n, 11);
            auto index = VectorIndex::build(kDim, n, sourceOf(data), /*exactUpTo=*/0);
            QCOMPARE(index->kind(), VectorIndex::Kind::Approximate);
            QCOMPARE(index->size(), n);
            for (int64_t i = 0; i < n; i += std::max<int64_t>(1, n / 12)) {
                const auto hits = index->search(data.data() + i * kDim, 3);
                QVERIFY(!hits.empty());
                QCOMPARE(hits[0].id, i + 1);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestVectorIndex)
#include "tst_vector_index.moc"
