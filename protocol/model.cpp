#include "protocol/model.hpp"

namespace liveroom::protocol {

std::string_view to_string(role r) noexcept {
    switch (r) {
        case role::viewer:
            return "viewer";
        case role::moderator:
            return "moderator";
        case role::host:
            return "host";
        case role::admin:
            return "admin";
    }
    return "viewer";
}

std::optional<role> parse_role(std::string_view s) noexcept {
    if (s == "viewer") {
        return role::viewer;
    }
    if (s == "moderator") {
        return role::moderator;
    }
    if (s == "host") {
        return role::host;
    }
    if (s == "admin") {
        return role::admin;
    }
    return std::nullopt;
}

std::string_view to_string(room_status s) noexcept {
    switch (s) {
        case room_status::scheduled:
            return "scheduled";
        case room_status::live:
            return "live";
        case room_status::ended:
            return "ended";
    }
    return "scheduled";
}

std::string_view to_string(question_status s) noexcept {
    switch (s) {
        case question_status::held:
            return "held";
        case question_status::visible:
            return "visible";
        case question_status::answering:
            return "answering";
        case question_status::answered:
            return "answered";
        case question_status::dismissed:
            return "dismissed";
        case question_status::merged:
            return "merged";
    }
    return "visible";
}

}  // namespace liveroom::protocol
