#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace liveroom::net {

// CSV (RFC 4180) for spreadsheets: a UTF-8 BOM so Excel and WPS read
// Chinese text, fields quoted when needed, and user text that a spreadsheet
// would run as a formula (= + - @ first) defused with a leading quote.
class csv_writer {
  public:
    csv_writer() { out_ = "\xEF\xBB\xBF"; }

    csv_writer& field(std::string_view v) {
        sep();
        const bool formula = !v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@');
        const bool quote = formula || v.find_first_of(",\"\r\n") != std::string_view::npos;
        if (!quote) {
            out_.append(v);
            return *this;
        }
        out_.push_back('"');
        if (formula) {
            out_.push_back('\'');
        }
        for (const char c : v) {
            if (c == '"') {
                out_.push_back('"');
            }
            out_.push_back(c);
        }
        out_.push_back('"');
        return *this;
    }
    csv_writer& field(std::int64_t v) {
        sep();
        out_.append(std::to_string(v));
        return *this;
    }
    void end_row() {
        out_.append("\r\n");
        first_ = true;
    }
    std::string take() { return std::move(out_); }

  private:
    void sep() {
        if (!first_) {
            out_.push_back(',');
        }
        first_ = false;
    }
    std::string out_;
    bool first_ = true;
};

}  // namespace liveroom::net
