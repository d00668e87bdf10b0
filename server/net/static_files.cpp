#include "server/net/static_files.hpp"

#include <fstream>
#include <sstream>

#include <sys/stat.h>

namespace liveroom::net {

std::string_view mime_type(std::string_view path) noexcept {
    const auto dot = path.rfind('.');
    const std::string_view ext = dot == std::string_view::npos ? std::string_view{} : path.substr(dot);
    if (ext == ".html") {
        return "text/html; charset=utf-8";
    }
    if (ext == ".js" || ext == ".mjs") {
        return "text/javascript; charset=utf-8";
    }
    if (ext == ".css") {
        return "text/css; charset=utf-8";
    }
    if (ext == ".json") {
        return "application/json";
    }
    if (ext == ".svg") {
        return "image/svg+xml";
    }
    if (ext == ".png") {
        return "image/png";
    }
    if (ext == ".jpg" || ext == ".jpeg") {
        return "image/jpeg";
    }
    if (ext == ".ico") {
        return "image/x-icon";
    }
    if (ext == ".txt") {
        return "text/plain; charset=utf-8";
    }
    return "application/octet-stream";
}

std::optional<static_file> load_static(std::string_view web_root, std::string_view path) {
    if (const auto q = path.find_first_of("?#"); q != std::string_view::npos) {
        path = path.substr(0, q);
    }
    if (path.empty() || path[0] != '/' || path.find("..") != std::string_view::npos ||
        path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    std::string rel;
    auto page = [&](std::string_view prefix, const char* file) {
        if (path.substr(0, prefix.size()) == prefix && path.size() > prefix.size() &&
            path.find('/', prefix.size()) == std::string_view::npos) {
            rel = file;
            return true;
        }
        return false;
    };
    if (path == "/") {
        rel = "index.html";
    } else if (!page("/room/", "room.html") && !page("/console/", "console.html") &&
               !page("/dashboard/", "dashboard.html")) {
        rel = std::string(path.substr(1));
    }
    const std::string full = std::string(web_root) + "/" + rel;
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return std::nullopt;
    }
    std::ifstream in(full, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return static_file{ss.str(), mime_type(rel)};
}

}  // namespace liveroom::net
