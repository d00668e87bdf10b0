#include "server/core/metrics.hpp"

#include <mutex>

namespace liveroom::core {

namespace {

struct sampled {
    const char* name;
    const char* help;
    metric::kind kind;
    std::function<std::int64_t()> fn;
};

struct registry {
    std::mutex mu;  // registration and rendering only, never on a hot path
    std::vector<const metric*> metrics;
    std::vector<sampled> samplers;
};

registry& reg() {
    static registry r;
    return r;
}

void render_one(std::string& out, const char* name, const char* help, metric::kind k, std::int64_t v) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += k == metric::kind::counter ? " counter\n" : " gauge\n";
    out += name;
    out += ' ';
    out += std::to_string(v);
    out += '\n';
}

}  // namespace

metric::metric(const char* name, const char* help, kind k) : name_(name), help_(help), kind_(k) {
    std::lock_guard lock(reg().mu);
    reg().metrics.push_back(this);
}

void register_sampled(const char* name, const char* help, metric::kind k, std::function<std::int64_t()> fn) {
    std::lock_guard lock(reg().mu);
    reg().samplers.push_back({name, help, k, std::move(fn)});
}

std::string render_metrics() {
    std::string out;
    std::lock_guard lock(reg().mu);
    for (const metric* m : reg().metrics) {
        render_one(out, m->name(), m->help(), m->type(), m->get());
    }
    for (const auto& s : reg().samplers) {
        render_one(out, s.name, s.help, s.kind, s.fn());
    }
    return out;
}

}  // namespace liveroom::core
