#include "tests/support/raw_tcp.hpp"

#include <array>
#include <functional>
#include <optional>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>

namespace liveroom::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Runs the io_context until `done` or the timeout; on timeout cancels the
// socket's operations and lets their handlers finish. True when `done`.
bool run_bounded(net::io_context& ioc, tcp::socket& socket, const bool& done, clock::duration timeout) {
    ioc.restart();
    const deadline until(timeout);
    while (!done && !until.expired()) {
        ioc.run_one_for(until.remaining());
    }
    if (!done) {
        boost::system::error_code ignored;
        socket.cancel(ignored);
        ioc.restart();
        ioc.run_for(1s);
    }
    return done;
}

}  // namespace

raw_tcp::raw_tcp(std::uint16_t port, clock::duration timeout) : socket_(ioc_) {
    bool done = false;
    boost::system::error_code result;
    socket_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [&](const boost::system::error_code& ec) {
                              result = ec;
                              done = true;
                          });
    if (!run_bounded(ioc_, socket_, done, timeout)) {
        throw std::runtime_error("raw_tcp: connect timed out");
    }
    if (result) {
        throw std::runtime_error("raw_tcp: connect failed: " + result.message());
    }
}

bool raw_tcp::write(std::string_view bytes, clock::duration timeout, std::string* error) {
    bool done = false;
    boost::system::error_code result;
    net::async_write(socket_, net::buffer(bytes.data(), bytes.size()),
                     [&](const boost::system::error_code& ec, std::size_t) {
                         result = ec;
                         done = true;
                     });
    if (!run_bounded(ioc_, socket_, done, timeout)) {
        if (error != nullptr) {
            *error = "write timed out";
        }
        return false;
    }
    if (result && error != nullptr) {
        *error = result.message();
    }
    return !result;
}

raw_tcp::read_result raw_tcp::read_until_closed(clock::duration timeout) {
    read_result out;
    std::array<char, 4096> chunk{};
    bool done = false;
    std::function<void()> read_more = [&] {
        socket_.async_read_some(net::buffer(chunk), [&](const boost::system::error_code& ec, std::size_t n) {
            out.data.append(chunk.data(), n);
            if (ec) {
                if (ec != net::error::operation_aborted) {
                    out.closed = true;
                    out.how = ec == net::error::eof ? "end of stream" : ec.message();
                }
                done = true;
                return;
            }
            read_more();
        });
    };
    read_more();
    if (!run_bounded(ioc_, socket_, done, timeout)) {
        out.how = "still open";
    }
    return out;
}

}  // namespace liveroom::test
