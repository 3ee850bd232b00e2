#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace photosearch {

class SqliteDatabase;

// One prepared statement. Bind by 1-based index, step, read columns by 0-based index.
class SqliteStatement {
  public:
    SqliteStatement(SqliteDatabase& db, const char* sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    SqliteStatement& bind(int index, int64_t value);
    SqliteStatement& bind(int index, double value);
    SqliteStatement& bind(int index, const QString& value);
    SqliteStatement& bind(int index, const QByteArray& blob);
    SqliteStatement& bindNull(int index);
    // True while a row is available.
    bool step();
    // Runs to completion (for statements that return no rows).
    void run();
    void reset();

    int64_t integer(int column) const;
    double real(int column) const;
    QString text(int column) const;
    QByteArray blob(int column) const;
    bool isNull(int column) const;

  private:
    SqliteDatabase& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// A SQLite connection with the error handling we want: every failure is an AlignError naming the
// database file and what SQLite said, a LibraryError where a caller can act on its kind (disk full,
// read-only, damaged, locked).
class SqliteDatabase {
  public:
    enum class Mode { ReadWrite, ReadOnly, Immutable };  // Immutable: read-only media, no locks, no -shm file
    explicit SqliteDatabase(const QString& path, Mode mode = Mode::ReadWrite);
    ~SqliteDatabase();
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    void exec(const char* sql);
    int64_t scalar(const char* sql);
    int64_t lastInsertId() const;
    int changes() const;
    const QString& path() const { return path_; }
    // A consistent copy of the whole database at `destination` (SQLite's online backup), written beside it
    // under a temporary name, flushed, then renamed over it.
    void backupTo(const QString& destination);
    // PRAGMA quick_check: "ok", or the first problems SQLite found.
    QString quickCheck();
    sqlite3* handle() const { return db_; }
    [[noreturn]] void fail(const std::string& what) const;

  private:
    // A LibraryError of the kind SQLite's (extended) result code means, else an AlignError; both name the
    // file.
    [[noreturn]] void throwError(int code, const std::string& detail) const;
    QString path_;
    sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed uncommitted (an exception on the way).
class SqliteTransaction {
  public:
    explicit SqliteTransaction(SqliteDatabase& db);
    ~SqliteTransaction();
    void commit();

  private:
    SqliteDatabase& db_;
    bool done_ = false;
};

}  // namespace photosearch
