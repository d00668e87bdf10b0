#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "protocol/encode.hpp"
#include "server/core/metrics.hpp"
#include "server/fanout/ring.hpp"
#include "server/hub/cluster_link.hpp"
#include "server/room/room.hpp"
#include "server/store/event_log.hpp"

namespace liveroom::hub {

class hub;
class worker;

// A connection that wants the room's `mod.*` events (moderators, hosts).
class mod_listener {
  public:
    virtual ~mod_listener() = default;
    // Any thread: queue a private message for the connection.
    virtual void send_private_from_anywhere(std::string msg) = 0;
};

// Counters a room keeps with atomics, so sessions on any worker update them
// without a message to the owner; the owner publishes them on its tick.
struct room_counters {
    std::atomic<std::int64_t> online{0};
    std::atomic<std::int64_t> peak{0};
    std::atomic<std::int64_t> views{0};
    std::atomic<std::int64_t> likes{0};

    void joined() noexcept;
    void left() noexcept { online.fetch_sub(1, std::memory_order_relaxed); }
    protocol::presence read() const noexcept;
};

// One room and its owner: the room's logic runs on one worker (its owner),
// which applies requests in order, assigns seq and encodes each event once.
// With an event log, each step's accepted request and events are written
// first (group commit, off this thread); once durable, the events go to the
// ring (each worker woken at most once per burst) and the acks go out. See
// server/README.md, "Durability".
class room_runner : public room::event_sink, public std::enable_shared_from_this<room_runner> {
  public:
    // Where a reply goes (called on the owner thread).
    using reply_fn = std::function<void(std::string)>;

    room_runner(hub& h,
                room::room_spec spec,
                std::size_t index,
                std::size_t owner,
                std::uint32_t ring_size,
                store::event_log* log,
                cluster_link* cluster = nullptr);
    ~room_runner() override;

    const std::string& id() const noexcept { return id_; }
    std::size_t index() const noexcept { return index_; }
    worker& owner();
    fanout::ring& events() noexcept { return ring_; }
    room_counters& counters() noexcept { return counters_; }
    bool allow_guests() const noexcept { return allow_guests_; }
    // Owner thread: a quiz is open.
    bool quiz_open() const noexcept { return room_.quiz_open(); }

    // Before the workers run: rebuilds the room from the event log (replays
    // its commands through room::apply, refills the ring with its newest
    // events, restores the counters). Returns the number of commands.
    std::uint64_t recover();

    // ---- Cluster mode (see server/README.md, "Cluster"). A room on a node
    // either follows its stream (applies the owner's steps, fans the events
    // out, forwards requests) or owns it (applies requests, publishes steps).
    // Owner thread: one message of the room's stream, at stream position
    // `position`, read by follow generation `gen`; `pending` = messages after it.
    struct stream_step {
        std::uint64_t gen = 0;
        std::uint64_t position = 0;
        std::uint64_t pending = 0;
        std::string origin;  // node that published it
        std::uint64_t term = 0;
        store::batch batch;
    };
    void on_stream(stream_step s);
    // Owner thread: the stream holds nothing more for generation `gen`.
    void on_caught_up(std::uint64_t gen);
    // Owner thread: this node holds the room's lease; the room owns once it
    // has applied its stream up to `last` (else the next call retries).
    void promote(std::uint64_t last);
    // Owner thread: another node holds the lease (or it could not be renewed).
    void demote();
    // Owner thread: the node's link to the cluster went down / came back.
    void on_link(bool up);
    // Owner thread: another node's counters for this room (cumulative).
    void on_remote_presence(
        const std::string& node, std::int64_t online, std::int64_t views, std::int64_t likes, std::int64_t now);
    // Owner thread: an owner's mod.* message relayed from another node.
    void on_remote_mod(const std::string& msg);
    // Owner thread: a join recorded for a viewer of another node.
    void on_remote_join(const room::actor& who, std::int64_t now);
    // Owner thread.
    bool owning() const noexcept { return mode_ == mode::owner; }
    std::uint64_t follow_gen() const noexcept { return gen_; }
    // Any thread.
    bool owning_any_thread() const noexcept { return owning_mirror_.load(std::memory_order_relaxed); }
    bool caught_up_any_thread() const noexcept { return caught_up_mirror_.load(std::memory_order_relaxed); }
    std::uint64_t seq_any_thread() const noexcept { return seq_mirror_.load(std::memory_order_relaxed); }

    // Owner thread: begins the presence tick.
    void start_ticking();
    void stop_ticking();

    // Owner thread. Writes the welcome for `who` into `out` and returns the
    // first seq the session must be sent after it; returns 0 with an error
    // in `out` when `who` may not join (banned).
    // Moderators and hosts (passing `listener`) also receive mod.* events.
    std::uint64_t welcome(const room::actor& who,
                          const std::shared_ptr<mod_listener>& listener,
                          std::optional<std::uint64_t> since,
                          std::int64_t now,
                          std::string& out);

    // Owner thread: applies a request; `reply` gets the ack or error once the
    // request is durable (nothing when it carried no id and succeeded).
    // Replies keep the order of the requests.
    // `in` carries what the connection measured (a quiz answer's time).
    void handle(const room::actor& who,
                const protocol::request& r,
                std::int64_t now,
                reply_fn reply,
                room::server_inputs in = {});

    // Owner thread: the room's questions, for the export.
    std::vector<room::room::question_record> question_records() const { return room_.question_records(); }
    // Owner thread: copies of the quizzes (with every answer) and draws.
    std::vector<room::quiz> quiz_records() const { return room_.quizzes().all(); }
    std::vector<room::draw_record> draw_records() const { return room_.quizzes().draws(); }

