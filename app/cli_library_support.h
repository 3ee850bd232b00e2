// What the library commands of photosearch-cli share (cli_library_commands.cpp, cli_library_admin.cpp).
#pragma once

#include "cli_commands.h"
#include "photo_library.h"

#include <QJsonObject>
#include <QJsonValue>

#include <memory>

namespace photosearch::cli {

QJsonValue n(int64_t v);  // a count as JSON
void addLibraryOption(CommandLine& cl);
// The library the options name (or the default), with a note on stderr when a stale lock was removed.
std::unique_ptr<PhotoLibrary> openLibrary(const CommandLine& cl, bool writable, bool verifyCatalog = false);
void print(const QJsonObject& o);  // one compact JSON line on stdout
// The options search and similar share (limit, filters, "not", --good-only, --sort), and reading them into
// SearchOptions (an error text for a bad value).
void addSearchOptions(CommandLine& cl);
QString readSearchOptions(QCommandLineParser& p, SearchOptions& o);
// Results as lines or as JSON (`understood`: what the query language read, when it did).
int printResults(const QString& key, const QString& query, const std::vector<SearchResult>& results,
                 double elapsedMs, bool json, const QJsonObject& understood = {});

}  // namespace photosearch::cli
