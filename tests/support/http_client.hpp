#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/deadline.hpp"
#include "tests/support/json.hpp"

namespace liveroom::test {

using http_headers = std::vector<std::pair<std::string, std::string>>;

struct http_response {
    int status = 0;
    std::string body;
    http_headers headers;  // names lower-cased

    // The first header with this (case-insensitive) name, or "".
    std::string header(std::string_view name) const;
    // The body parsed as JSON (nullopt when it is not JSON).
    std::optional<json> body_json() const { return json::parse(body); }
};

// One HTTP/1.1 request to 127.0.0.1:port on a fresh connection, bounded by
// `timeout` (connect, write and read together). Throws std::runtime_error on
// a transport error or timeout; any HTTP status is returned, not thrown.
http_response http_request(std::uint16_t port,
                           std::string_view method,
                           std::string_view target,
                           std::string_view body = {},
                           const http_headers& headers = {},
                           clock::duration timeout = 10s);

inline http_response http_get(std::uint16_t port,
                              std::string_view target,
                              const http_headers& headers = {},
                              clock::duration timeout = 10s) {
    return http_request(port, "GET", target, {}, headers, timeout);
}

// POST with Content-Type: application/json unless `headers` name another.
inline http_response http_post(std::uint16_t port,
                               std::string_view target,
                               std::string_view body,
                               const http_headers& headers = {},
                               clock::duration timeout = 10s) {
    return http_request(port, "POST", target, body, headers, timeout);
}

inline http_headers bearer(std::string_view token) {
    return {{"Authorization", "Bearer " + std::string(token)}};
}

}  // namespace liveroom::test
