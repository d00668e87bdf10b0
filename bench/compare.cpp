#include "bench/compare.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "bench/args.hpp"
#include "bench/exit_status.hpp"

namespace liveroom::bench {

namespace {

std::string show(const flat_leaf* leaf) {
    if (leaf == nullptr) {
        return "-";
    }
    if (leaf->number && leaf->text.empty()) {
        char buf[64];
        const double v = *leaf->number;
        if (std::fabs(v) >= 1e15 || v == std::floor(v)) {
            std::snprintf(buf, sizeof buf, "%.0f", v);
        } else {
            std::snprintf(buf, sizeof buf, "%.3f", v);
        }
        return buf;
    }
    return leaf->text.size() > 40 ? leaf->text.substr(0, 37) + "..." : leaf->text;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

void print_comparison(std::ostream& out,
                      const flat_json& a,
                      const flat_json& b,
                      const std::string& a_name,
                      const std::string& b_name,
                      bool all) {
    // Every path of a, then the ones only b has, in document order.
    std::vector<std::string> paths;
    for (const auto& leaf : a) {
        paths.push_back(leaf.path);
    }
    for (const auto& leaf : b) {
        if (find_leaf(a, leaf.path) == nullptr) {
            paths.push_back(leaf.path);
        }
    }
    std::size_t width = 10;
    for (const auto& p : paths) {
        width = std::max(width, p.size());
    }
    char line[512];
    std::snprintf(line, sizeof line, "%-*s  %18s  %18s  %9s\n", static_cast<int>(width), "field",
                  a_name.substr(0, 18).c_str(), b_name.substr(0, 18).c_str(), "change");
    out << line;
    std::size_t same = 0;
    for (const auto& p : paths) {
        const flat_leaf* x = find_leaf(a, p);
        const flat_leaf* y = find_leaf(b, p);
        const std::string xs = show(x);
        const std::string ys = show(y);
        if (!all && xs == ys) {
            ++same;
            continue;
        }
        std::string change;
        if (x != nullptr && y != nullptr && x->number && y->number && x->text.empty() && y->text.empty()) {
            if (*x->number != 0) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%+.1f %%", 100.0 * (*y->number - *x->number) / std::fabs(*x->number));
                change = buf;
            } else if (*y->number != 0) {
                change = "new";
            }
        }
        std::snprintf(line, sizeof line, "%-*s  %18s  %18s  %9s\n", static_cast<int>(width), p.c_str(), xs.c_str(),
                      ys.c_str(), change.c_str());
        out << line;
    }
    if (same != 0) {
        out << "(" << same << " equal fields not shown; --all shows them)\n";
    }
}

bool evaluate_check(const flat_json& doc, std::string_view expression, std::string& explanation) {
    static constexpr std::string_view ops[] = {"==", "!=", "<=", ">=", "<", ">"};
    std::size_t at = std::string_view::npos;
    std::string_view op;
    for (const auto candidate : ops) {
        const std::size_t i = expression.find(candidate);
        if (i != std::string_view::npos &&
            (at == std::string_view::npos || i < at || (i == at && candidate.size() > op.size()))) {
            at = i;
            op = candidate;
        }
    }
    if (at == std::string_view::npos) {
        explanation = std::string(expression) + ": expected <path> <op> <value>, op one of == != < <= > >=";
        return false;
    }
    const std::string_view lhs = trim(expression.substr(0, at));
    const std::string_view rhs = trim(expression.substr(at + op.size()));
    const flat_leaf* left = find_leaf(doc, lhs);
    if (left == nullptr || !left->number) {
        explanation = std::string(expression) + ": no number at '" + std::string(lhs) + "'";
        return false;
    }
    double right = 0;
    const auto [ptr, ec] = std::from_chars(rhs.data(), rhs.data() + rhs.size(), right);
    if (ec != std::errc{} || ptr != rhs.data() + rhs.size()) {
        const flat_leaf* other = find_leaf(doc, rhs);
        if (other == nullptr || !other->number) {
            explanation = std::string(expression) + ": '" + std::string(rhs) + "' is neither a number nor a field";
            return false;
        }
        right = *other->number;
    }
    const double l = *left->number;
    bool ok = false;
    if (op == "==") {
        ok = l == right;
    } else if (op == "!=") {
        ok = l != right;
    } else if (op == "<=") {
        ok = l <= right;
    } else if (op == ">=") {
        ok = l >= right;
    } else if (op == "<") {
        ok = l < right;
    } else {
        ok = l > right;
    }
    char buf[96];
    std::snprintf(buf, sizeof buf, ": %g %.*s %g", l, static_cast<int>(op.size()), op.data(), right);
    explanation = std::string(expression) + buf;
    return ok;
}

int run_compare(int argc, char** argv) {
    std::vector<std::string> files;
    bool all = false;
    for (int i = 0; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--all") {
            all = true;
        } else if (a == "--help" || a == "-h") {
            std::cout << "usage: liveroom-bench compare a.json b.json [--all]\n"
                         "Puts two JSON reports side by side (numbers with their change from a to b).\n";
            return exit_completed;
        } else if (a.substr(0, 2) == "--") {
            throw usage_error("unknown flag '" + std::string(a) + "'");
        } else {
            files.emplace_back(a);
        }
    }
    if (files.size() != 2) {
        throw usage_error("compare takes two report files");
    }
    const flat_json a = load_flat_json(files[0]);
    const flat_json b = load_flat_json(files[1]);
    const auto base = [](const std::string& path) {
        const std::size_t slash = path.rfind('/');
        return slash == std::string::npos ? path : path.substr(slash + 1);
    };
    std::cout << "a = " << files[0] << "\nb = " << files[1] << "\n";
    print_comparison(std::cout, a, b, base(files[0]), base(files[1]), all);
    return exit_completed;
}

int run_check(int argc, char** argv) {
    if (argc >= 1 && (std::string_view(argv[0]) == "--help" || std::string_view(argv[0]) == "-h")) {
        std::cout << "usage: liveroom-bench check report.json '<path> <op> <value|path>' ...\n"
                     "Exit status 0 when every check holds, 1 otherwise. Example:\n"
                     "  liveroom-bench check r.json 'deliveries.gaps == 0' "
                     "'deliveries.viewers_at_final == viewers.online_at_end'\n";
        return exit_completed;
    }
    if (argc < 2) {
        throw usage_error("check takes a report file and at least one expression");
    }
    const flat_json doc = load_flat_json(argv[0]);
    int failed = 0;
    for (int i = 1; i < argc; ++i) {
        std::string why;
        const bool ok = evaluate_check(doc, argv[i], why);
        std::cout << (ok ? "ok    " : "FAIL  ") << why << "\n";
        failed += ok ? 0 : 1;
    }
    std::cout << (argc - 1 - failed) << " passed, " << failed << " failed\n";
    return failed == 0 ? exit_completed : exit_failed;
}

}  // namespace liveroom::bench
