#pragma once

// The host's connection, shared by the fan-out publisher and the scenario host: an I/O thread
// of its own, one ws_client, the hello with a host (or moderator) token, and reading the role
// the welcome gives.

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/run_state.hpp"
#include "bench/ws_client.hpp"
#include "server/core/handler_pool.hpp"

namespace liveroom::bench {

class host_link {
  public:
    host_link(const ws_target& target, std::string_view room, std::string_view token);
    ~host_link();
    host_link(const host_link&) = delete;
    host_link& operator=(const host_link&) = delete;

    boost::asio::io_context& ioc() { return io_.ioc(); }
    // Starts the thread and connects from `source`; `handler` gets the connection's callbacks.
    void start(const boost::asio::ip::address& source, ws_client_handler& handler);
    void stop();
    // Posts: cancels `timer` (the owner's, on this thread) and closes the connection cleanly.
    void close(boost::asio::steady_timer& timer);
    // I/O thread: the connection (nullptr before start()).
    ws_client* client() const { return client_.get(); }
    // I/O thread, from on_open(): sends the hello.
    void hello(ws_client& client) const;

  private:
    core::handler_pool pool_;  // outlives io_: pending operations hold its blocks
    io_thread io_;
    const ws_target& target_;
    std::string token_json_;
    std::string room_json_;
    std::shared_ptr<ws_client> client_;
};

// The role a welcome's `you` object names ("" when none).
std::string_view welcome_role(std::string_view you);
// A role that may send host requests.
inline bool is_staff_role(std::string_view role) {
    return role == "host" || role == "moderator" || role == "admin";
}

}  // namespace liveroom::bench
