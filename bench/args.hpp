#pragma once

// Hand-rolled command-line parsing: "--flag value" or "--flag=value", with errors that
// name the flag, the expected range and the text given.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace liveroom::bench {

// A bad command line; main prints the message and exits with status 2.
class usage_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Walks the arguments of one subcommand.
class arg_reader {
  public:
    arg_reader(int argc, char** argv) : argc_(argc), argv_(argv) {}

    // Moves to the next flag; false when none are left. Throws on a positional argument.
    bool next();
    std::string_view flag() const { return flag_; }
    // The current flag's value ("--x=v" or the next argument); throws when missing.
    std::string_view value();
    // For boolean flags: throws if a value was attached with '='.
    void no_value() const;
    [[noreturn]] void unknown() const;

  private:
    int argc_;
    char** argv_;
    int pos_ = 0;
    std::string_view flag_;
    std::string_view inline_value_;
    bool has_inline_value_ = false;
};

std::int64_t parse_int(std::string_view flag, std::string_view text, std::int64_t min, std::int64_t max);
double parse_double(std::string_view flag, std::string_view text, double min, double max);

struct ws_url {
    std::string host;  // without brackets for IPv6 literals
    std::uint16_t port = 80;
    std::string target = "/";
    std::string host_header;  // as sent in the Host header: "127.0.0.1:8080", "[::1]:8080"
};

// Parses ws://host[:port][/path]; wss:// is refused (the bench speaks plain TCP).
ws_url parse_ws_url(std::string_view text);

// 127.0.0.0/8, ::1, or an IPv4-mapped 127.x address.
bool is_loopback(const boost::asio::ip::address& address);

// Formats n with thousands separators: 1234567 -> "1,234,567".
std::string group_digits(std::uint64_t n);

}  // namespace liveroom::bench
