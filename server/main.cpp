// liveroom-server: the live-room interaction server, and its `token` tool.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <string_view>

#include <sys/resource.h>

#include "server/auth/jwt.hpp"
#include "server/cluster/node.hpp"
#include "server/core/clock.hpp"
#include "server/core/config.hpp"
#include "server/core/log.hpp"
#include "server/hub/hub.hpp"
#include "server/net/server.hpp"
#include "server/room/demo.hpp"
#include "server/store/event_log.hpp"

namespace {

using namespace liveroom;

const char* token_usage =
    "usage: liveroom-server token --role viewer|moderator|host|admin --room ROOM|'*' [--name NAME] [--sub ID]\n"
    "                             [--ttl 4h] [--secret S]\n"
    "Prints an HS256 token signed with --secret (or LIVEROOM_SECRET). TTL units: s, m, h, d.\n";

std::optional<std::int64_t> parse_ttl(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    std::int64_t unit = 1;
    switch (s.back()) {
        case 's':
            s.remove_suffix(1);
            break;
        case 'm':
            unit = 60;
            s.remove_suffix(1);
            break;
        case 'h':
            unit = 3600;
            s.remove_suffix(1);
            break;
        case 'd':
            unit = 86400;
            s.remove_suffix(1);
            break;
        default:
            break;
    }
    std::int64_t n = 0;
    for (const char c : s) {
        if (c < '0' || c > '9' || n > 100000000) {
            return std::nullopt;
        }
        n = n * 10 + (c - '0');
    }
    return n > 0 ? std::optional(n * unit) : std::nullopt;
}

int token_main(int argc, char** argv) {
    auth::claims c;
    std::string secret = std::getenv("LIVEROOM_SECRET") != nullptr ? std::getenv("LIVEROOM_SECRET") : "";
    std::int64_t ttl = 4 * 3600;
    bool have_role = false;
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(token_usage, stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "liveroom-server token: %s needs a value\n%s", argv[i], token_usage);
            return 2;
        }
        const std::string_view v = argv[++i];
        if (a == "--role") {
            auto r = protocol::parse_role(v);
            if (!r) {
                std::fprintf(stderr, "liveroom-server token: --role must be viewer, moderator, host or admin\n");
                return 2;
            }
            c.role = *r;
            have_role = true;
        } else if (a == "--room") {
            c.room = v;
        } else if (a == "--name") {
            c.name = v;
        } else if (a == "--sub") {
            c.sub = v;
        } else if (a == "--secret") {
            secret = v;
        } else if (a == "--ttl") {
            auto t = parse_ttl(v);
            if (!t) {
                std::fprintf(stderr, "liveroom-server token: --ttl must look like 90s, 30m, 4h or 2d\n");
                return 2;
            }
            ttl = *t;
        } else {
            std::fprintf(stderr, "liveroom-server token: unknown option %s\n%s", argv[i - 1], token_usage);
            return 2;
        }
    }
    if (!have_role || c.room.empty()) {
        std::fprintf(stderr, "liveroom-server token: --role and --room are required\n%s", token_usage);
        return 2;
    }
    if (secret.size() < 16) {
        std::fprintf(stderr,
                     "liveroom-server token: a secret of at least 16 bytes is needed (--secret or LIVEROOM_SECRET)\n");
        return 2;
    }
    if (c.sub.empty()) {
        c.sub = std::string(protocol::to_string(c.role)) + "-" + std::to_string(core::now_ms() % 1000000);
    }
    if (c.name.empty()) {
        c.name = c.sub;
    }
    c.exp = core::now_ms() / 1000 + ttl;
    std::printf("%s\n", auth::sign(c, secret).c_str());
    return 0;
}

void raise_nofile() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "token") == 0) {
        return token_main(argc, argv);
    }
    if (argc > 1 && std::strcmp(argv[1], "config-table") == 0) {
        std::fputs(core::config_markdown().c_str(), stdout);  // the README's settings table
        return 0;
    }
    core::config cfg;
    bool help = false;
    if (auto err = core::parse_config(argc, argv, cfg, help)) {
        std::fprintf(stderr, "liveroom-server: %s\n", err->c_str());
        return 2;
    }
    if (help) {
        std::fputs(core::config_help().c_str(), stdout);
        return 0;
    }
    core::level lv{};
    if (!core::parse_level(cfg.log_level.c_str(), lv)) {
        std::fprintf(stderr, "liveroom-server: --log-level must be debug, info, warn, error or off\n");
        return 2;
    }
    core::log_level.store(static_cast<int>(lv));
    raise_nofile();
    // SQLite reports a full file; without this, a file size limit kills us.
    std::signal(SIGXFSZ, SIG_IGN);
    std::unique_ptr<net::server> srv;
    try {
        srv = std::make_unique<net::server>(cfg);
        const std::size_t recovered = srv->rooms().recover();
        if (recovered > 0) {
            std::printf("liveroom: recovered %zu rooms from %s\n", recovered, srv->log()->file().c_str());
        }
    } catch (const store::store_error& e) {
        std::fprintf(stderr, "liveroom-server: the event log cannot be used: %s\n", e.what());
        return 3;
    } catch (const cluster::cluster_error& e) {
        std::fprintf(stderr, "liveroom-server: %s\n", e.what());
        return 2;
    }
    if (cfg.demo && !srv->rooms().find("demo")) {
        std::promise<bool> created;
        srv->rooms().create_stored(room::demo_room(core::now_ms()),
                                   [&](std::shared_ptr<hub::room_runner> r, bool duplicate) {
                                       // In a cluster another node may have made it first.
                                       created.set_value(r != nullptr || (duplicate && !cfg.cluster.empty()));
                                   });
        if (srv->log() != nullptr) {
            srv->log()->flush();
        }
        if (!created.get_future().get()) {
            std::fprintf(stderr, "liveroom-server: cannot save the demo room\n");
            return 3;
        }
    }
    const int code = srv->run();
    std::fflush(stdout);
    std::fflush(stderr);
    // Connections are drained by now; skip tearing down objects that other
    // threads' leftover handlers may still name.
    std::_Exit(code);
}
