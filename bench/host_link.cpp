#include "bench/host_link.hpp"

#include <boost/asio/post.hpp>

#include "bench/json_append.hpp"
#include "bench/scan.hpp"

namespace liveroom::bench {

namespace asio = boost::asio;

namespace {
constexpr std::size_t host_write_buffer = 4096;
constexpr std::size_t host_read_chunk = 16384;
}  // namespace

host_link::host_link(const ws_target& target, std::string_view room, std::string_view token) : target_(target) {
    append_json_escaped(token_json_, token);
    append_json_escaped(room_json_, room);
}

host_link::~host_link() {
    io_.stop();
}

void host_link::start(const asio::ip::address& source, ws_client_handler& handler) {
    io_.start([] {});
    asio::post(io_.ioc(), [this, source, &handler] {
        client_ =
            std::make_shared<ws_client>(io_.ioc(), pool_, target_, handler, 0, host_write_buffer, host_read_chunk);
        client_->start(source);
    });
}

void host_link::stop() {
    io_.stop();
}

void host_link::close(asio::steady_timer& timer) {
    asio::post(io_.ioc(), [this, &timer] {
        timer.cancel();
        if (client_) {
            client_->close();
        }
    });
}

void host_link::hello(ws_client& client) const {
    std::string hello = client.take_buffer();
    hello += R"({"type":"hello","room":")";
    hello += room_json_;
    hello += R"(","token":")";
    hello += token_json_;
    hello += R"(","name":"bench-host"})";
    client.send(std::move(hello));
}

std::string_view welcome_role(std::string_view you) {
    std::string_view role;
    for_each_member(you, [&role](std::string_view key, std::string_view value, json_kind kind) {
        if (kind == json_kind::string && key == "role") {
            role = value;
        }
    });
    return role;
}

}  // namespace liveroom::bench
