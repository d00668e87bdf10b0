#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace liveroom::test {

// The value of an unlabelled metric `name` in a GET /metrics of the server
// on 127.0.0.1:port; nullopt when the server does not export it.
std::optional<std::int64_t> scrape_metric(std::uint16_t port, const std::string& name);

}  // namespace liveroom::test
