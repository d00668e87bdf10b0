#include "server/net/server.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <future>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/cluster/node.hpp"
#include "server/core/alloc_stats.hpp"
#include "server/core/clock.hpp"
#include "server/core/ip_limiter.hpp"
#include "server/core/log.hpp"
#include "server/core/metrics.hpp"
#include "server/fanout/frame.hpp"
#include "server/hub/hub.hpp"
#include "server/net/buffer_budget.hpp"
#include "server/net/http_session.hpp"
#include "server/net/session_registry.hpp"
#include "server/net/socket.hpp"

namespace liveroom::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
core::metric refused_ip_connections("liveroom_refused_ip_connections_total",
                                    "connections refused (429) at --max-connections-per-ip",
                                    core::metric::kind::counter);
core::metric refused_ip_handshakes("liveroom_refused_ip_handshakes_total",
                                   "connections refused (429) over --handshakes-per-ip-per-s",
                                   core::metric::kind::counter);
core::metric refused_dropped("liveroom_refused_dropped_total",
                             "refused connections closed without an answer (too many refusals at once)",
                             core::metric::kind::counter);

// Refused connections answered at once; past this, refusals just close.
constexpr std::int64_t max_refusals_in_progress = 1024;

core::ip_limiter::address address_key(const asio::ip::address& a) {
    if (a.is_v4()) {
        return asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
    }
    return a.to_v6().to_bytes();
}

// The TLS context of --tls-cert/--tls-key; throws with the reason when they
// cannot be loaded.
std::unique_ptr<asio::ssl::context> make_tls_context(const core::config& c) {
    if (c.tls_cert.empty()) {
        return nullptr;
    }
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                     asio::ssl::context::single_dh_use);
    ctx->use_certificate_chain_file(c.tls_cert);
    ctx->use_private_key_file(c.tls_key, asio::ssl::context::pem);
    return ctx;
}
}  // namespace

struct server::impl {
    explicit impl(const core::config& c)
        : cfg(c),
          log(open_log(c)),
          ip_limits({.max_connections = c.max_connections_per_ip,
                     .handshakes_per_s = static_cast<double>(c.handshakes_per_ip_per_s)}),
          rooms(c, log.get()),
          registries(rooms.size()) {
        buffers().configure(c.max_buffered_mb * 1024 * 1024, rooms.size());
        if (!c.cluster.empty()) {
            // The rooms' logs live in the cluster: no local store.
            cluster = std::make_unique<cluster::node>(c, rooms);
            rooms.set_cluster(cluster.get());
            rooms.set_cluster_create(
                [n = cluster.get()](std::string id, std::string spec, std::function<void(bool, bool)> done) {
                    n->create_room(std::move(id), std::move(spec), std::move(done));
                });
            cluster->load_rooms();
        }
    }

    static std::unique_ptr<store::event_log> open_log(const core::config& c) {
        const auto d = store::parse_durability(c.durability).value_or(store::durability::process);
        if (!c.cluster.empty()) {
            // The rooms' logs live in the cluster. This node keeps a copy of
            // what it applies, for replay and export, rebuilt from the
            // cluster at every start.
            const auto dir = std::filesystem::path(c.data_dir) / "cluster-mirror";
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
            std::filesystem::create_directories(dir, ec);
            return std::make_unique<store::event_log>(dir, store::durability::process, c.store_max_mb * 1024 * 1024);
        }
        if (d == store::durability::off) {
            return nullptr;
        }
        return std::make_unique<store::event_log>(c.data_dir, d, c.store_max_mb * 1024 * 1024);
    }

    core::config cfg;
    std::unique_ptr<store::event_log> log;  // written until the workers stop
    // Sessions hold leases on ip_limits and TLS streams on tls: both outlive
    // the workers (destroyed after `rooms`, which destroys the sessions).
    core::ip_limiter ip_limits;
    std::unique_ptr<asio::ssl::context> tls;  // null without --tls-cert
    hub::hub rooms;
    std::vector<session_registry> registries;  // one per worker
    std::unique_ptr<cluster::node> cluster;    // --cluster; stopped and destroyed before the rooms
    std::unique_ptr<tcp::acceptor> acceptor;
    std::vector<std::unique_ptr<asio::steady_timer>> idle_sweeps;  // one per worker
    std::size_t next_worker = 0;
    std::atomic<bool> stopping{false};
    std::promise<void> stopped;

