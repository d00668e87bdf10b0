#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace liveroom::core {

// Every setting of liveroom-server. One table (config.cpp) holds each key's
// flag, environment variable, type, default, constraint and description;
// `--help` prints it and the README shows the same table.
struct config {
    std::string bind = "127.0.0.1";
    int port = 8080;
    int threads = 0;  // 0 = one per core
    std::string data_dir = "data";
    std::string durability = "process";  // off | process | power
    std::string cluster;                 // nats://host:port; empty = a single node
    std::string node_id;                 // empty = <hostname>-<port>-<pid>
    std::int64_t store_max_mb = 0;       // 0 = no limit
    int retention_days = 0;              // 0 = keep comments forever
    std::string web_root = "web";
    std::string secret;
    bool demo = false;
    std::string log_level = "info";

    std::uint32_t ring_size = 4096;  // events kept per room for resume
    int hello_timeout_ms = 10000;
    int handshake_timeout_ms = 10000;
    int idle_timeout_ms = 60000;
    std::size_t max_frame_bytes = 4096;
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t slow_soft_bytes = 256 * 1024;
    std::size_t slow_hard_bytes = 1024 * 1024;
    std::size_t max_batch_bytes = 256 * 1024;
    int presence_interval_ms = 1000;
    int fanout_max_delay_ms = 100;
    int shutdown_timeout_ms = 3000;
    int max_connections = 19000;
    std::size_t snapshot_comments = 50;
    int comment_rate_per_min = 30;  // a viewer's sustained comments per minute
    int comment_burst = 5;
    int comment_budget = 20;         // comments broadcast per second per room
    std::string blocked_words_file;  // "" = the built-in list
    std::size_t max_header_bytes = 16 * 1024;
    std::vector<std::string> allowed_origins;  // canonical "scheme://host:port" (core/origin.hpp)

    // Abuse resistance (issue 8). Each breach is counted in /metrics.
    int viewer_requests_per_s = 10;  // a viewer connection's sustained messages per second
    int viewer_request_burst = 20;
    int staff_requests_per_s = 50;  // moderators, hosts and admins
    int staff_request_burst = 100;
    int flood_factor = 5;                 // messages past this many times the rate ...
    int flood_seconds = 5;                // ... for this long: close 1008 "flooding"
    int max_connections_per_ip = 2000;    // per client address; high: mobile carriers put thousands behind one (CGNAT)
    int handshakes_per_ip_per_s = 200;    // new TCP connections per second per address (burst 2 s); 0 = no limit
    int max_room_connections = 0;         // WebSocket connections per room, checked at hello; 0 = no limit
    std::int64_t max_buffered_mb = 1024;  // bytes queued for writing in all sessions, MiB
    std::string tls_cert;                 // PEM certificate chain; with tls_key: serve https and wss
    std::string tls_key;                  // PEM private key
};

// Parses flags (and LIVEROOM_* environment variables, which flags override).
// On a bad value returns the error text; `help` is set for --help.
std::optional<std::string> parse_config(int argc, char** argv, config& out, bool& help);

// The table as text, for --help.
std::string config_help();

// The table as a Markdown table, for the README.
std::string config_markdown();

}  // namespace liveroom::core
