#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace liveroom::store {

// A store that cannot be opened or used: the message names the file and
// what is wrong with it, for the operator.
class store_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// One SQLite connection (RAII). Errors throw store_error, except where a
// method returns the result code for the caller to handle (the writer).
class db {
  public:
    enum class mode { read_write_create, read_only };
    db(const std::string& path, mode m);
    ~db();
    db(const db&) = delete;
    db& operator=(const db&) = delete;

    sqlite3* handle() const noexcept { return db_; }
    const std::string& path() const noexcept { return path_; }

    // Runs statements without results; throws on failure.
    void exec(const char* sql);
    // Runs statements without results; returns the SQLite result code.
    int try_exec(const char* sql) noexcept;
    // The first column of the first row as an integer (0 when no row).
    std::int64_t query_int(const char* sql);
    std::string last_error() const;

  private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

// One prepared statement (RAII), reset after each use.
class stmt {
  public:
    stmt(db& d, const char* sql);
    ~stmt();
    stmt(const stmt&) = delete;
    stmt& operator=(const stmt&) = delete;

    stmt& bind(int i, std::int64_t v);
    stmt& bind(int i, std::string_view v);
    // Steps once: true when a row is ready, false when done; throws on error.
    bool step();
    // Steps to completion; returns the SQLite result code (no throw).
    int run() noexcept;
    void reset() noexcept;

    std::int64_t col_int(int i) const noexcept;
    std::string_view col_text(int i) const noexcept;

  private:
    db& db_;
    sqlite3_stmt* s_ = nullptr;
};

}  // namespace liveroom::store
