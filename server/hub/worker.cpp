#include "server/hub/worker.hpp"

#include "server/core/alloc_stats.hpp"
#include "server/core/log.hpp"
#include "server/core/metrics.hpp"
#include "server/hub/room_runner.hpp"

namespace liveroom::hub {

namespace {
core::metric wakes_total("liveroom_worker_wakes_total",
                         "room wakes handled by workers (one per burst per worker)",
                         core::metric::kind::counter);
}

worker::worker(std::size_t index) : index_(index), guard_(ioc_.get_executor()) {}

worker::~worker() {
    if (thread_.joinable()) {
        ioc_.stop();
        thread_.join();
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
        rooms_[i] = std::make_unique<local_room>(room.events(), pool_);
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
    member* last = lr->members.back();
    lr->members[m.member_index] = last;
    last->member_index = m.member_index;
    lr->members.pop_back();
}

void worker::on_wake(room_runner& room) {
    local_room* lr = find(room);
    if (lr == nullptr) {
        return;
    }
    wakes_total.add();
    if (lr->feed.drain() == 0) {
        return;
    }
    // Index loop: a member may leave (swap-remove) while being woken.
    for (std::size_t i = 0; i < lr->members.size(); ++i) {
        member* m = lr->members[i];
        m->on_room_frames();
        if (i < lr->members.size() && lr->members[i] != m) {
            --i;  // m left and another member took its place
        }
    }
}

}  // namespace liveroom::hub
