#include "server/core/origin.hpp"

#include <charconv>

namespace liveroom::core {

namespace {

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// A registered name or IPv4 address: letters, digits, '-', '.', '_'.
bool valid_name(std::string_view h) noexcept {
    if (h.empty() || h.size() > 253) {
        return false;
    }
    for (const char c : h) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '.' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// "[v6]" with hex digits, ':' and '.' inside.
bool valid_ipv6(std::string_view h) noexcept {
    if (h.size() < 4 || h.front() != '[' || h.back() != ']') {
        return false;
    }
    for (const char c : h.substr(1, h.size() - 2)) {
        const bool ok =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string origin::text() const {
    return scheme + "://" + host + ":" + std::to_string(port);
}

std::optional<std::string> parse_host_port(std::string_view s, std::uint16_t default_port) {
    std::string_view host = s;
    std::string_view port_text;
    bool has_port = false;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = s.substr(0, close + 1);
        const auto rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return std::nullopt;
            }
            port_text = rest.substr(1);
            has_port = true;
        }
        if (!valid_ipv6(host)) {
            return std::nullopt;
        }
    } else {
        if (const auto colon = s.find(':'); colon != std::string_view::npos) {
            host = s.substr(0, colon);
            port_text = s.substr(colon + 1);
            has_port = true;
        }
        if (!valid_name(host)) {
            return std::nullopt;
        }
    }
    std::uint16_t port = default_port;
    if (has_port) {
        unsigned n = 0;
        const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), n);
        if (port_text.empty() || ec != std::errc{} || p != port_text.data() + port_text.size() || n == 0 || n > 65535) {
            return std::nullopt;
        }
        port = static_cast<std::uint16_t>(n);
    }
    std::string out;
    out.reserve(host.size() + 6);
    for (const char c : host) {
        out += lower(c);
    }
    out += ':';
    out += std::to_string(port);
    return out;
}

std::optional<origin> parse_origin(std::string_view s) {
    origin o;
    std::uint16_t default_port = 0;
    const auto sep = s.find("://");
    if (sep == std::string_view::npos) {
        return std::nullopt;
    }
    for (const char c : s.substr(0, sep)) {
        o.scheme += lower(c);
    }
    if (o.scheme == "http") {
        default_port = 80;
    } else if (o.scheme == "https") {
        default_port = 443;
    } else {
        return std::nullopt;
    }
    auto host_port = parse_host_port(s.substr(sep + 3), default_port);
    if (!host_port) {
        return std::nullopt;
    }
    const auto colon = host_port->rfind(':');
    o.host = host_port->substr(0, colon);
    o.port = static_cast<std::uint16_t>(std::stoi(host_port->substr(colon + 1)));
    return o;
}

}  // namespace liveroom::core
