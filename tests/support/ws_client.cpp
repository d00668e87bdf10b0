#include "tests/support/ws_client.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>

namespace liveroom::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

std::string hello_args::to_json() const {
    json_object o;
    o.add("type", "hello").add("room", room);
    if (token) {
        o.add("token", *token);
    }
    o.add("name", name);
    if (since) {
        o.add("since", *since);
    }
    return o.str();
}

std::string masked_text_frame(std::string_view payload) {
    std::string frame;
    frame += static_cast<char>(0x81);  // FIN, text
    const std::size_t n = payload.size();
    if (n < 126) {
        frame += static_cast<char>(0x80 | n);
    } else if (n <= 0xFFFF) {
        frame += static_cast<char>(0x80 | 126);
        frame += static_cast<char>((n >> 8) & 0xFF);
        frame += static_cast<char>(n & 0xFF);
    } else {
        frame += static_cast<char>(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            frame += static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF);
        }
    }
    const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    for (unsigned char k : key) {
        frame += static_cast<char>(k);
    }
    for (std::size_t i = 0; i < n; ++i) {
        frame += static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % 4]);
    }
    return frame;
}

std::string notice_request(std::string_view id, std::string_view text) {
    return json_object().add("type", "notice.set").add("id", id).add("text", text).str();
}

ws_client::ws_client(ws_client_options options) : options_(std::move(options)), ws_(ioc_) {}

ws_client::~ws_client() {
    abort();
    ioc_.restart();
    ioc_.poll();
}

bool ws_client::run_until(const std::function<bool()>& done, const deadline& until) {
    for (;;) {
        if (done()) {
            return true;
        }
        if (until.expired()) {
            return false;
        }
        if (ioc_.stopped()) {
            ioc_.restart();
        }
        if (outstanding_ == 0) {
            // Nothing in flight can make `done` true.
            return done();
        }
        ioc_.run_one_for(until.slice(100ms));
    }
}

void ws_client::connect(std::uint16_t port) {
    deadline until(options_.connect_timeout);
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    beast::error_code ec;
    tcp_layer.socket().open(tcp::v4(), ec);
    if (ec) {
        throw std::runtime_error("socket open: " + ec.message());
    }
    tcp_layer.socket().set_option(tcp::no_delay(true), ec);
    if (options_.receive_buffer_bytes) {
        tcp_layer.socket().set_option(net::socket_base::receive_buffer_size(*options_.receive_buffer_bytes), ec);
        if (ec) {
            throw std::runtime_error("SO_RCVBUF: " + ec.message());
        }
        // Loopback's MSS is ~64 KB: far above so small a window, the sender
        // falls back on zero-window probes, whose backoff (up to 2 minutes)
        // stalls the reader for seconds once it reads again. A phone
        // network's segment size keeps the window updates flowing.
        const int mss = 1400;
        if (::setsockopt(tcp_layer.socket().native_handle(), IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss) != 0) {
            throw std::runtime_error(std::string("TCP_MAXSEG: ") + std::strerror(errno));
        }
    }
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);

    bool done = false;
    beast::error_code result;
    tcp_layer.expires_after(until.remaining());
    ++outstanding_;
    tcp_layer.async_connect(endpoint, [&](const beast::error_code& e) {
        --outstanding_;
        result = e;
        done = true;
    });
    if (!run_until([&] { return done; }, until)) {
        abort();
        run_until([&] { return done; }, deadline(2s));
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " timed out");
    }
    if (result) {
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + result.message());
    }
    tcp_layer.expires_never();

    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::duration_cast<std::chrono::seconds>(until.remaining()) + 1s;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(options_.max_message_bytes);
    ws_.auto_fragment(false);  // one message, one frame: the frame-size limit test needs that

    done = false;
    ++outstanding_;
    ws_.async_handshake("127.0.0.1:" + std::to_string(port), options_.target, [&](const beast::error_code& e) {
        --outstanding_;
        result = e;
        done = true;
    });
    if (!run_until([&] { return done; }, until)) {
        abort();
        run_until([&] { return done; }, deadline(2s));
        throw std::runtime_error("WebSocket upgrade of " + options_.target + " timed out");
    }
    if (result) {
        throw std::runtime_error("WebSocket upgrade of " + options_.target + ": " + result.message());
    }
    connected_ = true;
}

void ws_client::start_read() {
    if (reading_ || ended_ || !connected_) {
        return;
    }
    reading_ = true;
    ++outstanding_;
    ws_.async_read(read_buf_, [this](const beast::error_code& ec, std::size_t) {
        --outstanding_;
        reading_ = false;
        if (ec) {
            on_end(ec);
            return;
        }
        ++frames_;
        std::string text = beast::buffers_to_string(read_buf_.data());
        read_buf_.consume(read_buf_.size());
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t nl = text.find('\n', start);
            std::size_t end = nl == std::string::npos ? text.size() : nl;
            std::string_view part(text.data() + start, end - start);
            if (!part.empty() && part.back() == '\r') {
                part.remove_suffix(1);
            }
            if (!part.empty()) {
                pending_.emplace_back(part);
            }
            if (nl == std::string::npos) {
                break;
            }
            start = nl + 1;
        }
    });
}

void ws_client::on_end(const beast::error_code& ec) {
    if (ended_) {
        return;
    }
    ended_ = true;
    end_ec_ = ec;
    // The reason is set as soon as a close frame was read, even if answering it then failed.
    if (ec == websocket::error::closed || ws_.reason().code != websocket::close_code::none) {
        close_code_ = static_cast<std::uint16_t>(ws_.reason().code);
        close_reason_ = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
    }
}

