#include "server/store/sqlite.hpp"

#include <sqlite3.h>

namespace liveroom::store {

db::db(const std::string& path, mode m) : path_(path) {
    const int flags = m == mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    // NOMUTEX: each connection is used by one thread at a time.
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw store_error(path + ": cannot open: " + why);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 5000);
}

db::~db() {
    sqlite3_close_v2(db_);
}

void db::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string why = err != nullptr ? err : "unknown error";
        sqlite3_free(err);
        throw store_error(path_ + ": " + why);
    }
}

int db::try_exec(const char* sql) noexcept {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
}

std::int64_t db::query_int(const char* sql) {
    stmt s(*this, sql);
    return s.step() ? s.col_int(0) : 0;
}

std::string db::last_error() const {
    return sqlite3_errmsg(db_);
}

stmt::stmt(db& d, const char* sql) : db_(d) {
    if (sqlite3_prepare_v3(d.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK) {
        throw store_error(d.path() + ": " + d.last_error());
    }
}

stmt::~stmt() {
    sqlite3_finalize(s_);
}

stmt& stmt::bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
}

stmt& stmt::bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
}

bool stmt::step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        reset();
        return false;
    }
    std::string why = db_.last_error();
    reset();
    throw store_error(db_.path() + ": " + why);
}

int stmt::run() noexcept {
    int rc = 0;
    while ((rc = sqlite3_step(s_)) == SQLITE_ROW) {
    }
    reset();
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void stmt::reset() noexcept {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

std::int64_t stmt::col_int(int i) const noexcept {
    return sqlite3_column_int64(s_, i);
}

std::string_view stmt::col_text(int i) const noexcept {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p == nullptr ? std::string_view{}
                        : std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i)));
}

}  // namespace liveroom::store
