#pragma once

// Reading reports back: `liveroom-bench compare a.json b.json` puts two reports side by
// side; `liveroom-bench check report.json 'deliveries.gaps == 0' ...` asserts on one (for
// CI and scripts). Both work on any JSON report of the bench (scenario or fanout).

#include <iosfwd>
#include <string>
#include <string_view>

#include "bench/json_flat.hpp"

namespace liveroom::bench {

// Prints the two reports' leaves side by side, with the change of numbers in percent.
// Only differing leaves unless `all`.
void print_comparison(std::ostream& out,
                      const flat_json& a,
                      const flat_json& b,
                      const std::string& a_name,
                      const std::string& b_name,
                      bool all);

// Evaluates "<path> <op> <number | path>" (op: == != < <= > >=) on `doc`. Returns whether
// it holds; `explanation` gets "deliveries.gaps == 0: 0 == 0" or why it cannot be evaluated.
bool evaluate_check(const flat_json& doc, std::string_view expression, std::string& explanation);

int run_compare(int argc, char** argv);
int run_check(int argc, char** argv);

}  // namespace liveroom::bench