bool ws_client::try_send(std::string_view text, clock::duration timeout, std::string* error) {
    if (ended_ || !connected_) {
        if (error != nullptr) {
            *error = "connection is not open (" + end_description() + ")";
        }
        return false;
    }
    deadline until(timeout);
    write_buf_.assign(text);
    bool done = false;
    beast::error_code result;
    ws_.text(true);
    ++outstanding_;
    ws_.async_write(net::buffer(write_buf_), [&](const beast::error_code& e, std::size_t) {
        --outstanding_;
        result = e;
        done = true;
    });
    if (!run_until([&] { return done; }, until)) {
        abort();
        run_until([&] { return done; }, deadline(2s));
        if (error != nullptr) {
            *error = "send timed out";
        }
        return false;
    }
    if (result) {
        if (error != nullptr) {
            *error = "send failed: " + result.message();
        }
        return false;
    }
    return true;
}

bool ws_client::write_raw(std::string_view bytes, clock::duration timeout, std::string* error) {
    if (ended_ || !connected_) {
        if (error != nullptr) {
            *error = "connection is not open (" + end_description() + ")";
        }
        return false;
    }
    deadline until(timeout);
    write_buf_.assign(bytes);
    bool done = false;
    beast::error_code result;
    ++outstanding_;
    net::async_write(beast::get_lowest_layer(ws_).socket(), net::buffer(write_buf_),
                     [&](const beast::error_code& e, std::size_t) {
                         --outstanding_;
                         result = e;
                         done = true;
                     });
    if (!run_until([&] { return done; }, until)) {
        abort();
        run_until([&] { return done; }, deadline(2s));
        if (error != nullptr) {
            *error = "raw write timed out";
        }
        return false;
    }
    if (result && error != nullptr) {
        *error = "raw write failed: " + result.message();
    }
    return !result;
}

void ws_client::send(std::string_view text, clock::duration timeout) {
    std::string error;
    if (!try_send(text, timeout, &error)) {
        throw std::runtime_error(error + " (frame: " + std::string(text.substr(0, 200)) + ")");
    }
}

std::optional<json> ws_client::receive(clock::duration timeout) {
    deadline until(timeout);
    for (;;) {
        if (!pending_.empty()) {
            std::string text = std::move(pending_.front());
            pending_.pop_front();
            return json::parse_or_throw(text);
        }
        if (ended_) {
            return std::nullopt;
        }
        start_read();
        if (!run_until([&] { return !pending_.empty() || ended_; }, until)) {
            return std::nullopt;
        }
    }
}

std::optional<json> ws_client::wait_for(const std::function<bool(const json&)>& pred,
                                        clock::duration timeout,
                                        std::vector<json>* others) {
    deadline until(timeout);
    for (;;) {
        auto msg = receive(until.remaining());
        if (!msg) {
            return std::nullopt;
        }
        if (pred(*msg)) {
            return msg;
        }
        if (others != nullptr) {
            others->push_back(std::move(*msg));
        }
    }
}

std::optional<json> ws_client::wait_for_type(std::string_view type,
                                             clock::duration timeout,
                                             std::vector<json>* others) {
    return wait_for([type](const json& m) { return m.type() == type; }, timeout, others);
}

std::optional<json> ws_client::reply_to(std::string_view id, clock::duration timeout, std::vector<json>* others) {
    return wait_for(
        [id](const json& m) {
            auto t = m.type();
            return (t == "ack" || t == "error") && m.str("id") == std::string(id);
        },
        timeout, others);
}

std::optional<json> ws_client::request(std::string_view request,
                                       std::string_view id,
                                       clock::duration timeout,
                                       std::vector<json>* others) {
    deadline until(timeout);
    send(request, until.remaining());
    return reply_to(id, until.remaining(), others);
}

std::optional<json> ws_client::hello(const hello_args& args, clock::duration timeout) {
    deadline until(timeout);
    send(args.to_json(), until.remaining());
    return receive(until.remaining());
}

bool ws_client::wait_closed(clock::duration timeout, std::vector<json>* others) {
    deadline until(timeout);
    while (!ended_) {
        auto msg = receive(until.remaining());
        if (msg) {
            if (others != nullptr) {
                others->push_back(std::move(*msg));
            }
        } else if (!ended_) {
            return false;
        }
    }
    return true;
}

void ws_client::close(std::uint16_t code, clock::duration timeout) {
    if (ended_ || !connected_) {
        return;
    }
    deadline until(timeout);
    bool done = false;
    ++outstanding_;
    ws_.async_close(websocket::close_reason(code), [&](const beast::error_code& e) {
        --outstanding_;
        done = true;
        if (e) {
            on_end(e);
        }
    });
    if (!run_until([&] { return done; }, until)) {
        abort();
        run_until([&] { return done; }, deadline(2s));
    }
    if (!ended_) {
        ended_ = true;
        end_ec_ = websocket::error::closed;
    }
}

void ws_client::abort() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    if (socket.is_open()) {
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }
    if (connected_ && !ended_) {
        ended_ = true;
        end_ec_ = net::error::operation_aborted;
    }
}

std::string ws_client::end_description() const {
    if (!ended_) {
        return "open";
    }
    if (close_code_) {
        std::string out = "close " + std::to_string(*close_code_);
        if (!close_reason_.empty()) {
            out += " (" + close_reason_ + ")";
        }
        return out;
    }
    return "transport error: " + end_ec_.message();
}

}  // namespace liveroom::test
