#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace liveroom::net {

// Maps a request path to a file under the web root: "/" → index.html,
// "/room/{id}" → room.html, "/console/{id}" → console.html,
// "/dashboard/{id}" → dashboard.html, other paths as they are. Refuses
// "..", backslashes and NULs. Returns nullopt when there is no such file.
struct static_file {
    std::string body;
    std::string_view content_type;
};
std::optional<static_file> load_static(std::string_view web_root, std::string_view path);

std::string_view mime_type(std::string_view path) noexcept;

}  // namespace liveroom::net
