#include "tests/support/json.hpp"

#include <stdexcept>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace liveroom::test {

std::optional<json> json::parse(std::string_view text, std::string* error) {
    auto doc = std::make_shared<rapidjson::Document>();
    doc->Parse(text.data(), text.size());
    if (doc->HasParseError()) {
        if (error != nullptr) {
            *error = std::string(rapidjson::GetParseError_En(doc->GetParseError())) + " at offset " +
                     std::to_string(doc->GetErrorOffset());
        }
        return std::nullopt;
    }
    const rapidjson::Value* root = doc.get();
    return json(std::move(doc), root, std::string(text));
}

json json::parse_or_throw(std::string_view text) {
    std::string error;
    auto parsed = parse(text, &error);
    if (!parsed) {
        std::string shown(text.substr(0, 300));
        throw std::runtime_error("invalid JSON (" + error + "): " + shown);
    }
    return std::move(*parsed);
}

std::string json::text() const {
    if (!source_.empty()) {
        return source_;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    value_->Accept(writer);
    return std::string(buf.GetString(), buf.GetSize());
}

std::string json::type() const {
    auto t = str("type");
    return t ? *t : std::string();
}

const rapidjson::Value* json::find(std::string_view path) const noexcept {
    const rapidjson::Value* cur = value_;
    if (path.empty()) {
        return cur;  // the value itself (e.g. an item of an array)
    }
    while (cur != nullptr) {
        auto dot = path.find('.');
        std::string_view name = path.substr(0, dot);
        if (!cur->IsObject()) {
            return nullptr;
        }
        auto it = cur->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
        if (it == cur->MemberEnd()) {
            return nullptr;
        }
        cur = &it->value;
        if (dot == std::string_view::npos) {
            return cur;
        }
        path.remove_prefix(dot + 1);
    }
    return nullptr;
}

bool json::is_null(std::string_view path) const noexcept {
    const auto* v = find(path);
    return v != nullptr && v->IsNull();
}

std::optional<std::string> json::str(std::string_view path) const {
    const auto* v = find(path);
    if (v == nullptr || !v->IsString()) {
        return std::nullopt;
    }
    return std::string(v->GetString(), v->GetStringLength());
}

std::optional<std::int64_t> json::i64(std::string_view path) const {
    const auto* v = find(path);
    if (v == nullptr || !v->IsInt64()) {
        return std::nullopt;
    }
    return v->GetInt64();
}

std::optional<std::uint64_t> json::u64(std::string_view path) const {
    const auto* v = find(path);
    if (v == nullptr || !v->IsUint64()) {
        return std::nullopt;
    }
    return v->GetUint64();
}

std::optional<bool> json::boolean(std::string_view path) const {
    const auto* v = find(path);
    if (v == nullptr || !v->IsBool()) {
        return std::nullopt;
    }
    return v->GetBool();
}

std::optional<json> json::at(std::string_view path) const {
    const auto* v = find(path);
    if (v == nullptr) {
        return std::nullopt;
    }
    return json(doc_, v, std::string());
}

std::vector<json> json::items(std::string_view path) const {
    std::vector<json> out;
    const auto* v = find(path);
    if (v == nullptr || !v->IsArray()) {
        return out;
    }
    for (const auto& item : v->GetArray()) {
        out.push_back(json(doc_, &item, std::string()));
    }
    return out;
}

std::string json_quote(std::string_view text) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    return std::string(buf.GetString(), buf.GetSize());
}

json_object& json_object::key(std::string_view key) {
    if (out_.size() > 1) {
        out_ += ',';
    }
    out_ += json_quote(key);
    out_ += ':';
    return *this;
}

json_object& json_object::add(std::string_view k, std::string_view value) {
    key(k);
    out_ += json_quote(value);
    return *this;
}

json_object& json_object::add(std::string_view k, std::int64_t value) {
    key(k);
    out_ += std::to_string(value);
    return *this;
}

json_object& json_object::add(std::string_view k, std::uint64_t value) {
    key(k);
    out_ += std::to_string(value);
    return *this;
}

json_object& json_object::add(std::string_view k, bool value) {
    key(k);
    out_ += value ? "true" : "false";
    return *this;
}

json_object& json_object::add_raw(std::string_view k, std::string_view encoded) {
    key(k);
    out_ += encoded;
    return *this;
}

}  // namespace liveroom::test
