#include "bench/args.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace liveroom::bench {

namespace {

std::string quote(std::string_view text) {
    return "'" + std::string(text) + "'";
}

}  // namespace

bool arg_reader::next() {
    if (pos_ >= argc_) {
        return false;
    }
    const std::string_view arg = argv_[pos_++];
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
        if (arg == "-h") {
            flag_ = "--help";
            has_inline_value_ = false;
            return true;
        }
        throw usage_error("unexpected argument " + quote(arg) + " (flags start with --)");
    }
    const std::size_t eq = arg.find('=');
    if (eq == std::string_view::npos) {
        flag_ = arg;
        has_inline_value_ = false;
        inline_value_ = {};
    } else {
        flag_ = arg.substr(0, eq);
        inline_value_ = arg.substr(eq + 1);
        has_inline_value_ = true;
    }
    return true;
}

std::string_view arg_reader::value() {
    if (has_inline_value_) {
        has_inline_value_ = false;
        return inline_value_;
    }
    if (pos_ >= argc_) {
        throw usage_error(std::string(flag_) + " needs a value");
    }
    return argv_[pos_++];
}

void arg_reader::no_value() const {
    if (has_inline_value_) {
        throw usage_error(std::string(flag_) + " takes no value");
    }
}

void arg_reader::unknown() const {
    throw usage_error("unknown flag " + quote(flag_));
}

std::int64_t parse_int(std::string_view flag, std::string_view text, std::int64_t min, std::int64_t max) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value < min || value > max) {
        throw usage_error(std::string(flag) + ": expected an integer in [" + std::to_string(min) + ", " +
                          std::to_string(max) + "], got " + quote(text));
    }
    return value;
}

double parse_double(std::string_view flag, std::string_view text, double min, double max) {
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value) || value < min || value > max) {
        char range[96];
        std::snprintf(range, sizeof range, "[%g, %g]", min, max);
        throw usage_error(std::string(flag) + ": expected a number in " + range + ", got " + quote(text));
    }
    return value;
}

ws_url parse_ws_url(std::string_view text) {
    constexpr std::string_view scheme = "ws://";
    if (text.substr(0, 6) == "wss://") {
        throw usage_error("--url: wss:// is not supported; point the bench at the plain ws:// listener");
    }
    if (text.substr(0, scheme.size()) != scheme) {
        throw usage_error("--url: expected ws://host[:port]/path, got " + quote(text));
    }
    std::string_view rest = text.substr(scheme.size());
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    ws_url url;
    url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            throw usage_error("--url: unterminated IPv6 literal in " + quote(text));
        }
        url.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                throw usage_error("--url: unexpected text after the IPv6 literal in " + quote(text));
            }
            port_text = after.substr(1);
        }
    } else {
        const std::size_t colon = authority.find(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
        }
    }
    if (url.host.empty()) {
        throw usage_error("--url: no host in " + quote(text));
    }
    if (!port_text.empty() || authority.ends_with(':')) {
        url.port = static_cast<std::uint16_t>(parse_int("--url port", port_text, 1, 65535));
    }
    const bool v6 = url.host.find(':') != std::string::npos;
    url.host_header = (v6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
    return url;
}

bool is_loopback(const boost::asio::ip::address& address) {
    if (address.is_v4()) {
        return (address.to_v4().to_uint() >> 24) == 127;
    }
    const auto v6 = address.to_v6();
    if (v6.is_loopback()) {
        return true;
    }
    if (v6.is_v4_mapped()) {
        return (boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_uint() >> 24) == 127;
    }
    return false;
}

std::string group_digits(std::uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    const std::size_t lead = digits.size() % 3;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && i >= lead && (i - lead) % 3 == 0) {
            out.push_back(',');
        }
        out.push_back(digits[i]);
    }
    return out;
}

}  // namespace liveroom::bench
