#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace liveroom::net {

// Who may open a WebSocket on /ws (against cross-site WebSocket hijacking):
// a client that sends no Origin (not a browser: bots, the bench, tools), a
// page of this same host (the Origin's host and port equal the Host header's),
// or an origin on --allowed-origins (canonical texts, see core/origin.hpp).
// A browser always sends Origin on a WebSocket upgrade, and a page cannot
// change it, so a page of another site is refused unless it is listed.
enum class origin_verdict { no_origin, same_host, listed, refused };

// `origin`: the Origin header when present (nullopt when absent); `host`:
// the Host header ("" when absent).
origin_verdict check_origin(std::optional<std::string_view> origin,
                            std::string_view host,
                            const std::vector<std::string>& allowed);

inline bool allowed(origin_verdict v) noexcept {
    return v != origin_verdict::refused;
}

}  // namespace liveroom::net
