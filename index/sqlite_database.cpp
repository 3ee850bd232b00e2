#include "sqlite_database.h"

#include "align_error.h"

#include <sqlite3.h>

namespace photosearch {

SqliteDatabase::SqliteDatabase(const QString& path) : path_(path) {
    const int rc = sqlite3_open_v2(path.toUtf8().constData(), &db_,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw AlignError(path.toStdString() + ": cannot open the catalog: " + message);
    }
    // Another process (an indexer, a second window) may hold the write lock for one batch.
    sqlite3_busy_timeout(db_, 10000);
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

void SqliteDatabase::fail(const std::string& what) const {
    throw AlignError(path_.toStdString() + ": " + what + ": " + sqlite3_errmsg(db_));
}

void SqliteDatabase::exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw AlignError(path_.toStdString() + ": " + message);
    }
}

int64_t SqliteDatabase::scalar(const char* sql) {
    SqliteStatement s(*this, sql);
    return s.step() ? s.integer(0) : 0;
}

int64_t SqliteDatabase::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDatabase::changes() const { return sqlite3_changes(db_); }

SqliteStatement::SqliteStatement(SqliteDatabase& db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) db.fail("cannot prepare a query");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
}
SqliteStatement& SqliteStatement::bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
}
SqliteStatement& SqliteStatement::bind(int i, const QString& v) {
    const QByteArray utf8 = v.toUtf8();
    sqlite3_bind_text(stmt_, i, utf8.constData(), static_cast<int>(utf8.size()), SQLITE_TRANSIENT);
    return *this;
}
SqliteStatement& SqliteStatement::bind(int i, const QByteArray& v) {
    sqlite3_bind_blob(stmt_, i, v.constData(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}
SqliteStatement& SqliteStatement::bindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
}

bool SqliteStatement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail("query failed");
}

void SqliteStatement::run() {
    while (step()) {
    }
    reset();
}

void SqliteStatement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::integer(int c) const { return sqlite3_column_int64(stmt_, c); }
double SqliteStatement::real(int c) const { return sqlite3_column_double(stmt_, c); }
bool SqliteStatement::isNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
QString SqliteStatement::text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
    return p ? QString::fromUtf8(p, sqlite3_column_bytes(stmt_, c)) : QString();
}
QByteArray SqliteStatement::blob(int c) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, c));
    return p ? QByteArray(p, sqlite3_column_bytes(stmt_, c)) : QByteArray();
}

SqliteTransaction::SqliteTransaction(SqliteDatabase& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

SqliteTransaction::~SqliteTransaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace photosearch
