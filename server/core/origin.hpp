#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace liveroom::core {

// A web origin (RFC 6454) as an Origin header or --allowed-origins spells it:
// "http" or "https", "://", a host (a name, an IPv4 address or a bracketed
// IPv6 address), an optional ":port" — no path, query, fragment or user info.
struct origin {
    std::string scheme;      // lower case
    std::string host;        // lower case; IPv6 keeps its brackets
    std::uint16_t port = 0;  // the scheme's default (80, 443) when not given

    // The canonical text: "https://example.com:443", always with the port.
    std::string text() const;
};

// Parses one origin; nullopt for anything else ("null", a URL with a path, ...).
std::optional<origin> parse_origin(std::string_view s);

// Parses "host[:port]" (a Host header); the port defaults to `default_port`.
// Returns the same canonical "host:port" text as origin::text() ends with.
std::optional<std::string> parse_host_port(std::string_view s, std::uint16_t default_port);

}  // namespace liveroom::core
