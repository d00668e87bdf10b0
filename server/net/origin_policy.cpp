#include "server/net/origin_policy.hpp"

#include <algorithm>

#include "server/core/origin.hpp"

namespace liveroom::net {

origin_verdict check_origin(std::optional<std::string_view> origin,
                            std::string_view host,
                            const std::vector<std::string>& allowed) {
    if (!origin) {
        return origin_verdict::no_origin;
    }
    const auto o = core::parse_origin(*origin);
    if (!o) {
        return origin_verdict::refused;  // "null" (sandboxed or file: pages) and anything malformed
    }
    const std::string text = o->text();
    if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) {
        return origin_verdict::listed;
    }
    // A Host without a port means the default port of the page's scheme
    // (not the Origin's port: http://site:8080 is another origin than http://site).
    const auto h = core::parse_host_port(host, o->scheme == "https" ? 443 : 80);
    if (h && *h == o->host + ":" + std::to_string(o->port)) {
        return origin_verdict::same_host;
    }
    return origin_verdict::refused;
}

}  // namespace liveroom::net
