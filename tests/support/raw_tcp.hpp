#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "tests/support/deadline.hpp"

namespace liveroom::test {

// A plain TCP connection to 127.0.0.1:port, for tests that send what no HTTP
// client would (half a request line, oversized or repeated headers) and watch
// how the server answers or ends the connection. Every call is bounded.
class raw_tcp {
  public:
    // Connects; throws std::runtime_error on failure or timeout.
    explicit raw_tcp(std::uint16_t port, clock::duration timeout = 5s);
    raw_tcp(const raw_tcp&) = delete;
    raw_tcp& operator=(const raw_tcp&) = delete;

    // Writes all of `bytes`; false (and *error) when that failed or did not finish in time.
    bool write(std::string_view bytes, clock::duration timeout, std::string* error = nullptr);

    struct read_result {
        std::string data;     // everything read
        bool closed = false;  // the server ended the connection (end of stream or reset)
        std::string how;      // "end of stream", the error, or "still open"
    };
    // Reads until the server ends the connection or `timeout` passes.
    read_result read_until_closed(clock::duration timeout);

  private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
};

}  // namespace liveroom::test
