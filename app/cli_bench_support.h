#pragma once

// What the parts of `photosearch-cli bench` share.
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QTextStream>

#include <cstdint>
#include <vector>

namespace photosearch {
class AlignEmbedder;
}

namespace photosearch::cli::bench {

double median(std::vector<double> v);
double percentile(std::vector<double> v, double p);
double currentRssMb();
double peakRssMb();
// `count` phone photos (4032x3024, JPEG quality 90) made from the images in imagesDir, written to `out`.
QStringList writeCorpus(const QString& imagesDir, const QString& out, int count);
// `count` photos in a phone-era library's mix of sizes, in year/album folders under `out`; distinct files
// (a JPEG comment numbers each) made from 12 pictures per size.
QStringList writeMixedCorpus(const QString& imagesDir, const QString& out, int count);
// Distinct queries, so the text cache does not answer them.
QString query(int i);

// Text to ranked results over `count` synthetic photo vectors (the index kind as a library of that size
// gets, or $PHOTOSEARCH_INDEX), the queries starting at query(firstQuery): latency, and the approximate
// index's recall@10 against exact search.
QJsonObject searchLatency(AlignEmbedder& embedder, int64_t count, int firstQuery, QTextStream& out);

}  // namespace photosearch::cli::bench
