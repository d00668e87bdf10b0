#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace liveroom::protocol {

// The room's domain objects as they appear on the wire.

enum class role { viewer, moderator, host, admin };
enum class room_status { scheduled, live, ended };
enum class question_status { held, visible, answering, answered, dismissed, merged };

struct author {
    std::string id;
    std::string name;
};

struct card {
    std::string id;
    std::string title;
    std::string body;
    int segment = 0;
    std::string image;  // "" when none
    std::string link;   // "" when none
};

struct question {
    std::string id;
    std::string text;
    author by;  // name "" when anonymous
    int votes = 0;
    question_status status = question_status::visible;
    std::string answer;   // "" when none
    std::string card_id;  // "" when none
    std::string into;     // "" unless merged
    std::int64_t ts = 0;
};

struct comment {
    std::string id;
    author by;
    std::string text;
};

struct quiz_public {
    std::string id;
    std::string question;
    std::vector<std::string> options;
    bool multi = false;
    std::optional<std::int64_t> closes_at;  // absent when untimed
    std::string seed_hash;
};

struct presence {
    std::int64_t online = 0;
    std::int64_t peak = 0;
    std::int64_t views = 0;
    std::int64_t likes = 0;
};

std::string_view to_string(role r) noexcept;
std::optional<role> parse_role(std::string_view s) noexcept;
std::string_view to_string(room_status s) noexcept;
std::string_view to_string(question_status s) noexcept;

// True for roles that may moderate (moderator, host, admin).
inline bool can_moderate(role r) noexcept {
    return r != role::viewer;
}

}  // namespace liveroom::protocol
