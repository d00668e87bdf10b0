#include "tests/support/metrics_scrape.hpp"

#include <sstream>

#include "tests/support/http_client.hpp"

namespace liveroom::test {

std::optional<std::int64_t> scrape_metric(std::uint16_t port, const std::string& name) {
    const auto res = http_get(port, "/metrics");
    std::istringstream in(res.body);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(name + " ", 0) == 0) {
            return std::stoll(line.substr(name.size() + 1));
        }
    }
    return std::nullopt;
}

}  // namespace liveroom::test
