#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace liveroom::core {

// A counter or gauge owned by its component and registered once with a name
// and description; /metrics renders them all as Prometheus text. Increments
// are relaxed atomics on their own cache line.
class metric {
  public:
    enum class kind { counter, gauge };
    metric(const char* name, const char* help, kind k);
    metric(const metric&) = delete;
    metric& operator=(const metric&) = delete;

    void add(std::int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    void sub(std::int64_t n = 1) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }
    void set(std::int64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
    std::int64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

    const char* name() const noexcept { return name_; }
    const char* help() const noexcept { return help_; }
    kind type() const noexcept { return kind_; }

  private:
    alignas(64) std::atomic<std::int64_t> value_{0};
    const char* name_;
    const char* help_;
    kind kind_;
};

// A value computed when /metrics is read (e.g. frames alive, RSS).
void register_sampled(const char* name, const char* help, metric::kind k, std::function<std::int64_t()> fn);

// All registered metrics as Prometheus text exposition.
std::string render_metrics();

}  // namespace liveroom::core
