#include "server/store/schema.hpp"

#include <string>

namespace liveroom::store {

namespace {

// Version 1. `commands` is the room's input (what was accepted, in order):
// replaying it through room::apply rebuilds the room's state. `events` is the
// room's output (the seq stream): it refills the ring and serves replay.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE rooms(
  id TEXT PRIMARY KEY,
  spec TEXT NOT NULL,          -- the room spec as JSON (POST /api/rooms body)
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE commands(
  room TEXT NOT NULL,
  n INTEGER NOT NULL,          -- per room, from 1, gap-free
  ts INTEGER NOT NULL,         -- the `now` the room applied it with
  kind TEXT NOT NULL,          -- request | tick
  actor TEXT NOT NULL,
  name TEXT NOT NULL,
  role INTEGER NOT NULL,
  type TEXT NOT NULL,          -- the request's type, e.g. question.answer
  body TEXT NOT NULL,          -- the request as received (JSON)
  aux TEXT NOT NULL,           -- server inputs: a quiz's seed, an answer's elapsed ms
  PRIMARY KEY(room, n)
) WITHOUT ROWID;
CREATE TABLE events(
  room TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  type TEXT NOT NULL,
  cls INTEGER NOT NULL,        -- fanout::frame_class
  key INTEGER NOT NULL,
  body TEXT NOT NULL,          -- the event exactly as sent
  PRIMARY KEY(room, seq)
) WITHOUT ROWID;
CREATE INDEX events_by_type ON events(room, type, seq);
INSERT INTO meta(key, value) VALUES ('app', 'liveroom');
)sql";

}  // namespace

void prepare_schema(db& d) {
    std::int64_t version = 0;
    try {
        version = d.query_int("PRAGMA user_version");
        const std::int64_t tables = d.query_int("SELECT count(*) FROM sqlite_schema");
        if (version == 0 && tables != 0) {
            throw store_error(d.path() + ": not a liveroom store (it holds other tables); use another --data-dir");
        }
        if (version != 0 && d.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'meta'") == 0) {
            throw store_error(d.path() + ": not a liveroom store (no meta table); use another --data-dir");
        }
    } catch (const store_error& e) {
        const std::string what = e.what();
        if (what.find("not a liveroom store") != std::string::npos) {
            throw;
        }
        throw store_error(d.path() + ": corrupt or not a database (" + what + ")");
    }
    if (version > schema_version) {
        throw store_error(d.path() + ": written by a newer liveroom (schema " + std::to_string(version) +
                          "); this build reads schema " + std::to_string(schema_version) + " and older");
    }
    if (version == 0) {
        d.exec("BEGIN");
        d.exec(schema_v1);
        d.exec("PRAGMA user_version = 1");
        d.exec("COMMIT");
        version = 1;
    }
    // Forward migrations go here: if (version == 1) { ...; user_version = 2 }.
}

}  // namespace liveroom::store
