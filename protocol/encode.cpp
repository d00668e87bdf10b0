#include "protocol/encode.hpp"

namespace liveroom::protocol {

json_out& json_out::begin(std::string_view type) {
    buf_.Clear();
    writer_.Reset(buf_);
    writer_.StartObject();
    return field("type", type);
}

json_out& json_out::begin_object() {
    buf_.Clear();
    writer_.Reset(buf_);
    writer_.StartObject();
    return *this;
}

json_out& json_out::begin_value() {
    buf_.Clear();
    writer_.Reset(buf_);
    return *this;
}

std::string_view json_out::finish() {
    writer_.EndObject();
    return {buf_.GetString(), buf_.GetSize()};
}

json_out& json_out::key(std::string_view k) {
    writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return *this;
}

json_out& json_out::field(std::string_view k, std::string_view value) {
    key(k);
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    return *this;
}

json_out& json_out::field(std::string_view k, std::int64_t value) {
    key(k);
    writer_.Int64(value);
    return *this;
}

json_out& json_out::field(std::string_view k, std::uint64_t value) {
    key(k);
    writer_.Uint64(value);
    return *this;
}

json_out& json_out::field(std::string_view k, bool value) {
    key(k);
    writer_.Bool(value);
    return *this;
}

json_out& json_out::null_field(std::string_view k) {
    key(k);
    writer_.Null();
    return *this;
}

void json_out::value(const author& a) {
    writer_.StartObject();
    field("id", a.id).field("name", a.name);
    writer_.EndObject();
}

void json_out::value(const card& c) {
    writer_.StartObject();
    field("id", c.id).field("title", c.title).field("body", c.body).field("segment", c.segment);
    if (!c.image.empty()) {
        field("image", c.image);
    }
    if (!c.link.empty()) {
        field("link", c.link);
    }
    writer_.EndObject();
}

void json_out::value(const question& q, const card* attached) {
    writer_.StartObject();
    field("id", q.id).field("text", q.text);
    key("author");
    value(q.by);
    field("votes", q.votes).field("status", to_string(q.status)).field("ts", q.ts);
    if (!q.answer.empty()) {
        field("answer", q.answer);
    }
    if (!q.card_id.empty()) {
        field("card_id", q.card_id);
        if (attached != nullptr) {
            key("card");
            value(*attached);
        }
    }
    if (!q.into.empty()) {
        field("into", q.into);
    }
    writer_.EndObject();
}

void json_out::value(const comment& c) {
    writer_.StartObject();
    field("id", c.id);
    key("author");
    value(c.by);
    field("text", c.text);
    writer_.EndObject();
}

void json_out::value(const std::vector<std::string>& list) {
    writer_.StartArray();
    for (const auto& s : list) {
        writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    }
    writer_.EndArray();
}

void json_out::value(const std::vector<int>& list) {
    writer_.StartArray();
    for (const int n : list) {
        writer_.Int(n);
    }
    writer_.EndArray();
}

void json_out::value(const std::vector<std::int64_t>& list) {
    writer_.StartArray();
    for (const auto n : list) {
        writer_.Int64(n);
    }
    writer_.EndArray();
}

void json_out::value(const quiz_public& q) {
    writer_.StartObject();
    field("id", q.id).field("question", q.question);
    key("options");
    value(q.options);
    field("multi", q.multi);
    if (q.closes_at) {
        field("closes_at", *q.closes_at);
    }
    field("seed_hash", q.seed_hash);
    writer_.EndObject();
}

std::string_view encode_error(json_out& j, std::string_view id, bool has_id, errc code, std::string_view message) {
    j.begin("error");
    if (has_id) {
        j.field("id", id);
    }
    j.field("code", wire_name(code)).field("message", message);
    return j.finish();
}

}  // namespace liveroom::protocol
