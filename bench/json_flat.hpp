#pragma once

// A JSON report as a flat, ordered list of leaves: "deliveries.gaps" → 0. Arrays (the time
// series) are left out. Used to compare two reports and to check one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace liveroom::bench {

struct flat_leaf {
    std::string path;
    std::optional<double> number;  // numbers and booleans (1 / 0)
    std::string text;              // strings; "null" for null
};

using flat_json = std::vector<flat_leaf>;

// Throws std::runtime_error on invalid JSON or a non-object top level.
flat_json flatten_json(std::string_view json);

// Reads and flattens a file; throws std::runtime_error naming the path.
flat_json load_flat_json(const std::string& path);

const flat_leaf* find_leaf(const flat_json& doc, std::string_view path);

}  // namespace liveroom::bench
