#pragma once

// `liveroom-bench run <scenario>` and the named scenarios (`union-evening`,
// `reconnect-storm`, `quiz-burst`, `soak`): plays a scenario file against a server and
// writes the report as text, JSON and HTML.

#include <iosfwd>
#include <string>

namespace liveroom::bench {

void print_run_usage(std::ostream& out, const std::string& command);

// `scenario` is a file path or the name of a file in the scenario directory (the named
// commands pass their own name). Returns the exit status; throws usage_error.
int run_scenario(const std::string& command, int argc, char** argv);

// The named scenarios that have their own command.
bool is_named_scenario(const std::string& command);

}  // namespace liveroom::bench
