#include "server/store/event_log.hpp"

#include <future>

#include <sqlite3.h>

#include "server/core/log.hpp"
#include "server/core/metrics.hpp"
#include "server/store/schema.hpp"

namespace liveroom::store {

namespace {
core::metric commits_total("liveroom_store_commits_total",
                           "group commits of the event log",
                           core::metric::kind::counter);
core::metric batches_total("liveroom_store_batches_total",
                           "room steps written (one or more per commit)",
                           core::metric::kind::counter);
core::metric failures_total("liveroom_store_failures_total",
                            "room steps the store refused (disk full or failing)",
                            core::metric::kind::counter);
core::metric queue_depth("liveroom_store_queue", "writes waiting for the event log", core::metric::kind::gauge);

constexpr std::size_t max_group = 8192;
}  // namespace

std::optional<durability> parse_durability(std::string_view s) noexcept {
    if (s == "off") {
        return durability::off;
    }
    if (s == "process") {
        return durability::process;
    }
    if (s == "power") {
        return durability::power;
    }
    return std::nullopt;
}

event_log::event_log(const std::filesystem::path& dir, durability d, std::int64_t max_bytes) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        throw store_error(dir.string() + ": cannot create the data directory: " + ec.message());
    }
    file_ = dir / "liveroom.db";
    writer_db_ = std::make_unique<db>(file_.string(), db::mode::read_write_create);
    auto& w = *writer_db_;
    prepare_schema(w);
    if (w.try_exec("PRAGMA journal_mode=WAL") != SQLITE_OK) {
        throw store_error(file_.string() + ": cannot switch to WAL mode: " + w.last_error());
    }
    w.exec(d == durability::power ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    w.exec("PRAGMA wal_autocheckpoint=0");  // checkpoint_loop() does it, off the writer
    checkpoint_db_ = std::make_unique<db>(file_.string(), db::mode::read_write_create);
    checkpoint_db_->exec(d == durability::power ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    if (max_bytes > 0) {
        const std::int64_t page = w.query_int("PRAGMA page_size");
        const std::string sql = "PRAGMA max_page_count=" + std::to_string(std::max<std::int64_t>(max_bytes / page, 16));
        w.exec(sql.c_str());
    }
    insert_command_ = std::make_unique<stmt>(
        w, "INSERT INTO commands(room, n, ts, kind, actor, name, role, type, body, aux) VALUES (?,?,?,?,?,?,?,?,?,?)");
    insert_event_ =
        std::make_unique<stmt>(w, "INSERT INTO events(room, seq, ts, type, cls, key, body) VALUES (?,?,?,?,?,?,?)");
    insert_room_ = std::make_unique<stmt>(w, "INSERT INTO rooms(id, spec, created_at) VALUES (?,?,?)");
    thread_ = std::thread([this] { run(); });
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
}

void event_log::checkpoint_loop() {
    constexpr auto every = std::chrono::milliseconds(500);
    for (;;) {
        {
            std::unique_lock lock(mu_);
            if (cv_checkpoint_.wait_for(lock, every, [&] { return stopping_; })) {
                return;
            }
        }
        // PASSIVE: copies what it can without blocking the writer or readers.
        checkpoint_db_->try_exec("PRAGMA wal_checkpoint(PASSIVE)");
    }
}

event_log::~event_log() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_one();
    cv_checkpoint_.notify_one();
    thread_.join();
    checkpointer_.join();
    checkpoint_db_.reset();
    insert_command_.reset();
    insert_event_.reset();
    insert_room_.reset();
    writer_db_->try_exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void event_log::push(item it) {
    {
        std::lock_guard lock(mu_);
        queue_.push_back(std::move(it));
    }
    queue_depth.add();
    cv_.notify_one();
}

void event_log::submit(std::shared_ptr<const batch> b, done_fn done) {
    item it;
    it.k = item::kind::batch;
    it.b = std::move(b);
    it.done = std::move(done);
    push(std::move(it));
}

void event_log::resume_room(std::string room) {
    item it;
    it.k = item::kind::resume;
    it.room.id = std::move(room);
    push(std::move(it));
}

void event_log::add_room(stored_room r, done_fn done) {
    item it;
    it.k = item::kind::add_room;
    it.room = std::move(r);
    it.done = std::move(done);
    push(std::move(it));
}

void event_log::remove_room(std::string room, done_fn done) {
    item it;
    it.k = item::kind::remove_room;
    it.room.id = std::move(room);
    it.done = std::move(done);
    push(std::move(it));
}

void event_log::flush() {
    std::promise<void> p;
    auto f = p.get_future();
    item it;
    it.k = item::kind::barrier;
    it.done = [&p](bool) { p.set_value(); };
    push(std::move(it));
    f.wait();
}

void event_log::purge_comments(std::int64_t cutoff_ms, std::function<void(std::int64_t)> done) {
    item it;
    it.k = item::kind::purge;
    it.cutoff = cutoff_ms;
    it.purged = std::move(done);
    push(std::move(it));
}

void event_log::run() {
    std::vector<item> group;
    for (;;) {
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;  // stopping, and everything is written
            }
            while (!queue_.empty() && group.size() < max_group) {
                group.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        queue_depth.sub(static_cast<std::int64_t>(group.size()));
        write_group(group);
        group.clear();
    }
}

void event_log::write_group(std::vector<item>& group) {
    auto& w = *writer_db_;
    std::vector<std::pair<done_fn, bool>> results;
    results.reserve(group.size());
    std::vector<std::string> written_rooms;  // rooms with a batch in this transaction
    const bool began = w.try_exec("BEGIN") == SQLITE_OK;
    for (auto& it : group) {
        if (!began && (it.k == item::kind::batch || it.k == item::kind::add_room)) {
            results.emplace_back(std::move(it.done), false);
            continue;
        }
        if (it.k == item::kind::batch && it.b) {
            written_rooms.push_back(it.b->room);
        }
        apply_item(it, results);
    }
    if (began && w.try_exec("COMMIT") != SQLITE_OK) {
        LR_ERROR("store", "commit failed: %s", w.last_error().c_str());
        w.try_exec("ROLLBACK");
        for (auto& r : results) {
            r.second = false;
        }
        for (auto& room : written_rooms) {
            failed_rooms_.insert(std::move(room));
        }
    }
    commits_total.add();
    for (auto& [done, ok] : results) {
        if (!ok) {
            failures_total.add();
        }
        if (done) {
            done(ok);
        }
    }
}

void event_log::apply_item(item& it, std::vector<std::pair<done_fn, bool>>& results) {
    auto& w = *writer_db_;
    switch (it.k) {
        case item::kind::batch: {
            batches_total.add();
            results.emplace_back(std::move(it.done), write_batch(*it.b));
            break;
        }
        case item::kind::resume:
            failed_rooms_.erase(it.room.id);
            break;
        case item::kind::add_room: {
            insert_room_->bind(1, it.room.id).bind(2, it.room.spec).bind(3, it.room.created_at);
            const int rc = insert_room_->run();
            if (rc != SQLITE_OK) {
                LR_ERROR("store", "cannot save room %s: %s", it.room.id.c_str(), w.last_error().c_str());
            }
            results.emplace_back(std::move(it.done), rc == SQLITE_OK);
            break;
        }
        case item::kind::remove_room: {
            bool ok = true;
            for (const char* sql : {"DELETE FROM commands WHERE room = ?", "DELETE FROM events WHERE room = ?",
                                    "DELETE FROM rooms WHERE id = ?"}) {
                stmt s(w, sql);
                s.bind(1, it.room.id);
                ok = s.run() == SQLITE_OK && ok;
            }
            results.emplace_back(std::move(it.done), ok);
            break;
        }
        case item::kind::barrier:
            results.emplace_back(std::move(it.done), true);
            break;
        case item::kind::purge: {
            std::int64_t n = -1;
            try {
                n = purge(it.cutoff);
            } catch (const store_error& e) {
                LR_ERROR("store", "retention purge failed: %s", e.what());
            }
            if (it.purged) {
                it.purged(n);
            }
            break;
        }
    }
}

bool event_log::write_batch(const batch& b) {
    if (failed_rooms_.count(b.room) != 0) {
        return false;
    }
    auto& w = *writer_db_;
    if (w.try_exec("SAVEPOINT step") != SQLITE_OK) {
        failed_rooms_.insert(b.room);
        return false;
    }
    int rc = SQLITE_OK;
    for (const auto& c : b.commands) {
        auto& s = *insert_command_;
        s.bind(1, b.room).bind(2, static_cast<std::int64_t>(c.n)).bind(3, c.ts).bind(4, c.kind).bind(5, c.actor);
        s.bind(6, c.name).bind(7, c.role).bind(8, c.type).bind(9, c.body).bind(10, c.aux);
        if ((rc = s.run()) != SQLITE_OK) {
            break;
        }
    }
    for (std::size_t i = 0; rc == SQLITE_OK && i < b.events.size(); ++i) {
        const auto& e = b.events[i];
        auto& s = *insert_event_;
        s.bind(1, b.room).bind(2, static_cast<std::int64_t>(e.seq)).bind(3, e.ts).bind(4, e.type);
        s.bind(5, e.cls).bind(6, e.key).bind(7, e.body);
        rc = s.run();
    }
    if (rc != SQLITE_OK) {
        LR_ERROR("store", "cannot write room %s: %s", b.room.c_str(), w.last_error().c_str());
        w.try_exec("ROLLBACK TO step");
        w.try_exec("RELEASE step");
        failed_rooms_.insert(b.room);
        return false;
    }
    w.try_exec("RELEASE step");
    return true;
}

std::int64_t event_log::purge(std::int64_t cutoff) {
    auto& w = *writer_db_;
    stmt ended(w,
               "SELECT room FROM events WHERE type = 'room.status' GROUP BY room "
               "HAVING json_extract(body, '$.status') = 'ended' AND max(ts) < ?");
    ended.bind(1, cutoff);
    std::vector<std::string> rooms;
    while (ended.step()) {
        rooms.emplace_back(ended.col_text(0));
    }
    std::int64_t purged = 0;
    stmt events(w,
                "UPDATE events SET body = json_set(body, '$.comment.text', '') "
                "WHERE room = ? AND type = 'comment' AND json_extract(body, '$.comment.text') != ''");
    // Replay needs a non-empty comment, so the command keeps a placeholder.
    stmt commands(w,
                  "UPDATE commands SET body = json_set(body, '$.text', '…') "
                  "WHERE room = ? AND type = 'comment' AND json_extract(body, '$.text') != '…'");
    // The command's record ends with the text as published: "state|into|cid|text".
    stmt records(w, "SELECT n, aux FROM commands WHERE room = ? AND type = 'comment' AND aux NOT LIKE '%|…'");
    stmt rewrite(w, "UPDATE commands SET aux = ? WHERE room = ? AND n = ?");
    for (const auto& r : rooms) {
        events.bind(1, r);
        events.run();
        purged += sqlite3_changes(w.handle());
        commands.bind(1, r);
        commands.run();
        std::vector<std::pair<std::int64_t, std::string>> blanked;
        records.bind(1, r);
        while (records.step()) {
            std::string aux(records.col_text(1));
            std::size_t cut = 0;
            for (int bar = 0; bar < 3 && cut != std::string::npos; ++bar) {
                cut = aux.find('|', cut == 0 && bar == 0 ? 0 : cut + 1);
            }
            if (cut != std::string::npos) {
                aux.resize(cut + 1);
                aux += "…";
                blanked.emplace_back(records.col_int(0), std::move(aux));
            }
        }
        for (const auto& [n, aux] : blanked) {
            rewrite.bind(1, aux).bind(2, r).bind(3, n);
            rewrite.run();
        }
    }
    return purged;
}

std::unique_ptr<db> event_log::reader() const {
    return std::make_unique<db>(file_.string(), db::mode::read_only);
}

std::vector<stored_room> event_log::rooms() const {
    auto d = reader();
    stmt s(*d, "SELECT id, spec, created_at FROM rooms ORDER BY created_at, id");
    std::vector<stored_room> out;
    while (s.step()) {
        out.push_back({std::string(s.col_text(0)), std::string(s.col_text(1)), s.col_int(2)});
    }
    return out;
}

void event_log::read_commands(std::string_view room, const std::function<void(const command_rec&)>& fn) const {
    auto d = reader();
    stmt s(*d, "SELECT n, ts, kind, actor, name, role, type, body, aux FROM commands WHERE room = ? ORDER BY n");
    s.bind(1, room);
    command_rec c;
    while (s.step()) {
        c.n = static_cast<std::uint64_t>(s.col_int(0));
        c.ts = s.col_int(1);
        c.kind.assign(s.col_text(2));
        c.actor.assign(s.col_text(3));
        c.name.assign(s.col_text(4));
        c.role = static_cast<int>(s.col_int(5));
        c.type.assign(s.col_text(6));
        c.body.assign(s.col_text(7));
        c.aux.assign(s.col_text(8));
        fn(c);
    }
}

namespace {
event_rec read_event(const stmt& s) {
    return {static_cast<std::uint64_t>(s.col_int(0)),
            s.col_int(1),
            std::string(s.col_text(2)),
            static_cast<int>(s.col_int(3)),
            static_cast<int>(s.col_int(4)),
            std::string(s.col_text(5))};
}
}  // namespace

std::vector<event_rec> event_log::read_events(std::string_view room, std::uint64_t from, std::size_t limit) const {
    auto d = reader();
    stmt s(*d, "SELECT seq, ts, type, cls, key, body FROM events WHERE room = ? AND seq >= ? ORDER BY seq LIMIT ?");
    s.bind(1, room).bind(2, static_cast<std::int64_t>(from)).bind(3, static_cast<std::int64_t>(limit));
    std::vector<event_rec> out;
    while (s.step()) {
        out.push_back(read_event(s));
    }
    return out;
}

std::optional<event_rec> event_log::last_event(std::string_view room, std::string_view type) const {
    auto d = reader();
    stmt s(*d,
           "SELECT seq, ts, type, cls, key, body FROM events WHERE room = ? AND type = ? ORDER BY seq DESC LIMIT 1");
    s.bind(1, room).bind(2, type);
    if (!s.step()) {
        return std::nullopt;
    }
    auto e = read_event(s);
    s.reset();
    return e;
}

std::uint64_t event_log::last_seq(std::string_view room) const {
    auto d = reader();
    stmt s(*d, "SELECT coalesce(max(seq), 0) FROM events WHERE room = ?");
    s.bind(1, room);
    const auto v = s.step() ? s.col_int(0) : 0;
    s.reset();
    return static_cast<std::uint64_t>(v);
}

std::uint64_t event_log::last_command(std::string_view room) const {
    auto d = reader();
    stmt s(*d, "SELECT coalesce(max(n), 0) FROM commands WHERE room = ?");
    s.bind(1, room);
    const auto v = s.step() ? s.col_int(0) : 0;
    s.reset();
    return static_cast<std::uint64_t>(v);
}

}  // namespace liveroom::store
