#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "protocol/error.hpp"
#include "protocol/model.hpp"

namespace liveroom::protocol {

// A reusable JSON writer: one per thread or per room, reset per message, so
// encoding allocates nothing after its buffer has grown once.
//
//   json_out& j = enc.begin("notice");   // {"type":"notice"
//   j.field("seq", 7).field("text", t);
//   std::string_view bytes = enc.finish();  // valid until the next begin()
class json_out {
  public:
    using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

    json_out& begin(std::string_view type);
    json_out& begin_object();  // an object without "type" (REST bodies)
    std::string_view finish();
    // A document that is one value written through w() (e.g. a cached part
    // of a message); text() gives it, nothing is closed for it.
    json_out& begin_value();
    std::string_view text() const { return {buf_.GetString(), buf_.GetSize()}; }

    json_out& field(std::string_view key, std::string_view value);
    json_out& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
    json_out& field(std::string_view key, std::int64_t value);
    json_out& field(std::string_view key, std::uint64_t value);
    json_out& field(std::string_view key, int value) { return field(key, static_cast<std::int64_t>(value)); }
    json_out& field(std::string_view key, bool value);
    json_out& null_field(std::string_view key);

    // Raw access for nested values: key() then the writer.
    json_out& key(std::string_view key);
    writer_t& w() noexcept { return writer_; }

    void value(const author& a);
    void value(const card& c);
    // `attached`: the answer's card, written as "card" (an extension) so a
    // viewer can show a card that was never on screen.
    void value(const question& q, const card* attached = nullptr);
    void value(const comment& c);
    void value(const quiz_public& q);
    // Arrays of strings and of numbers.
    void value(const std::vector<std::string>& list);
    void value(const std::vector<int>& list);
    void value(const std::vector<std::int64_t>& list);

  private:
    rapidjson::StringBuffer buf_;
    writer_t writer_{buf_};
};

// One-line helpers for the per-connection replies.
std::string_view encode_error(json_out& j, std::string_view id, bool has_id, errc code, std::string_view message);

}  // namespace liveroom::protocol
