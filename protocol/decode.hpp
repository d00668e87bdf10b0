#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/messages.hpp"

namespace liveroom::protocol {

// A decoded client request: its optional id and its body.
struct request {
    std::string id;
    bool has_id = false;
    request_body body;
    std::string raw;  // the frame as received (the event log records it)
};

// A refused frame: the error to answer with; `id` is set when the frame was
// parseable far enough to read it.
struct decode_error {
    errc code = errc::bad_request;
    std::string message;
    std::string id;
    bool has_id = false;
};

using decode_result = std::variant<request, decode_error>;

// Decodes one client frame (exactly one JSON object). Validates types, ranges,
// UTF-8 and lengths; text fields come back cleaned (see clean_text).
decode_result decode_request(std::string_view frame, const text_limits& limits = {});

}  // namespace liveroom::protocol
