#include "server/hub/worker.hpp"

#include <algorithm>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>

#include "server/core/alloc_stats.hpp"
#include "server/core/clock.hpp"
#include "server/core/log.hpp"
#include "server/core/metrics.hpp"
#include "server/hub/room_runner.hpp"

namespace liveroom::hub {

namespace {
core::metric delayed_passes("liveroom_delayed_passes_total",
                            "delivery passes held back to batch events under load",
                            core::metric::kind::counter);
core::metric wakes_total("liveroom_worker_wakes_total",
                         "room wakes handled by workers (one per burst per worker)",
                         core::metric::kind::counter);
}  // namespace

worker::worker(std::size_t index, int max_pass_delay_ms)
    : index_(index), max_pass_delay_ns_(std::int64_t{max_pass_delay_ms} * 1000000), guard_(ioc_.get_executor()) {}

worker::~worker() {
    if (thread_.joinable()) {
        ioc_.stop();
        thread_.join();
    }
    for (auto& lr : rooms_) {
        if (lr) {
            lr->pass_timer.reset();
        }
    }
}

void worker::start() {
    thread_ = std::thread([this] {
        allocated_.store(core::thread_allocated_counter(), std::memory_order_release);
        for (;;) {
            try {
                ioc_.run();
                break;
            } catch (const std::exception& e) {
                LR_ERROR("hub", "worker %zu: uncaught exception: %s", index_, e.what());
            }
        }
    });
}

void worker::join() {
    guard_.reset();
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::uint64_t worker::allocated_bytes() const noexcept {
    const std::uint64_t* p = allocated_.load(std::memory_order_acquire);
    return p != nullptr ? *reinterpret_cast<const volatile std::uint64_t*>(p) : 0;
}

local_room* worker::find(room_runner& room) {
    const std::size_t i = room.index();
    return i < rooms_.size() ? rooms_[i].get() : nullptr;
}

local_room& worker::subscribe(room_runner& room, member& m) {
    const std::size_t i = room.index();
    if (i >= rooms_.size()) {
        rooms_.resize(i + 1);
    }
    if (!rooms_[i]) {
        rooms_[i] = std::make_unique<local_room>(room.events(), pool_, ioc_);
    }
    local_room& lr = *rooms_[i];
    lr.feed.drain();
    m.member_index = lr.members.size();
    lr.members.push_back(&m);
    return lr;
}

void worker::unsubscribe(room_runner& room, member& m) {
    local_room* lr = find(room);
    if (lr == nullptr || m.member_index >= lr->members.size() || lr->members[m.member_index] != &m) {
        return;
    }
    auto& v = lr->members;
    const std::size_t idx = m.member_index;
    if (idx < lr->pass_pos) {
        // Inside the part the running pass has served: fill the hole with the
        // last served member, and its slot with the last member (not yet
        // served), which the pass then still reaches.
        const std::size_t j = lr->pass_pos - 1;
        v[idx] = v[j];
        v[idx]->member_index = idx;
        v[j] = v.back();
        v[j]->member_index = j;
        lr->pass_pos = j;
    } else {
        v[idx] = v.back();
        v[idx]->member_index = idx;
    }
    v.pop_back();
}

void worker::on_rewind(room_runner& room, std::uint64_t last_seq) {
    if (local_room* lr = find(room)) {
        const auto members = lr->members;  // a member may leave while told
        for (member* m : members) {
            m->on_room_rewound(last_seq);
        }
    }
}

void worker::on_ban(room_runner& room, const std::string& user) {
    if (local_room* lr = find(room)) {
        const auto members = lr->members;
        for (member* m : members) {
            m->on_room_banned(user);
        }
    }
}

void worker::on_unavailable(room_runner& room) {
    if (local_room* lr = find(room)) {
        const auto members = lr->members;
        for (member* m : members) {
            m->on_room_unavailable();
        }
    }
}

// A wake drains the room's new events into this worker's feed, then runs a
// delivery pass: every idle member writes all it has not yet sent. Under
// load a pass is held back so that it starts no sooner than pass_gap_factor
// times the last pass's own duration after that pass began (capped by
// --fanout-max-delay-ms): events that arrive meanwhile go out in the same
// write, so the number of writes per second stays bounded while the batch
// per write grows. A light room (fast passes) is served at once.
void worker::on_wake(room_runner& room) {
    local_room* lr = find(room);
    if (lr == nullptr) {
        return;
    }
    wakes_total.add();
    if (lr->feed.drain() == 0 || lr->pass_scheduled) {
        return;
    }
    if (lr->pass_running) {
        lr->pass_again = true;  // members already served this pass get a next one
        return;
    }
    schedule_pass(*lr);
}

bool worker::defer_to_pass(local_room& lr) {
    if (lr.pass_running) {
        lr.pass_again = true;  // it may be in the part this pass has served
        return true;
    }
    return lr.pass_scheduled;
}

void worker::schedule_pass(local_room& lr) {
    const std::int64_t now = core::mono_ns();
    const std::int64_t gap = std::min(pass_gap_factor * lr.last_pass_ns, max_pass_delay_ns_);
    const std::int64_t wait = lr.last_pass_start_ns + gap - now;
    if (wait <= 0) {
        run_pass(lr);
        return;
    }
    lr.pass_scheduled = true;
    delayed_passes.add();
    lr.pass_timer->expires_after(std::chrono::nanoseconds(wait));
    // Through the worker's handler memory, like the sessions' operations: a
    // delayed pass allocates nothing after warm-up.
    lr.pass_timer->async_wait(boost::asio::bind_allocator(core::handler_allocator<char>(handler_memory_),
                                                          [this, plr = &lr](const boost::system::error_code& ec) {
                                                              plr->pass_scheduled = false;
                                                              if (!ec) {
                                                                  plr->feed.drain();
                                                                  run_pass(*plr);
                                                              }
                                                          }));
}

void worker::run_pass(local_room& lr) {
    lr.last_pass_start_ns = core::mono_ns();
    lr.pass_head = lr.feed.head();
    lr.pass_pos = 0;
    lr.pass_busy_ns = 0;
    lr.pass_running = true;
    continue_pass(lr);
}

// One slice of a pass. A member that leaves while woken (or while the pass
// waits between slices) is swap-removed by unsubscribe(), which keeps
// [0, pass_pos) the served members; members that join meanwhile are appended
// and served by this pass.
void worker::continue_pass(local_room& lr) {
    const std::int64_t start = core::mono_ns();
    std::size_t served = 0;
    while (lr.pass_pos < lr.members.size() && served < pass_slice) {
        member* m = lr.members[lr.pass_pos++];
        m->on_room_frames();
        ++served;
    }
    lr.pass_busy_ns += core::mono_ns() - start;
    if (lr.pass_pos < lr.members.size()) {
        boost::asio::post(
            ioc_, boost::asio::bind_allocator(core::handler_allocator<char>(handler_memory_), [this, plr = &lr] {
                plr->feed.drain();  // events published meanwhile reach the rest of this pass too
                continue_pass(*plr);
            }));
        return;
    }
    lr.pass_pos = 0;
    lr.pass_running = false;
    lr.last_pass_ns = lr.pass_busy_ns;
    if (lr.pass_again) {
        lr.pass_again = false;
        schedule_pass(lr);
    }
}

}  // namespace liveroom::hub
