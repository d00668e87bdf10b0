#include "tests/support/tls_client.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace liveroom::test {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

test_certificate make_test_certificate(const std::string& dir) {
    test_certificate c{dir + "/cert.pem", dir + "/key.pem"};
    auto fail = [](const char* what) { throw std::runtime_error(std::string("test certificate: ") + what); };
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
    if (!key || !x509) {
        fail("cannot make a key");
    }
    X509_set_version(x509.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(x509.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(x509.get()), 24 * 3600);
    X509_set_pubkey(x509.get(), key.get());
    X509_NAME* name = X509_get_subject_name(x509.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(x509.get(), name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x509.get(), x509.get(), nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    if (san == nullptr || X509_add_ext(x509.get(), san, -1) != 1) {
        fail("cannot add subjectAltName");
    }
    X509_EXTENSION_free(san);
    if (X509_sign(x509.get(), key.get(), EVP_sha256()) == 0) {
        fail("cannot sign");
    }
    auto write = [&](const std::string& path, auto&& writer) {
        std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"), std::fclose);
        if (!f || writer(f.get()) != 1) {
            fail("cannot write a PEM file");
        }
    };
    write(c.key_file,
          [&](FILE* f) { return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    write(c.cert_file, [&](FILE* f) { return PEM_write_X509(f, x509.get()); });
    return c;
}

namespace {

ssl::context client_context(const tls_options& o) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(o.ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
    ctx.set_verify_callback(ssl::host_name_verification(o.server_name));
    return ctx;
}

// Runs `ioc` until `done`; the tcp_stream's deadline bounds every operation.
void run_until_done(net::io_context& ioc, const bool& done, const char* what) {
    ioc.restart();
    while (!done && ioc.run_one() != 0) {
    }
    if (!done) {
        throw std::runtime_error(std::string(what) + ": did not complete");
    }
}

void check(const beast::error_code& ec, const char* what) {
    if (ec) {
        throw std::runtime_error(std::string(what) + ": " + ec.message());
    }
}

// TCP connect and TLS handshake, bounded by the stream's deadline.
void connect_tls(net::io_context& ioc, tls_stream& s, std::uint16_t port, const tls_options& o) {
    if (SSL_set_tlsext_host_name(s.native_handle(), o.server_name.c_str()) != 1) {
        throw std::runtime_error("cannot set SNI");
    }
    auto& tcp_layer = beast::get_lowest_layer(s);
    tcp_layer.expires_after(o.timeout);
    bool done = false;
    beast::error_code result;
    tcp_layer.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        result = ec;
        done = true;
    });
    run_until_done(ioc, done, "connect");
    check(result, "connect");
    done = false;
    tcp_layer.expires_after(o.timeout);
    s.async_handshake(ssl::stream_base::client, [&](beast::error_code ec) {
        result = ec;
        done = true;
    });
    run_until_done(ioc, done, "TLS handshake");
    check(result, "TLS handshake");
}

}  // namespace

http_response https_get(std::uint16_t port, std::string_view target, const tls_options& options) {
    net::io_context ioc;
    auto ctx = client_context(options);
    tls_stream s(ioc, ctx);
    connect_tls(ioc, s, port, options);
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, options.server_name + ":" + std::to_string(port));
    req.set(http::field::connection, "close");
    beast::get_lowest_layer(s).expires_after(options.timeout);
    bool done = false;
    beast::error_code result;
    http::async_write(s, req, [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    run_until_done(ioc, done, "https write");
    check(result, "https write");
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    done = false;
    http::async_read(s, buf, res, [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    run_until_done(ioc, done, "https read");
    check(result, "https read");
    http_response out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& ch : name) {
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        out.headers.emplace_back(name, std::string(f.value()));
    }
    beast::error_code ignored;
    beast::get_lowest_layer(s).socket().close(ignored);
    return out;
}

struct wss_client::impl {
    impl(std::uint16_t port, const tls_options& o) : options(o), ctx(client_context(o)), ws(ioc, ctx) {
        connect_tls(ioc, ws.next_layer(), port, o);
        beast::get_lowest_layer(ws).expires_after(o.timeout);
        bool done = false;
        beast::error_code result;
        ws.async_handshake(o.server_name + ":" + std::to_string(port), "/ws", [&](beast::error_code ec) {
            result = ec;
            done = true;
        });
        run_until_done(ioc, done, "WebSocket upgrade");
        check(result, "WebSocket upgrade");
    }

    tls_options options;
    net::io_context ioc;
    ssl::context ctx;
    websocket::stream<tls_stream> ws;
    beast::flat_buffer buf;
    std::deque<std::string> pending;
    bool ended = false;
    std::optional<std::uint16_t> close_code;
};

wss_client::wss_client(std::uint16_t port, const tls_options& options) : impl_(std::make_unique<impl>(port, options)) {}

wss_client::~wss_client() = default;

void wss_client::send(std::string_view text) {
    auto& m = *impl_;
    beast::get_lowest_layer(m.ws).expires_after(m.options.timeout);
    bool done = false;
    beast::error_code result;
    m.ws.text(true);
    m.ws.async_write(net::buffer(text), [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    run_until_done(m.ioc, done, "wss write");
    check(result, "wss write");
}

std::optional<json> wss_client::receive() {
    auto& m = *impl_;
    while (m.pending.empty()) {
        if (m.ended) {
            return std::nullopt;
        }
        beast::get_lowest_layer(m.ws).expires_after(m.options.timeout);
        bool done = false;
        beast::error_code result;
        m.ws.async_read(m.buf, [&](beast::error_code ec, std::size_t) {
            result = ec;
            done = true;
        });
        run_until_done(m.ioc, done, "wss read");
        if (result) {
            m.ended = true;
            if (result == websocket::error::closed) {
                m.close_code = static_cast<std::uint16_t>(m.ws.reason().code);
            }
            return std::nullopt;
        }
        const std::string text = beast::buffers_to_string(m.buf.data());
        m.buf.consume(m.buf.size());
        std::size_t start = 0;
        while (start <= text.size()) {
            const auto nl = text.find('\n', start);
            const auto piece = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
            if (!piece.empty()) {
                m.pending.push_back(piece);
            }
            if (nl == std::string::npos) {
                break;
            }
            start = nl + 1;
        }
    }
    auto out = json::parse_or_throw(m.pending.front());
    m.pending.pop_front();
    return out;
}

std::optional<json> wss_client::request(std::string_view request, std::string_view id) {
    send(request);
    for (;;) {
        auto m = receive();
        if (!m) {
            return std::nullopt;
        }
        if ((m->type() == "ack" || m->type() == "error") && m->str("id") == std::string(id)) {
            return m;
        }
    }
}

std::optional<std::uint16_t> wss_client::close_code() const {
    return impl_->close_code;
}

void wss_client::close() {
    auto& m = *impl_;
    if (m.ended) {
        return;
    }
    beast::get_lowest_layer(m.ws).expires_after(m.options.timeout);
    bool done = false;
    m.ws.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
    run_until_done(m.ioc, done, "wss close");
    m.ended = true;
}

}  // namespace liveroom::test
