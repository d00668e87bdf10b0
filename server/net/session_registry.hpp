#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace liveroom::net {

class ws_session;

// The WebSocket sessions of one worker (worker thread only), for shutdown
// and the idle sweep.
class session_registry {
  public:
    void add(ws_session& s);
    void remove(ws_session& s);
    std::size_t size() const noexcept { return sessions_.size(); }
    // Calls shutdown() on each session (they remove themselves later).
    void shutdown_all();
    // Calls check_idle(now_ms) on each session (pings and idle timeouts).
    void check_idle(std::int64_t now_ms);

  private:
    std::vector<ws_session*> sessions_;
};

}  // namespace liveroom::net
