// The cluster half of room_runner: following a room's stream, taking and
// giving up its ownership, and summing counters across nodes. See
// server/README.md, "Cluster".
#include <algorithm>

#include <boost/asio/post.hpp>

#include "server/core/clock.hpp"
#include "server/core/log.hpp"
#include "server/hub/hub.hpp"
#include "server/hub/room_runner.hpp"
#include "server/hub/worker.hpp"
#include "server/room/spec_json.hpp"

namespace liveroom::hub {

namespace {
// A node whose counters have not been heard from for this long is offline.
constexpr std::int64_t remote_online_ttl_ms = 3000;
}  // namespace

void room_runner::set_mode(bool owner) noexcept {
    mode_ = owner ? mode::owner : mode::follower;
    owning_mirror_.store(owner, std::memory_order_relaxed);
}

void room_runner::on_stream(stream_step st) {
    if (st.gen != gen_ || st.position <= applied_stream_) {
        return;  // an earlier follow generation, or read twice
    }
    applied_stream_ = st.position;
    const bool own = own_term_ != 0 && st.term == own_term_ && st.origin == cluster_->node_id();
    if (!own && !broken_) {
        if (mode_ == mode::owner) {
            // Another node wrote to the room (this node's lease had lapsed):
            // it owns the room now, and what this node applied since its own
            // last publish is not history. Start again from the stream.
            LR_WARN("cluster", "room %s: node %s wrote at stream position %llu; following it", id_.c_str(),
                    st.origin.c_str(), static_cast<unsigned long long>(st.position));
            set_mode(false);
            cluster_->released(id_);
            broken_ = true;
            if (inflight_.empty()) {
                rebuild_from_stream();
            }
            return;
        }
        replaying_ = true;
        for (const auto& c : st.batch.commands) {
            apply_command(c);
        }
        replaying_ = false;
        bool published = false;
        for (const auto& e : st.batch.events) {
            if (e.type == "presence") {
                last_presence_ = parse_presence(e.body);
            }
            if (e.seq <= committed_) {
                seq_ = std::max(seq_, e.seq);  // in the ring already (a rebuild)
                continue;
            }
            if (e.seq != seq_ + 1) {
                LR_ERROR("cluster", "room %s: stream event seq %llu follows %llu", id_.c_str(),
                         static_cast<unsigned long long>(e.seq), static_cast<unsigned long long>(seq_));
            }
            publish_stored(e);
            published = true;
        }
        if (published) {
            wake_workers();
        }
        viewer_state_.clear();
        mirror_state();
        if (log_ != nullptr) {
            auto b = std::make_shared<store::batch>(std::move(st.batch));
            b->room = id_;
            log_->submit(std::move(b), {});  // this node's copy of the room (replay, export)
        }
    }
    if (st.pending == 0) {
        on_caught_up(gen_);
    }
}

void room_runner::on_caught_up(std::uint64_t gen) {
    if (gen == gen_ && !caught_up_) {
        caught_up_ = true;
        caught_up_mirror_.store(true, std::memory_order_relaxed);
        LR_INFO("cluster", "room %s: caught up at seq %llu (stream position %llu)", id_.c_str(),
                static_cast<unsigned long long>(seq_), static_cast<unsigned long long>(applied_stream_));
    }
}

void room_runner::promote(std::uint64_t last) {
    if (mode_ == mode::owner || !linked_ || broken_ || !caught_up_ || applied_stream_ < last || !inflight_.empty() ||
        applied_stream_ == 0) {
        return;  // the lease loop asks again (and an empty stream gets a first step: no unfenced publish)
    }
    own_term_ = ++term_;
    cluster_->fence(id_, applied_stream_, term_);
    set_mode(true);
    // Counters go on from the last published ones; other nodes' reports
    // count from their next one.
    base_ = last_presence_;
    local_base_ = counters_.read();
    remote_.clear();
    cluster_peak_ = last_presence_.peak;
    refuse_until_ = 0;
    LR_INFO("cluster", "room %s: owned by this node from seq %llu (stream position %llu)", id_.c_str(),
            static_cast<unsigned long long>(seq_), static_cast<unsigned long long>(applied_stream_));
}

void room_runner::demote() {
    if (mode_ != mode::owner) {
        return;
    }
    LR_WARN("cluster", "room %s: lease lost at seq %llu; following", id_.c_str(),
            static_cast<unsigned long long>(seq_));
    // Steps in flight either land (and are history) or fail the fence (and
    // the room rebuilds from the stream once they are all back).
    set_mode(false);
}

void room_runner::on_link(bool up) {
    if (!up) {
        linked_ = false;
        set_mode(false);
        // Its viewers go to a node that can reach the room.
        for (std::size_t w = 0; w < hub_.size(); ++w) {
            boost::asio::post(hub_.worker_at(w).ioc(),
                              [self = shared_from_this(), w] { self->hub_.worker_at(w).on_unavailable(*self); });
        }
        return;
    }
    linked_ = true;
    // What happened meanwhile is read from the stream again.
    broken_ = true;
    if (inflight_.empty()) {
        rebuild_from_stream();
    }
}

void room_runner::rebuild_from_stream() {
    rewinds.add();
    LR_WARN("cluster", "room %s: reading its stream again from the start (ring at seq %llu)", id_.c_str(),
            static_cast<unsigned long long>(committed_));
    set_mode(false);
    cluster_->released(id_);
    if (seq_ > committed_) {
        crit_total_ = crit_before_[(committed_ + 1) & (crit_before_.size() - 1)];
    }
    seq_ = committed_;
    room_ = room::room(room_.spec(), hub_.comment_policy());
    next_command_ = 1;
    applied_stream_ = 0;
    own_term_ = 0;
    caught_up_ = false;
    caught_up_mirror_.store(false, std::memory_order_relaxed);
    broken_ = false;
    ++gen_;
    mirror_state();
    if (log_ != nullptr) {
        // This node's copy is written again from the stream too.
        protocol::json_out j;
        room::write_spec(j, room_.spec());
        log_->remove_room(id_, {});
        log_->add_room({id_, std::string(j.finish()), core::now_ms()}, {});
        log_->resume_room(id_);
    }
    cluster_->refollow(id_, gen_);
    for (std::size_t w = 0; w < hub_.size(); ++w) {
        boost::asio::post(hub_.worker_at(w).ioc(), [self = shared_from_this(), w, last = committed_] {
            self->hub_.worker_at(w).on_rewind(*self, last);
        });
    }
}

void room_runner::on_remote_presence(
    const std::string& node, std::int64_t online, std::int64_t views, std::int64_t likes, std::int64_t now) {
    if (node == cluster_->node_id()) {
        return;
    }
    auto [it, fresh] = remote_.try_emplace(node);
    remote_counts& r = it->second;
    if (fresh || views < r.views || likes < r.likes) {
        r.views_base = views;  // counted from here (a new node, or one that restarted)
        r.likes_base = likes;
    }
    r.online = online;
    r.views = views;
    r.likes = likes;
    r.at = now;
}

void room_runner::on_remote_join(const room::actor& who, std::int64_t now) {
    if (mode_ == mode::owner && !broken_) {
        record_join(who, now);
    }
}

protocol::presence room_runner::total_presence(std::int64_t now) {
    protocol::presence p = counters_.read();
    if (cluster_ == nullptr) {
        return p;
    }
    p.views = base_.views + (p.views - local_base_.views);
    p.likes = base_.likes + (p.likes - local_base_.likes);
    for (const auto& [node, r] : remote_) {
        if (now - r.at <= remote_online_ttl_ms) {
            p.online += r.online;
        }
        p.views += r.views - r.views_base;
        p.likes += r.likes - r.likes_base;
    }
    cluster_peak_ = std::max({cluster_peak_, p.online, base_.peak});
    p.peak = cluster_peak_;
    return p;
}

}  // namespace liveroom::hub
