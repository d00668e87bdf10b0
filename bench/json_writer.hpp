#pragma once

// A small streaming JSON writer for the bench's reports: objects, arrays, numbers (non-finite
// as null), optional values, and correctly escaped strings. Shared by every report.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace liveroom::bench {

class json_writer {
  public:
    void begin_object(const char* key = nullptr) {
        prefix(key);
        out_ += '{';
        first_.push_back(true);
    }
    void end_object() {
        first_.pop_back();
        out_ += '}';
    }
    // Inside an array, pass key nullptr to begin_object / field for the elements.
    void begin_array(const char* key = nullptr) {
        prefix(key);
        out_ += '[';
        first_.push_back(true);
    }
    void end_array() {
        first_.pop_back();
        out_ += ']';
    }
    void field(const char* key, const std::string& v) {
        prefix(key);
        string(v);
    }
    void field(const char* key, const char* v) { field(key, std::string(v)); }
    void field(const char* key, bool v) {
        prefix(key);
        out_ += v ? "true" : "false";
    }
    void field(const char* key, std::uint64_t v) {
        prefix(key);
        out_ += std::to_string(v);
    }
    void field(const char* key, std::int64_t v) {
        prefix(key);
        out_ += std::to_string(v);
    }
    void field(const char* key, unsigned v) { field(key, static_cast<std::uint64_t>(v)); }
    void field(const char* key, int v) { field(key, static_cast<std::int64_t>(v)); }
    void field(const char* key, double v) {
        prefix(key);
        if (!std::isfinite(v)) {
            out_ += "null";
            return;
        }
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.6g", v);
        out_ += buf;
    }
    template <class T>
    void field(const char* key, const std::optional<T>& v) {
        if (v) {
            field(key, *v);
        } else {
            prefix(key);
            out_ += "null";
        }
    }
    std::string take() { return std::move(out_); }

  private:
    void prefix(const char* key) {
        if (!first_.empty()) {
            if (!first_.back()) {
                out_ += ',';
            }
            first_.back() = false;
        }
        if (key != nullptr) {
            string(key);
            out_ += ':';
        }
    }
    void string(std::string_view s) {
        out_ += '"';
        for (const char c : s) {
            switch (c) {
                case '"':
                    out_ += "\\\"";
                    break;
                case '\\':
                    out_ += "\\\\";
                    break;
                case '\n':
                    out_ += "\\n";
                    break;
                case '\r':
                    out_ += "\\r";
                    break;
                case '\t':
                    out_ += "\\t";
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        char buf[8];
                        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                        out_ += buf;
                    } else {
                        out_ += c;
                    }
            }
        }
        out_ += '"';
    }

    std::string out_;
    std::vector<bool> first_;
};

}  // namespace liveroom::bench
