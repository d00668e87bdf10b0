#include "tests/support/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace liveroom::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

std::string http_response::header(std::string_view name) const {
    auto wanted = lower(name);
    for (const auto& [k, v] : headers) {
        if (k == wanted) {
            return v;
        }
    }
    return {};
}

http_response http_request(std::uint16_t port,
                           std::string_view method,
                           std::string_view target,
                           std::string_view body,
                           const http_headers& headers,
                           clock::duration timeout) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::connection, "close");
    bool has_content_type = false;
    for (const auto& [k, v] : headers) {
        req.set(k, v);
        has_content_type = has_content_type || lower(k) == "content-type";
    }
    if (!body.empty() || method == "POST" || method == "PUT") {
        if (!has_content_type) {
            req.set(http::field::content_type, "application/json");
        }
        req.body() = std::string(body);
        req.prepare_payload();
    }

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code failure;
    std::string stage = "connect";
    bool finished = false;

    stream.expires_after(timeout);
    stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) {
            failure = ec;
            finished = true;
            return;
        }
        stage = "write";
        http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
            if (ec) {
                failure = ec;
                finished = true;
                return;
            }
            stage = "read";
            http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
                failure = ec;
                finished = true;
            });
        });
    });
    ioc.run_for(timeout + 1s);
    std::string what = std::string(method) + " " + std::string(target);
    if (!finished) {
        throw std::runtime_error(what + ": no response in time (stuck in " + stage + ")");
    }
    if (failure) {
        throw std::runtime_error(what + ": " + stage + " failed: " + failure.message());
    }
    const auto& res = parser.get();
    http_response out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& field : res) {
        out.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return out;
}

}  // namespace liveroom::test
