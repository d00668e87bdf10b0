#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/event_log.hpp"

namespace liveroom::store {

// What the export reads back from the event log (the room's questions come
// from its live state instead: held, merged and votes included).
struct comment_row {
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
    std::string id;
    std::string author_id;
    std::string author_name;
    std::string text;
    std::string outcome = "published";  // published | held | quiet | merged | removed
    std::string merged_into;            // for merged: the comment it counted on
    std::int64_t removed_at = 0;
};

struct moderation_row {
    std::int64_t ts = 0;
    std::string actor;
    std::string name;
    int role = 0;
    std::string type;
    std::string request;  // the request as received (JSON)
};

struct minute_row {
    std::int64_t minute = 0;  // ms since the epoch, at the start of the minute
    std::int64_t online = 0;  // the most seen in the minute
    std::int64_t peak = 0;
    std::int64_t views = 0;
    std::int64_t comments = 0;
    std::int64_t questions = 0;
};

struct room_report {
    std::vector<comment_row> comments;
    std::vector<moderation_row> moderation;
    std::vector<minute_row> timeline;  // every minute from the first event to the last
};

// Reads the report of `room` (any thread; its own read connection).
room_report read_report(const event_log& log, std::string_view room);

}  // namespace liveroom::store
