#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "tests/support/deadline.hpp"
#include "tests/support/json.hpp"
#include "tests/support/ws_client.hpp"

namespace liveroom::test {

// The number in environment variable `name`, or `fallback` when unset (lets a
// developer scale the load tests, e.g. LIVEROOM_FANOUT_VIEWERS=100).
std::size_t env_or(const char* name, std::size_t fallback);

// A connected client whose hello was answered with a welcome.
struct joined {
    std::unique_ptr<ws_client> client;
    json welcome;

    ws_client* operator->() const { return client.get(); }
    ws_client& operator*() const { return *client; }
};

// Connects, sends hello and expects a welcome; throws std::runtime_error
// (naming what came instead) otherwise.
joined join_room(std::uint16_t port,
                 const hello_args& hello,
                 ws_client_options options = {},
                 clock::duration timeout = 10s);

// A notice text that starts with its decimal index: "<index>|" followed by
// `pad` four-byte UTF-8 code points (so 490 of them make a ~2 KB notice that
// is still within the contract's 500-character limit).
std::string indexed_notice(std::uint64_t index, std::size_t pad = 0);

struct publish_options {
    std::string id_prefix = "n";
    std::uint64_t first_index = 1;
    std::size_t pad = 0;                // indexed_notice padding
    std::size_t max_outstanding = 32;   // requests sent and not yet acked
    clock::duration ack_timeout = 10s;  // per request
    clock::duration budget = 60s;       // for the whole run
    // Asked before each send with the number sent so far; false holds the host
    // back (e.g. until the viewers caught up). Re-asked every few milliseconds.
    std::function<bool(std::uint64_t sent)> may_send;
    // Called with every object the host receives that is not a reply.
    std::function<void(const json&)> on_other;
};

struct publish_result {
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::string error;  // "" when every notice was acked in time
    double seconds = 0;
    double max_ack_ms = 0;
    bool ok() const { return error.empty(); }
};

// Publishes `count` notices indexed_notice(first_index ..) from a host
// connection as a pipeline with bounded outstanding acks, and waits for every ack.
publish_result publish_notices(ws_client& host, std::uint64_t count, const publish_options& options = {});

}  // namespace liveroom::test
