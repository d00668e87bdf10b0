#include "server/core/config.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string_view>

#include "server/core/origin.hpp"

namespace liveroom::core {

namespace {

struct option {
    const char* flag;  // without the leading "--"
    const char* env;
    const char* type;
    const char* constraint;
    const char* help;
    std::function<std::optional<std::string>(config&, std::string_view)> set;  // returns error
    std::function<std::string(const config&)> show;
};

template <class Int>
std::optional<std::string> parse_int(std::string_view v, Int lo, Int hi, Int& out, const char* flag) {
    Int n{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < lo || n > hi) {
        return std::string("--") + flag + ": expected an integer from " + std::to_string(lo) + " to " +
               std::to_string(hi) + ", got '" + std::string(v) + "'";
    }
    out = n;
    return std::nullopt;
}

#define LR_INT_OPTION(FLAG, ENV, FIELD, TYPE, LO, HI, CONSTRAINT, HELP)                              \
    option {                                                                                         \
        FLAG, ENV, "integer", CONSTRAINT, HELP,                                                      \
            [](config& c, std::string_view v) { return parse_int<TYPE>(v, LO, HI, c.FIELD, FLAG); }, \
            [](const config& c) { return std::to_string(c.FIELD); }                                  \
    }

#define LR_STR_OPTION(FLAG, ENV, FIELD, CONSTRAINT, HELP)                                     \
    option {                                                                                  \
        FLAG, ENV, "string", CONSTRAINT, HELP,                                                \
            [](config& c, std::string_view v) -> std::optional<std::string> {                 \
                c.FIELD = std::string(v);                                                     \
                return std::nullopt;                                                          \
            },                                                                                \
            [](const config& c) { return c.FIELD.empty() ? std::string("(none)") : c.FIELD; } \
    }

// "https://a.example, http://b.example:8080" → canonical origins; an empty
// value clears the list.
std::optional<std::string> parse_origin_list(std::string_view v, std::vector<std::string>& out) {
    std::vector<std::string> list;
    while (!v.empty()) {
        const auto comma = v.find(',');
        std::string_view item = v.substr(0, comma);
        v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        if (item.empty()) {
            continue;
        }
        const auto o = parse_origin(item);
        if (!o) {
            return "--allowed-origins: '" + std::string(item) +
                   "' is not an origin (http:// or https://, a host, an optional :port, nothing after)";
        }
        list.push_back(o->text());
    }
    out = std::move(list);
    return std::nullopt;
}

const std::vector<option>& table() {
    static const std::vector<option> t = {
        LR_STR_OPTION("bind", "LIVEROOM_BIND", bind, "IP address", "address to listen on"),
        LR_INT_OPTION("port", "LIVEROOM_PORT", port, int, 0, 65535, "0-65535; 0 = any free port",
                      "TCP port for HTTP and WebSocket"),
        LR_INT_OPTION("threads", "LIVEROOM_THREADS", threads, int, 0, 256, "0-256; 0 = one per core",
                      "I/O threads, one io_context each"),
        LR_STR_OPTION("data-dir", "LIVEROOM_DATA_DIR", data_dir, "directory", "where the event store lives"),
        LR_STR_OPTION("cluster", "LIVEROOM_CLUSTER", cluster, "nats://host:port",
                      "join a cluster over NATS JetStream (rooms' logs live there; empty = single node)"),
        LR_STR_OPTION("node-id", "LIVEROOM_NODE_ID", node_id, "name",
                      "this node's name in the cluster (default <hostname>-<port>-<pid>)"),
        LR_STR_OPTION("durability", "LIVEROOM_DURABILITY", durability, "off|process|power",
                      "acks wait for: process = the log write (survives kill -9), power = its fsync; off = no store"),
        LR_INT_OPTION("store-max-mb", "LIVEROOM_STORE_MAX_MB", store_max_mb, std::int64_t, 0, 1 << 30,
                      "0-2^30; 0 = no limit", "largest event log; when full, changes are refused and reads go on"),
        LR_INT_OPTION("retention-days", "LIVEROOM_RETENTION_DAYS", retention_days, int, 0, 36500, "0-36500; 0 = keep",
                      "blank comment texts of rooms ended this many days ago (reports stay)"),
        LR_STR_OPTION("web-root", "LIVEROOM_WEB_ROOT", web_root, "directory", "static pages served over HTTP"),
        LR_STR_OPTION("secret", "LIVEROOM_SECRET", secret, ">= 16 bytes", "HS256 key for tokens (required)"),
        option{"demo", "LIVEROOM_DEMO", "flag", "", "create the demo room 'demo' at start",
               [](config& c, std::string_view v) -> std::optional<std::string> {
                   c.demo = v != "0" && v != "false";
                   return std::nullopt;
               },
               [](const config& c) { return std::string(c.demo ? "on" : "off"); }},
        LR_STR_OPTION("log-level", "LIVEROOM_LOG_LEVEL", log_level, "debug|info|warn|error|off", "log verbosity"),
        LR_INT_OPTION("ring-size", "LIVEROOM_RING_SIZE", ring_size, std::uint32_t, 16, 1u << 20,
                      "power of two, 16-1048576", "events kept per room for `since` resume"),
        LR_INT_OPTION("hello-timeout-ms", "LIVEROOM_HELLO_TIMEOUT_MS", hello_timeout_ms, int, 100, 600000, "100-600000",
                      "close (1008) a connection that sent no hello by then"),
        LR_INT_OPTION("handshake-timeout-ms", "LIVEROOM_HANDSHAKE_TIMEOUT_MS", handshake_timeout_ms, int, 100, 600000,
                      "100-600000", "HTTP request / WebSocket upgrade deadline (slowloris)"),
        LR_INT_OPTION("idle-timeout-ms", "LIVEROOM_IDLE_TIMEOUT_MS", idle_timeout_ms, int, 1000, 3600000,
                      "1000-3600000", "silence from a WebSocket client: a ping at half of it, dropped at all of it"),
        LR_INT_OPTION("max-frame-bytes", "LIVEROOM_MAX_FRAME_BYTES", max_frame_bytes, std::size_t, 256, 1024 * 1024,
                      "256-1048576", "largest client message (larger: close 1009)"),
        LR_INT_OPTION("max-body-bytes", "LIVEROOM_MAX_BODY_BYTES", max_body_bytes, std::size_t, 1024, 64 * 1024 * 1024,
                      "1024-67108864", "largest HTTP request body"),
        LR_INT_OPTION("slow-soft-bytes", "LIVEROOM_SLOW_SOFT_BYTES", slow_soft_bytes, std::size_t, 1024,
                      std::size_t{1} << 30, "1024-2^30", "a viewer this far behind gets only critical events"),
        LR_INT_OPTION("slow-hard-bytes", "LIVEROOM_SLOW_HARD_BYTES", slow_hard_bytes, std::size_t, 1024,
                      std::size_t{1} << 30, "1024-2^30", "critical events this far behind: resync (1013)"),
        LR_INT_OPTION("max-batch-bytes", "LIVEROOM_MAX_BATCH_BYTES", max_batch_bytes, std::size_t, 1024,
                      64 * 1024 * 1024, "1024-67108864", "largest batched message to a viewer"),
        LR_INT_OPTION("presence-interval-ms", "LIVEROOM_PRESENCE_INTERVAL_MS", presence_interval_ms, int, 500, 60000,
                      "500-60000", "coalescing tick for presence and other aggregates"),
        LR_INT_OPTION("fanout-max-delay-ms", "LIVEROOM_FANOUT_MAX_DELAY_MS", fanout_max_delay_ms, int, 0, 1000,
                      "0-1000; 0 = never delay", "longest a delivery pass is held back to batch events under load"),
        LR_INT_OPTION("shutdown-timeout-ms", "LIVEROOM_SHUTDOWN_TIMEOUT_MS", shutdown_timeout_ms, int, 100, 60000,
                      "100-60000", "drain deadline after SIGINT/SIGTERM"),
        LR_INT_OPTION("max-connections", "LIVEROOM_MAX_CONNECTIONS", max_connections, int, 1, 10000000, "1-10000000",
                      "global WebSocket connection cap"),
        LR_INT_OPTION("comment-rate-per-min", "LIVEROOM_COMMENT_RATE_PER_MIN", comment_rate_per_min, int, 1, 600,
                      "1-600", "a viewer's sustained comments per minute (token bucket)"),
        LR_INT_OPTION("comment-burst", "LIVEROOM_COMMENT_BURST", comment_burst, int, 1, 100, "1-100",
                      "comments a viewer may send at once before the rate applies"),
        LR_INT_OPTION("comment-budget", "LIVEROOM_COMMENT_BUDGET", comment_budget, int, 1, 10000, "1-10000",
                      "comments broadcast per second per room; the rest are stored and shown to moderators"),
        LR_STR_OPTION("blocked-words-file", "LIVEROOM_BLOCKED_WORDS_FILE", blocked_words_file, "file",
                      "default blocked words, one per line (word[TAB]block|mask|hold); none = built-in list"),
        LR_INT_OPTION("snapshot-comments", "LIVEROOM_SNAPSHOT_COMMENTS", snapshot_comments, std::size_t, 0, 1000,
                      "0-1000", "recent comments in a welcome snapshot"),
        LR_INT_OPTION("max-header-bytes", "LIVEROOM_MAX_HEADER_BYTES", max_header_bytes, std::size_t, 1024, 1024 * 1024,
                      "1024-1048576", "largest HTTP request line + header fields (larger: 431)"),
        option{"allowed-origins", "LIVEROOM_ALLOWED_ORIGINS", "list", "comma-separated http(s)://host[:port]",
               "pages of other sites that may open /ws; the same host and clients without Origin always may",
               [](config& c, std::string_view v) { return parse_origin_list(v, c.allowed_origins); },
               [](const config& c) {
                   std::string s;
                   for (const auto& o : c.allowed_origins) {
                       s += s.empty() ? o : "," + o;
                   }
                   return s.empty() ? std::string("(none)") : s;
               }},
        LR_INT_OPTION("viewer-requests-per-s", "LIVEROOM_VIEWER_REQUESTS_PER_S", viewer_requests_per_s, int, 1, 100000,
                      "1-100000",
                      "a viewer connection's sustained messages per second (ping counts); over it: rate_limited"),
        LR_INT_OPTION("viewer-request-burst", "LIVEROOM_VIEWER_REQUEST_BURST", viewer_request_burst, int, 1, 100000,
                      "1-100000", "messages a viewer connection may send at once before the rate applies"),
        LR_INT_OPTION("staff-requests-per-s", "LIVEROOM_STAFF_REQUESTS_PER_S", staff_requests_per_s, int, 1, 100000,
                      "1-100000", "the same for moderator, host and admin connections"),
        LR_INT_OPTION("staff-request-burst", "LIVEROOM_STAFF_REQUEST_BURST", staff_request_burst, int, 1, 100000,
                      "1-100000", "the same burst for moderator, host and admin connections"),
        LR_INT_OPTION("flood-factor", "LIVEROOM_FLOOD_FACTOR", flood_factor, int, 2, 1000, "2-1000",
                      "a connection sending more than this many times its rate ..."),
        LR_INT_OPTION("flood-seconds", "LIVEROOM_FLOOD_SECONDS", flood_seconds, int, 1, 3600, "1-3600",
                      "... for this many seconds' worth is closed (1008 flooding)"),
        LR_INT_OPTION("max-connections-per-ip", "LIVEROOM_MAX_CONNECTIONS_PER_IP", max_connections_per_ip, int, 0,
                      10000000, "0-10000000; 0 = no limit",
                      "TCP connections at once from one client address (behind a proxy: 0, limit there)"),
        LR_INT_OPTION("handshakes-per-ip-per-s", "LIVEROOM_HANDSHAKES_PER_IP_PER_S", handshakes_per_ip_per_s, int, 0,
                      10000000, "0-10000000; 0 = no limit",
                      "new TCP connections per second from one client address (burst: two seconds' worth)"),
        LR_INT_OPTION("max-room-connections", "LIVEROOM_MAX_ROOM_CONNECTIONS", max_room_connections, int, 0, 10000000,
                      "0-10000000; 0 = no limit", "WebSocket connections per room, checked at hello (over: 1013)"),
        LR_INT_OPTION("max-buffered-mb", "LIVEROOM_MAX_BUFFERED_MB", max_buffered_mb, std::int64_t, 1, 1 << 20,
                      "1-1048576", "bytes queued for writing in all sessions; over it the stalled ones resync (1013)"),
        LR_STR_OPTION("tls-cert", "LIVEROOM_TLS_CERT", tls_cert, "PEM file",
                      "certificate chain: with --tls-key, the port serves https and wss (plain http is redirected)"),
        LR_STR_OPTION("tls-key", "LIVEROOM_TLS_KEY", tls_key, "PEM file", "private key of --tls-cert"),
    };
    return t;
}

std::optional<std::string> validate(const config& c) {
    if (c.secret.size() < 16) {
        return std::string("a secret of at least 16 bytes is required: --secret or LIVEROOM_SECRET");
    }
    if (c.durability != "off" && c.durability != "process" && c.durability != "power") {
        return std::string("--durability must be off, process or power");
    }
    if ((c.ring_size & (c.ring_size - 1)) != 0) {
        return std::string("--ring-size must be a power of two");
    }
    if (c.slow_hard_bytes < c.slow_soft_bytes) {
        return std::string("--slow-hard-bytes must be >= --slow-soft-bytes");
    }
    if (c.tls_cert.empty() != c.tls_key.empty()) {
        return std::string("--tls-cert and --tls-key go together");
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_config(int argc, char** argv, config& out, bool& help) {
    help = false;
    for (const auto& o : table()) {
        if (const char* v = std::getenv(o.env); v != nullptr && *v != '\0') {
            if (auto err = o.set(out, v)) {
                return "environment " + std::string(o.env) + ": " + *err;
            }
        }
    }
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            help = true;
            return std::nullopt;
        }
        if (arg.substr(0, 2) != "--") {
            return "unexpected argument '" + std::string(arg) + "' (see --help)";
        }
        arg.remove_prefix(2);
        std::string_view value;
        bool has_value = false;
        if (auto eq = arg.find('='); eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        const option* found = nullptr;
        for (const auto& o : table()) {
            if (arg == o.flag) {
                found = &o;
            }
        }
        if (found == nullptr) {
            return "unknown option --" + std::string(arg) + " (see --help)";
        }
        if (std::strcmp(found->type, "flag") == 0) {
            if (!has_value) {
                value = "1";
            }
        } else if (!has_value) {
            if (i + 1 >= argc) {
                return "--" + std::string(arg) + " needs a value";
            }
            value = argv[++i];
        }
        if (auto err = found->set(out, value)) {
            return *err;
        }
    }
    return validate(out);
}

std::string config_help() {
    std::string s =
        "usage: liveroom-server [options]\n"
        "       liveroom-server token --role ROLE --room ROOM [--name NAME] [--sub ID] [--ttl 4h] [--secret S]\n\n"
        "Options (flag, environment variable, default, constraint):\n";
    const config defaults;
    for (const auto& o : table()) {
        s += "  --";
        s += o.flag;
        s += std::string(std::max<int>(1, 24 - static_cast<int>(std::strlen(o.flag))), ' ');
        s += o.help;
        s += "\n      env ";
        s += o.env;
        s += ", default ";
        s += o.show(defaults);
        if (*o.constraint != '\0') {
            s += ", ";
            s += o.constraint;
        }
        s += '\n';
    }
    return s;
}

std::string config_markdown() {
    std::string s = "| flag | environment | type | default | constraint | description |\n|---|---|---|---|---|---|\n";
    const config defaults;
    for (const auto& o : table()) {
        s += "| `--" + std::string(o.flag) + "` | `" + o.env + "` | " + o.type + " | " + o.show(defaults) + " | " +
             o.constraint + " | " + o.help + " |\n";
    }
    return s;
}

}  // namespace liveroom::core
