#pragma once

// A load scenario read from a JSON file: how many viewers are online over (scenario) time,
// how they come and go, what a share of them does at what rate, and the host's timeline.
// Times in the file are scenario seconds; a run plays them `speed` times faster. The format
// is documented in bench/README.md ("Scenario files").

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace liveroom::bench {

// Viewer requests a scenario can ask for.
enum class viewer_action : std::uint8_t { comment, ask, vote, like, quiz_answer };
inline constexpr std::size_t viewer_action_count = 5;
const char* to_string(viewer_action a);

// A share of the online viewers doing one kind of request at a rate.
struct activity {
    double share = 0;     // fraction of viewers who ever do it, 0..1
    double per_min = 0;   // requests per scenario minute per such viewer (quiz.answer: unused)
    double within_s = 0;  // quiz.answer: answers arrive within this many scenario s of quiz.open
};

// One step of the timeline. Host steps are requests on the host connection; `drop_all`
// is done by the viewers (every online viewer's connection is cut, then comes back).
struct timeline_step {
    double at_s = 0;       // scenario seconds from the start
    std::string what;      // room.start, card.show, notice.set, quiz.open, quiz.close, draw,
                           // question.answer, room.extend, room.end, drop_all
    std::string card;      // card.show: a deck id
    std::string text;      // notice.set, question.answer (the answer)
    std::string question;  // quiz.open
    std::vector<std::string> options;
    std::vector<int> correct;  // quiz.open
    double seconds = 0;        // quiz.open: scenario seconds the quiz stays open (0 untimed)
    std::string scoring = "accuracy";
    std::int64_t count = 1;    // draw: winners
    std::int64_t minutes = 0;  // room.extend
    double back_within_s = 2;  // drop_all: real seconds within which every viewer is back

    bool by_viewers() const { return what == "drop_all"; }
};

struct scenario {
    std::string name;
    std::string description;
    std::string room = "demo";
    double duration_s = 60;  // scenario seconds of activity
    double speed = 1;        // default compression (the command line may override)
    std::uint64_t seed = 1;

    // Online viewers over time: (scenario s, count), linear in between, flat after the last.
    std::vector<std::pair<double, double>> online;
    double leave_per_min = 0;       // share of online viewers leaving per scenario minute
    double rejoin_share = 0;        // share of leavers who come back, resuming with `since`
    double rejoin_after_min_s = 5;  // scenario seconds before a leaver comes back: uniform in [min, max]
    double rejoin_after_max_s = 60;
    bool leave_abruptly = false;  // leave by cutting the connection (no close handshake)

    std::array<activity, viewer_action_count> activities{};
    std::vector<timeline_step> timeline;  // sorted by at_s; repeated steps expanded

    double peak_online() const;
    double online_at(double scenario_s) const;
    const activity& of(viewer_action a) const { return activities[static_cast<std::size_t>(a)]; }

    // Scales the online curve so that its peak is `peak` viewers.
    void scale_to_peak(double peak);
    // Sets the duration; timeline steps past it are dropped.
    void set_duration(double seconds);
};

// Parses scenario JSON; throws std::runtime_error naming the offending member
// ("viewers.online[2]: expected [seconds, count]").
scenario parse_scenario(std::string_view json);

// Reads and parses a file; throws std::runtime_error with the path in the message.
scenario load_scenario_file(const std::string& path);

}  // namespace liveroom::bench