    void accept() {
        hub::worker& w = rooms.worker_at(next_worker);
        next_worker = (next_worker + 1) % rooms.size();
        acceptor->async_accept(w.ioc(), [this, &w](boost::system::error_code ec, socket_t socket) {
            if (ec) {
                if (ec == asio::error::operation_aborted || stopping) {
                    return;
                }
                LR_WARN("net", "accept: %s", ec.message().c_str());
            } else {
                admit(std::move(socket), w);
            }
            accept();
        });
    }

    // Per-IP limits at accept: an admitted connection carries its lease until
    // it closes; a refused one is answered 429 (bounded), or just closed.
    void admit(socket_t socket, hub::worker& w) {
        boost::system::error_code ec;
        socket.set_option(tcp::no_delay(true), ec);
        core::ip_lease lease;
        std::optional<http_session::refusal> refusal;
        if (ip_limits.enabled()) {
            const auto peer = socket.remote_endpoint(ec);
            if (ec) {
                return;  // already gone
            }
            const auto key = address_key(peer.address());
            switch (ip_limits.admit(key, core::mono_ms())) {
                case core::ip_limiter::verdict::ok:
                    lease = core::ip_lease(ip_limits, key);
                    break;
                case core::ip_limiter::verdict::too_many_connections:
                    refused_ip_connections.add();
                    refusal = http_session::refusal{"too many connections from your address"};
                    break;
                case core::ip_limiter::verdict::too_many_handshakes:
                    refused_ip_handshakes.add();
                    refusal = http_session::refusal{"too many new connections from your address: slow down"};
                    break;
            }
            if (refusal && http_session::refusals_in_progress() >= max_refusals_in_progress) {
                refused_dropped.add();
                return;  // the socket closes here
            }
        }
        std::make_shared<http_session>(std::move(socket), rooms, w, registries[w.index()], std::move(lease), tls.get(),
                                       refusal)
            ->run();
    }

    // Each worker checks its sessions for idleness about once a second (a
    // ping after half of --idle-timeout-ms, a drop after all of it): one
    // timer per worker, none per connection.
    void start_idle_sweeps() {
        const int period = std::clamp(cfg.idle_timeout_ms / 4, 250, 1000);
        for (std::size_t i = 0; i < rooms.size(); ++i) {
            idle_sweeps.push_back(std::make_unique<asio::steady_timer>(rooms.worker_at(i).ioc()));
            idle_sweep(i, period);
        }
    }

    void idle_sweep(std::size_t i, int period) {
        idle_sweeps[i]->expires_after(std::chrono::milliseconds(period));
        idle_sweeps[i]->async_wait([this, i, period](const boost::system::error_code& ec) {
            if (ec || stopping) {
                return;
            }
            registries[i].check_idle(core::mono_ms());
            idle_sweep(i, period);
        });
    }

    // Stop accepting, close every session with 1001, wait for them to drain
    // (bounded), then stop the loops.
    void shutdown(int signo) {
        if (stopping.exchange(true)) {
            LR_WARN("net", "second signal: exiting now");
            std::_Exit(1);
        }
        LR_INFO("net", "signal %d: shutting down", signo);
        boost::system::error_code ignored;
        acceptor->close(ignored);
        rooms.stop_rooms();
        for (std::size_t i = 0; i < rooms.size(); ++i) {
            asio::post(rooms.worker_at(i).ioc(), [this, i] { registries[i].shutdown_all(); });
        }
        std::thread([this] {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.shutdown_timeout_ms);
            for (;;) {
                std::size_t open = 0;
                std::vector<std::future<std::size_t>> counts;
                for (std::size_t i = 0; i < rooms.size(); ++i) {
                    auto p = std::make_shared<std::promise<std::size_t>>();
                    counts.push_back(p->get_future());
                    asio::post(rooms.worker_at(i).ioc(), [this, i, p] { p->set_value(registries[i].size()); });
                }
                for (auto& f : counts) {
                    if (f.wait_until(deadline) == std::future_status::ready) {
                        open += f.get();
                    } else {
                        open += 1;
                    }
                }
                if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
                    if (open != 0) {
                        LR_WARN("net", "%zu connections still open at the deadline", open);
                    }
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            for (std::size_t i = 0; i < rooms.size(); ++i) {
                rooms.worker_at(i).stop();
            }
            stopped.set_value();
        }).detach();
    }
};

