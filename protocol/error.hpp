#pragma once

#include <string_view>

namespace liveroom::protocol {

// Every refusal the contract knows, one enum mapped to the wire codes.
enum class errc {
    bad_request,
    too_large,
    rate_limited,
    forbidden,
    not_found,
    closed,
    duplicate,
    muted,
    banned,
    blocked,
};

// The wire name of an error code, e.g. "rate_limited".
std::string_view wire_name(errc code) noexcept;

// A refusal with its human-readable message (the message is static text or
// owned by the caller for as long as the error is used).
struct error {
    errc code;
    std::string_view message;
};

}  // namespace liveroom::protocol
