#include "protocol/error.hpp"

namespace liveroom::protocol {

std::string_view wire_name(errc code) noexcept {
    switch (code) {
        case errc::bad_request:
            return "bad_request";
        case errc::too_large:
            return "too_large";
        case errc::rate_limited:
            return "rate_limited";
        case errc::forbidden:
            return "forbidden";
        case errc::not_found:
            return "not_found";
        case errc::closed:
            return "closed";
        case errc::duplicate:
            return "duplicate";
        case errc::muted:
            return "muted";
        case errc::banned:
            return "banned";
        case errc::blocked:
            return "blocked";
    }
    return "bad_request";
}

}  // namespace liveroom::protocol
