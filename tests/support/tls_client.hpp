#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/deadline.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json.hpp"
#include "tests/support/ws_client.hpp"

namespace liveroom::test {

// A self-signed certificate for 127.0.0.1 and localhost (EC P-256, valid a
// day) made with the OpenSSL API, written as PEM files into `dir`.
struct test_certificate {
    std::string cert_file;
    std::string key_file;
};
test_certificate make_test_certificate(const std::string& dir);

struct tls_options {
    std::string ca_file;                    // the certificate to trust (verification is always on)
    std::string server_name = "localhost";  // SNI and the name the certificate must carry
    clock::duration timeout = 10s;          // each call: connect + handshake, or one exchange
};

// One HTTPS request to 127.0.0.1:port on a fresh connection; throws
// std::runtime_error on a transport or TLS error (a bad certificate too).
http_response https_get(std::uint16_t port, std::string_view target, const tls_options& options);

// A synchronous wss:// client (TLS, then the WebSocket upgrade on /ws), every
// call bounded; server messages are split at '\n' into JSON objects.
class wss_client {
  public:
    // Connects, verifies the certificate and upgrades; throws on failure.
    wss_client(std::uint16_t port, const tls_options& options);
    ~wss_client();
    wss_client(const wss_client&) = delete;
    wss_client& operator=(const wss_client&) = delete;

    void send(std::string_view text);
    // The next JSON object; nullopt on timeout or when the connection ended.
    std::optional<json> receive();
    // Sends `request` and returns the ack or error whose "id" is `id`.
    std::optional<json> request(std::string_view request, std::string_view id);
    // Closing handshake (1000), bounded.
    void close();
    // The code of the server's close frame, once the connection ended with one.
    std::optional<std::uint16_t> close_code() const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace liveroom::test