    store::event_log* log() const noexcept { return log_; }

    // Any thread: the room as REST shows it, as an object / as fields of the
    // current object (spec, status and counters; the spec is immutable).
    void write_summary(protocol::json_out& j) const;
    void write_summary_fields(protocol::json_out& j) const;
    // Any thread: what the public home page lists (no deck, no counters but online).
    void write_public_summary(protocol::json_out& j) const;
    protocol::room_status status() const noexcept {
        return static_cast<protocol::room_status>(status_mirror_.load(std::memory_order_relaxed));
    }

    // room::event_sink (owner thread).
    void emit(std::string_view type,
              fanout::frame_class cls,
              std::uint8_t key,
              const std::function<void(protocol::json_out&)>& write) override;
    void emit_mod(std::string_view type, const std::function<void(protocol::json_out&)>& write) override;
    void banned(std::string_view user) override;

  private:
    struct pending_reply {
        reply_fn to;
        std::string msg;  // the ack or error
        std::string id;
        bool has_id = false;
        bool wrote = false;  // the request changed the room
    };
    // A step written to the log and not yet durable.
    struct inflight {
        std::shared_ptr<store::batch> batch;
        std::vector<std::string> mods;
        std::vector<pending_reply> replies;
    };
    static bool read_only(const protocol::request_body& body) noexcept;
    store::batch& step();  // the current step's writes
    void end_step(pending_reply r);
    void on_written(bool ok);
    void publish_event(std::uint64_t seq, fanout::frame_class cls, std::uint8_t key, std::string_view bytes);
    void rewind();
    void replay_log();
    void send_mod(const std::string& msg);
    void wake_workers();
    void tick();
    void arm_tick();
    void mirror_state() noexcept;
    void publish_mod_counters(std::int64_t now);
    bool writes() const noexcept { return log_ != nullptr || cluster_ != nullptr; }
    void apply_command(const store::command_rec& c);
    void publish_stored(const store::event_rec& e);
    void rebuild_from_stream();
    void record_join(const room::actor& who, std::int64_t now);
    void set_mode(bool owner) noexcept;
    protocol::presence total_presence(std::int64_t now);

    // Vote changes are published at most once per question per tick.
    static constexpr int coalesce_interval_ms = 500;

    hub& hub_;
    store::event_log* const log_;  // nullptr: --durability off, or a cluster
    cluster_link* const cluster_;  // nullptr: a single node
    const std::string id_;
    const std::size_t index_;
    const std::size_t owner_;
    const bool allow_guests_;
    room::room room_;
    fanout::ring ring_;
    room_counters counters_;
    protocol::json_out json_;
    protocol::json_out state_json_;
    std::string viewer_state_;  // the viewers' snapshot as of viewer_state_seq_
    std::uint64_t viewer_state_seq_ = 0;
    std::uint64_t seq_ = 0;        // last seq assigned
    std::uint64_t committed_ = 0;  // last seq durable and in the ring
    std::uint64_t next_command_ = 1;
    std::shared_ptr<store::batch> step_;  // what the current step writes
    std::vector<std::string> step_mods_;
    std::deque<inflight> inflight_;
    bool broken_ = false;            // a write failed; rewinding once the in-flight steps return
    std::int64_t refuse_until_ = 0;  // after a failure, refuse changes until then (ms)
    bool replaying_ = false;
    std::vector<std::uint64_t> crit_before_;  // by seq & (ring size - 1)
    std::uint64_t crit_total_ = 0;

    struct alignas(64) wake_flag {
        std::atomic<bool> pending{false};
    };
    std::unique_ptr<wake_flag[]> wake_;

    // Copies of owner-thread state for readers on other threads.
    std::atomic<int> status_mirror_{0};
    std::atomic<std::int64_t> ends_at_mirror_{0};

    boost::asio::steady_timer timer_;
    protocol::presence last_presence_{};
    std::int64_t last_presence_at_ = 0;
    std::int64_t peak_at_ = 0;
    std::array<std::int64_t, 8> last_mod_counters_{};
    std::vector<std::weak_ptr<mod_listener>> moderators_;
    std::unordered_set<std::size_t> unique_viewers_;  // hashes of ids: 8 bytes a viewer, not a string
    bool ticking_ = false;

    // Cluster state (owner thread).
    enum class mode { single, follower, owner };
    mode mode_ = mode::single;
    std::uint64_t gen_ = 1;             // follow generation (a rebuild starts a new one)
    std::uint64_t applied_stream_ = 0;  // stream position of the last message applied
    bool caught_up_ = false;            // the stream held nothing more when last read
    bool linked_ = true;
    std::uint64_t term_ = 0;      // ownerships taken by this process
    std::uint64_t own_term_ = 0;  // steps of this term are applied already (0: none)
    struct remote_counts {
        std::int64_t online = 0, views = 0, likes = 0, views_base = 0, likes_base = 0, at = 0;
    };
    std::unordered_map<std::string, remote_counts> remote_;
    protocol::presence base_{};        // the room's counters when this node took it
    protocol::presence local_base_{};  // this node's own counters then
    std::int64_t cluster_peak_ = 0;
    std::atomic<bool> owning_mirror_{false};
    std::atomic<bool> caught_up_mirror_{false};
    std::atomic<std::uint64_t> seq_mirror_{0};
};

// A presence event's counters (0 for what it lacks).
protocol::presence parse_presence(std::string_view body);
extern core::metric rewinds;

// welcome() refusals: banned (1008), or try another node (1013).
inline constexpr std::uint64_t welcome_refused = 0;
inline constexpr std::uint64_t welcome_retry = ~std::uint64_t{0};

}  // namespace liveroom::hub
