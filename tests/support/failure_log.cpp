#include "tests/support/failure_log.hpp"

#include <mutex>
#include <utility>

namespace liveroom::test {
namespace {

std::mutex& log_mutex() {
    static std::mutex m;
    return m;
}

std::string& log_text() {
    static std::string text;
    return text;
}

}  // namespace

void failure_log_add(std::string text) {
    std::lock_guard lock(log_mutex());
    log_text() += text;
    if (!text.empty() && text.back() != '\n') {
        log_text() += '\n';
    }
}

std::string failure_log_take() {
    std::lock_guard lock(log_mutex());
    return std::exchange(log_text(), std::string());
}

void failure_log_clear() {
    std::lock_guard lock(log_mutex());
    log_text().clear();
}

}  // namespace liveroom::test
