#pragma once

// The scenario report as one self-contained HTML page: the figures as tables and the time
// series as inline SVG line charts (no script, no external asset), for people to read.

#include <string>

#include "bench/scenario_report.hpp"

namespace liveroom::bench {

std::string to_html(const scenario_report& report);

}  // namespace liveroom::bench
