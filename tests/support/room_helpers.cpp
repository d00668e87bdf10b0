#include "tests/support/room_helpers.hpp"

#include <cstdlib>
#include <stdexcept>
#include <unordered_map>

namespace liveroom::test {

std::size_t env_or(const char* name, std::size_t fallback) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return fallback;
    }
    char* end = nullptr;
    unsigned long long n = std::strtoull(value, &end, 10);
    if (end == value || *end != '\0' || n == 0) {
        throw std::runtime_error(std::string(name) + " must be a positive integer, not '" + value + "'");
    }
    return static_cast<std::size_t>(n);
}

joined join_room(std::uint16_t port, const hello_args& hello, ws_client_options options, clock::duration timeout) {
    deadline until(timeout);
    auto client = std::make_unique<ws_client>(std::move(options));
    client->connect(port);
    auto first = client->hello(hello, until.remaining());
    if (!first) {
        throw std::runtime_error("no answer to hello for room " + hello.room + " (" + client->end_description() + ")");
    }
    if (first->type() != "welcome") {
        throw std::runtime_error("hello for room " + hello.room + " answered with " + first->text());
    }
    return joined{std::move(client), std::move(*first)};
}

std::string indexed_notice(std::uint64_t index, std::size_t pad) {
    std::string text = std::to_string(index);
    if (pad > 0) {
        text += '|';
        text.reserve(text.size() + pad * 4);
        for (std::size_t i = 0; i < pad; ++i) {
            text += "\xF0\x9F\x93\xA2";  // U+1F4E2, four bytes in UTF-8
        }
    }
    return text;
}

publish_result publish_notices(ws_client& host, std::uint64_t count, const publish_options& options) {
    publish_result result;
    auto started = clock::now();
    deadline until(options.budget);
    std::unordered_map<std::string, clock::time_point> outstanding;
    std::uint64_t next = options.first_index;
    const std::uint64_t end = options.first_index + count;

    auto fail = [&](std::string why) {
        result.error = std::move(why);
        result.seconds = seconds_since(started);
        return result;
    };

    while (result.acked < count) {
        // Send while the window and the gate allow.
        while (next < end && outstanding.size() < options.max_outstanding &&
               (!options.may_send || options.may_send(result.sent))) {
            std::string id = options.id_prefix + std::to_string(next);
            std::string error;
            if (!host.try_send(notice_request(id, indexed_notice(next, options.pad)), until.slice(10s), &error)) {
                return fail("sending notice " + std::to_string(next) + ": " + error);
            }
            outstanding.emplace(std::move(id), clock::now());
            ++result.sent;
            ++next;
        }
        if (until.expired()) {
            return fail("budget exhausted after " + std::to_string(result.sent) + " sent, " +
                        std::to_string(result.acked) + " acked");
        }
        // Wait a little for replies (the host also receives the room's events).
        auto msg = host.receive(outstanding.empty() ? until.slice(5ms) : until.slice(50ms));
        if (!msg) {
            if (host.closed()) {
                return fail("host connection ended: " + host.end_description());
            }
        } else {
            auto type = msg->type();
            auto id = msg->str("id");
            if ((type == "ack" || type == "error") && id && outstanding.count(*id) > 0) {
                if (type == "error") {
                    return fail("notice " + *id + " refused: " + msg->text());
                }
                auto waited = std::chrono::duration<double, std::milli>(clock::now() - outstanding[*id]).count();
                result.max_ack_ms = std::max(result.max_ack_ms, waited);
                outstanding.erase(*id);
                ++result.acked;
            } else if (type == "error") {
                return fail("unexpected error: " + msg->text());
            } else if (options.on_other) {
                options.on_other(*msg);
            }
        }
        auto now = clock::now();
        for (const auto& [id, sent_at] : outstanding) {
            if (now - sent_at > options.ack_timeout) {
                return fail(
                    "no ack for " + id + " within " +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(options.ack_timeout).count()) +
                    " ms (" + std::to_string(result.acked) + " of " + std::to_string(count) + " acked)");
            }
        }
    }
    result.seconds = seconds_since(started);
    return result;
}

}  // namespace liveroom::test