server::server(const core::config& cfg) : impl_(std::make_unique<impl>(cfg)) {
    core::register_sampled("liveroom_frames_alive", "serialized room events alive (ring + in flight)",
                           core::metric::kind::gauge, [] { return fanout::frame::live(); });
    core::register_sampled("liveroom_heap_allocated_bytes", "bytes the server holds on the heap (jemalloc; 0 without)",
                           core::metric::kind::gauge, [] { return core::read_heap_stats().allocated; });
    core::register_sampled("liveroom_heap_resident_bytes",
                           "bytes of heap pages resident (jemalloc; 0 without): RSS less code, stacks and the like",
                           core::metric::kind::gauge, [] { return core::read_heap_stats().resident; });
}

server::~server() = default;

store::event_log* server::log() {
    return impl_->log.get();
}

hub::hub& server::rooms() {
    return impl_->rooms;
}

int server::run() {
    auto& m = *impl_;
    try {
        m.tls = make_tls_context(m.cfg);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "liveroom: cannot load --tls-cert/--tls-key: %s\n", e.what());
        return 2;
    }
    core::register_sampled("liveroom_ip_addresses_tracked", "client addresses tracked by the per-IP limits",
                           core::metric::kind::gauge,
                           [&m] { return static_cast<std::int64_t>(m.ip_limits.tracked()); });
    core::register_sampled("liveroom_ws_buffered_bytes", "bytes queued for writing in all WebSocket sessions",
                           core::metric::kind::gauge, [] { return buffers().total(); });
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(m.cfg.bind, ec);
    if (ec) {
        std::fprintf(stderr, "liveroom: --bind '%s' is not an IP address\n", m.cfg.bind.c_str());
        return 2;
    }
    m.acceptor = std::make_unique<tcp::acceptor>(m.rooms.worker_at(0).ioc());
    const tcp::endpoint ep(addr, static_cast<unsigned short>(m.cfg.port));
    m.acceptor->open(ep.protocol(), ec);
    if (!ec) {
        m.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        m.acceptor->bind(ep, ec);
    }
    if (!ec) {
        m.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        std::fprintf(stderr, "liveroom: cannot listen on %s:%d: %s\n", m.cfg.bind.c_str(), m.cfg.port,
                     ec.message().c_str());
        return 2;
    }
    const auto bound = m.acceptor->local_endpoint();
    asio::signal_set signals(m.rooms.worker_at(0).ioc(), SIGINT, SIGTERM);
    std::function<void()> wait_signal = [&] {
        signals.async_wait([&](const boost::system::error_code& e, int signo) {
            if (!e) {
                m.shutdown(signo);
                wait_signal();
            }
        });
    };
    wait_signal();
    asio::steady_timer retention(m.rooms.worker_at(0).ioc());
    std::function<void()> purge = [&] {
        if (m.log == nullptr || m.cfg.retention_days == 0) {
            return;
        }
        const std::int64_t cutoff = core::now_ms() - std::int64_t{m.cfg.retention_days} * 86'400'000;
        m.log->purge_comments(cutoff, [](std::int64_t n) {
            if (n > 0) {
                LR_INFO("store", "retention: blanked %lld comments", static_cast<long long>(n));
            }
        });
        retention.expires_after(std::chrono::hours(1));
        retention.async_wait([&](const boost::system::error_code& e) {
            if (!e) {
                purge();
            }
        });
    };
    purge();
    m.start_idle_sweeps();
    m.accept();
    m.rooms.start();
    if (m.cluster) {
        if (!m.cluster->wait_caught_up(std::chrono::seconds(60))) {
            std::fprintf(stderr, "liveroom: the rooms' streams could not be read from the cluster in 60 s\n");
        }
        m.cluster->start();
    }
    std::printf("liveroom: listening on %s:%u\n", bound.address().to_string().c_str(), bound.port());
    std::fflush(stdout);
    LR_INFO("net", "listening on %s:%u with %zu threads%s", bound.address().to_string().c_str(), bound.port(),
            m.rooms.size(), m.tls ? " (TLS: https and wss)" : "");
    m.stopped.get_future().wait();
    if (m.cluster) {
        m.cluster->stop();
    }
    m.rooms.join();
    retention.cancel();
    m.log.reset();  // writes what is queued; its last completions go nowhere
    LR_INFO("net", "stopped");
    return 0;
}

}  // namespace liveroom::net
