#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "tests/support/deadline.hpp"

namespace liveroom::test {

// A TCP forwarder on 127.0.0.1:<ephemeral port>: every accepted connection is
// joined to a new connection to 127.0.0.1:<target port>, bytes both ways,
// and when either side ends, both end. cut() simulates a network partition
// between what connects through it and the target: every forwarded
// connection is closed at once, and connections accepted while cut are closed
// right after accept (the port stays ours, so a client that retries sees its
// connection end). restore() forwards again. It runs its own io_context on
// its own thread; every public call is thread-safe.
class tcp_proxy {
  public:
    // Listens and starts forwarding (start() is implied).
    explicit tcp_proxy(std::uint16_t target_port);
    ~tcp_proxy();
    tcp_proxy(const tcp_proxy&) = delete;
    tcp_proxy& operator=(const tcp_proxy&) = delete;

    // The port it listens on (fixed for its whole life, also across stop/start).
    std::uint16_t port() const noexcept { return port_.load(); }
    std::uint16_t target_port() const noexcept { return target_port_; }

    // Starts the thread again after stop() (same port); no-op when running.
    void start();
    // Closes every connection, stops listening and joins the thread; idempotent.
    void stop();
    bool running() const;

    // Closes every forwarded connection; until restore(), new ones are closed
    // as soon as they are accepted. Returns once that is done.
    void cut();
    void restore();
    bool is_cut() const noexcept { return cut_.load(); }

    // Connections accepted and forwarded since construction.
    std::uint64_t forwarded() const noexcept { return forwarded_.load(); }
    // Connections accepted while cut (closed at once).
    std::uint64_t refused() const noexcept { return refused_.load(); }
    // Forwarded connections open now.
    std::size_t open_connections() const noexcept { return open_.load(); }

    class session;

  private:
    // Runs `fn` on the proxy's thread and waits for it (bounded: throws if the thread does not run it in 10 s).
    void run_on_io(const std::function<void()>& fn);
    void do_accept();
    void close_all();

    const std::uint16_t target_port_;
    std::atomic<std::uint16_t> port_{0};  // written by start(), read from any thread
    mutable std::mutex mutex_;            // start/stop
    std::unique_ptr<boost::asio::io_context> ioc_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::thread thread_;
    std::set<std::shared_ptr<session>> sessions_;  // touched on the io thread only
    std::atomic<bool> cut_{false};
    std::atomic<std::uint64_t> forwarded_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::size_t> open_{0};
};

}  // namespace liveroom::test
