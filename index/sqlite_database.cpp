#include "sqlite_database.h"

#include "library_error.h"
#include "native_path.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <cstdio>

#include <sqlite3.h>

namespace photosearch {

SqliteDatabase::SqliteDatabase(const QString& path, Mode mode) : path_(path) {
    int flags = SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI;
    QByteArray name = path.toUtf8();
    if (mode == Mode::ReadWrite) {
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    } else {
        flags |= SQLITE_OPEN_READONLY;
        // A URI, so any byte of the path is percent-encoded and never read as a query.
        name = "file:" + name.toPercentEncoding("/") + (mode == Mode::Immutable ? "?immutable=1" : "");
    }
    const int rc = sqlite3_open_v2(name.constData(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        const int code = db_ ? sqlite3_extended_errcode(db_) : rc;
        sqlite3_close(db_);
        db_ = nullptr;
        throwError(code, "cannot open the catalog: " + message);
    }
    // Another process (an indexer, a second window) may hold the write lock for one batch.
    sqlite3_busy_timeout(db_, 10000);
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

void SqliteDatabase::fail(const std::string& what) const {
    throwError(sqlite3_extended_errcode(db_), what + ": " + sqlite3_errmsg(db_));
}

void SqliteDatabase::throwError(int code, const std::string& detail) const {
    const std::string file = path_.toStdString();
    const std::string folder = QFileInfo(path_).absolutePath().toStdString();
    switch (code & 0xff) {
        case SQLITE_FULL:
            throw LibraryError(LibraryErrorKind::DiskFull, "no space left on the disk holding " + folder +
                                                               " (" + detail +
                                                               "); free some space and run again");
        case SQLITE_READONLY:
        case SQLITE_PERM:
            throw LibraryError(LibraryErrorKind::ReadOnly,
                               folder + ": the library is read-only here (" + detail +
                                   "); searching works, changing it needs write permission");
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            throw LibraryError(LibraryErrorKind::CatalogDamaged,
                               file + ": the catalog is damaged (" + detail +
                                   "); run 'photosearch-cli repair' to restore the copy "
                                   "kept after the last successful run");
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            throw LibraryError(LibraryErrorKind::Locked,
                               file + ": the catalog stayed locked by another PhotoSearch (" + detail +
                                   "); try again when it has finished");
        case SQLITE_IOERR:
            if (code == SQLITE_IOERR_WRITE || code == SQLITE_IOERR_FSYNC || code == SQLITE_IOERR_TRUNCATE)
                throw LibraryError(LibraryErrorKind::DiskFull,
                                   "cannot write to the disk holding " + folder + " (" + detail +
                                       "); it may be full or failing: free some space and run again");
            break;
        default:
            break;
    }
    throw AlignError(file + ": " + detail);
}

void SqliteDatabase::exec(const char* sql) {
    char* error = nullptr;
    if (const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error); rc != SQLITE_OK) {
        const std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throwError(sqlite3_extended_errcode(db_), message);
    }
}

int64_t SqliteDatabase::scalar(const char* sql) {
    SqliteStatement s(*this, sql);
    return s.step() ? s.integer(0) : 0;
}

void SqliteDatabase::backupTo(const QString& destination) {
    const QString temp = destination + QStringLiteral(".tmp");
    QFile::remove(temp);
    sqlite3* out = nullptr;
    if (sqlite3_open_v2(QFile::encodeName(temp).constData(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK) {
        sqlite3_close(out);
        throw AlignError(temp.toStdString() + ": cannot create the catalog's backup");
    }
    sqlite3_backup* b = sqlite3_backup_init(out, "main", db_, "main");
    int rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(out);
    if (b) sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE) rc = sqlite3_exec(out, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
    const std::string message = sqlite3_errmsg(out);
    sqlite3_close(out);
    if (rc != SQLITE_OK ||
        std::rename(QFile::encodeName(temp).constData(), QFile::encodeName(destination).constData()) != 0) {
        QFile::remove(temp);
        throw AlignError(destination.toStdString() + ": cannot write the catalog's backup: " + message);
    }
}

QString SqliteDatabase::quickCheck() {
    QStringList problems;
    SqliteStatement s(*this, "PRAGMA quick_check(5)");
    while (s.step()) problems << s.text(0);
    return problems.join(QStringLiteral("; "));
}

int64_t SqliteDatabase::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDatabase::changes() const { return sqlite3_changes(db_); }

SqliteStatement::SqliteStatement(SqliteDatabase& db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK)
        db.fail("cannot prepare a query");
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
    // Text as UTF-8, except the bytes of a file name that are not (native_path): stored exactly as the file
    // system has them, so the name read back opens the same file.
    const QByteArray utf8 = native_path::encode(v);
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
    return p ? native_path::decode(p, sqlite3_column_bytes(stmt_, c)) : QString();
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
