#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace liveroom::test {

// One parsed JSON value (usually a whole server→client object), cheap to copy:
// copies share the parsed document. Lookups take a dotted path ("you.role",
// "state.notice", "error.code"); a missing key or a value of another kind
// gives std::nullopt / nullptr rather than throwing.
class json {
  public:
    // Parses one JSON text; nullopt (and *error filled) when it is not valid JSON.
    static std::optional<json> parse(std::string_view text, std::string* error = nullptr);
    // Parses or throws std::runtime_error naming the text.
    static json parse_or_throw(std::string_view text);

    const rapidjson::Value& value() const noexcept { return *value_; }
    // The text this value was parsed from (for the whole document) or re-encoded (for a member).
    std::string text() const;

    // The top-level "type" string, or "" when there is none.
    std::string type() const;
    bool is(std::string_view type_name) const { return type() == type_name; }

    const rapidjson::Value* find(std::string_view path) const noexcept;
    bool has(std::string_view path) const noexcept { return find(path) != nullptr; }
    bool is_null(std::string_view path) const noexcept;
    std::optional<std::string> str(std::string_view path) const;
    std::optional<std::int64_t> i64(std::string_view path) const;
    std::optional<std::uint64_t> u64(std::string_view path) const;
    std::optional<bool> boolean(std::string_view path) const;
    // A member as its own json (sharing the document), e.g. at("state").
    std::optional<json> at(std::string_view path) const;
    // Elements of an array member (empty when absent or not an array).
    std::vector<json> items(std::string_view path) const;

  private:
    json(std::shared_ptr<const rapidjson::Document> doc, const rapidjson::Value* value, std::string source)
        : doc_(std::move(doc)), value_(value), source_(std::move(source)) {}

    std::shared_ptr<const rapidjson::Document> doc_;
    const rapidjson::Value* value_ = nullptr;
    std::string source_;  // empty for members
};

// The JSON encoding of a string, quotes included: json_quote("a\"b") == "\"a\\\"b\"".
std::string json_quote(std::string_view text);

// Builds one JSON object, keys in insertion order:
//   json_object().add("type", "hello").add("room", "demo").str()
class json_object {
  public:
    json_object& add(std::string_view key, std::string_view value);
    json_object& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    json_object& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
    json_object& add(std::string_view key, std::int64_t value);
    json_object& add(std::string_view key, std::uint64_t value);
    json_object& add(std::string_view key, int value) { return add(key, static_cast<std::int64_t>(value)); }
    json_object& add(std::string_view key, bool value);
    // Adds an already encoded JSON value (object, array, null, ...).
    json_object& add_raw(std::string_view key, std::string_view encoded);

    std::string str() const { return out_ + "}"; }
    operator std::string() const { return str(); }

  private:
    json_object& key(std::string_view key);
    std::string out_ = "{";
};

}  // namespace liveroom::test
