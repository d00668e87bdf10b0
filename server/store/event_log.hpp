#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "server/store/sqlite.hpp"

namespace liveroom::store {

// How far a committed write survives (see README.md, "Durability").
enum class durability {
    off,      // no store: nothing survives a restart
    process,  // WAL, synchronous=NORMAL: survives kill -9; a power loss may lose the last commits
    power,    // WAL, synchronous=FULL: each group commit is fsynced before its acks
};
std::optional<durability> parse_durability(std::string_view s) noexcept;

// One accepted input of a room, replayed through room::apply on recovery.
struct command_rec {
    std::uint64_t n = 0;
    std::int64_t ts = 0;
    std::string kind;  // "request" or "tick"
    std::string actor;
    std::string name;
    int role = 0;
    std::string type;  // request type
    std::string body;  // request JSON as received ("" for a tick)
    std::string aux;   // server inputs (room::server_inputs), "" when none
};

// One room event, exactly as sent to viewers.
struct event_rec {
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
    std::string type;
    int cls = 0;
    int key = 0;
    std::string body;
};

// What one step of a room's owner wrote: committed together or not at all.
struct batch {
    std::string room;
    std::vector<command_rec> commands;
    std::vector<event_rec> events;
};

struct stored_room {
    std::string id;
    std::string spec;  // JSON
    std::int64_t created_at = 0;
};

// The embedded event log: SQLite in WAL mode in `<data-dir>/liveroom.db`,
// written by one dedicated thread with group commit (every batch queued
// while a commit runs goes into the next transaction), so the I/O threads
// never wait on disk. Reads use their own connections and never block it.
class event_log {
  public:
    // Opens or creates the store; throws store_error with a message for the
    // operator (corrupt file, newer schema, unwritable directory).
    event_log(const std::filesystem::path& dir, durability d, std::int64_t max_bytes);
    // Writes everything submitted, then stops the writer.
    ~event_log();
    event_log(const event_log&) = delete;
    event_log& operator=(const event_log&) = delete;

    const std::filesystem::path& file() const noexcept { return file_; }

    // Any thread. `done(ok)` runs on the writer thread once the batch is
    // committed (ok) or refused (storage full or failing). After a failed
    // batch, later batches of the same room fail too until resume_room()'s
    // marker passes the queue (the room has reloaded its state by then).
    using done_fn = std::function<void(bool ok)>;
    void submit(std::shared_ptr<const batch> b, done_fn done);
    void resume_room(std::string room);
    void add_room(stored_room r, done_fn done);
    // The room and everything it wrote.
    void remove_room(std::string room, done_fn done);
    // Blocks until everything submitted before the call is written.
    void flush();

    // Reads (any thread; each call opens its own read connection).
    std::vector<stored_room> rooms() const;
    // Every command of `room` in order.
    void read_commands(std::string_view room, const std::function<void(const command_rec&)>& fn) const;
    // Events with seq >= from, at most `limit`, in order.
    std::vector<event_rec> read_events(std::string_view room, std::uint64_t from, std::size_t limit) const;
    // The newest event of `type` (nullopt when none).
    std::optional<event_rec> last_event(std::string_view room, std::string_view type) const;
    std::uint64_t last_seq(std::string_view room) const;
    std::uint64_t last_command(std::string_view room) const;

    // Retention (writer thread): blanks the text of the comments of rooms
    // that ended before `cutoff_ms`; questions, counts and the report stay.
    // `done` gets the number of comments purged (-1 on failure).
    void purge_comments(std::int64_t cutoff_ms, std::function<void(std::int64_t)> done);

    // Opens a read connection (for reports that run their own queries).
    std::unique_ptr<db> reader() const;

  private:
    struct item {
        enum class kind { batch, resume, add_room, remove_room, barrier, purge } k = kind::batch;
        std::shared_ptr<const batch> b;
        stored_room room;
        done_fn done;
        std::int64_t cutoff = 0;
        std::function<void(std::int64_t)> purged;
    };
    void push(item it);
    void run();
    void write_group(std::vector<item>& group);
    bool write_batch(const batch& b);
    void apply_item(item& it, std::vector<std::pair<done_fn, bool>>& results);
    std::int64_t purge(std::int64_t cutoff);

    std::filesystem::path file_;
    std::unique_ptr<db> writer_db_;
    std::unique_ptr<stmt> insert_command_;
    std::unique_ptr<stmt> insert_event_;
    std::unique_ptr<stmt> insert_room_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::condition_variable cv_checkpoint_;
    std::deque<item> queue_;
    bool stopping_ = false;
    std::unordered_set<std::string> failed_rooms_;  // writer thread only
    std::thread thread_;
    // Checkpoints run here, on a connection of their own: their fsyncs never
    // hold up a group commit (the writer's automatic checkpoint is off).
    void checkpoint_loop();
    std::unique_ptr<db> checkpoint_db_;
    std::thread checkpointer_;
};

}  // namespace liveroom::store
