#include "server/room/spec_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "protocol/decode.hpp"
#include "protocol/text.hpp"

namespace liveroom::room {

bool valid_room_id(std::string_view id) {
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (const char c : id) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> parse_spec(std::string_view body, room_spec& spec) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject()) {
        return "the body must be a JSON object";
    }
    auto str = [&](const rapidjson::Value& o, const char* k, std::size_t max, bool required,
                   std::string& out) -> std::optional<std::string> {
        auto it = o.FindMember(k);
        if (it == o.MemberEnd() || it->value.IsNull()) {
            if (required) {
                return std::string("missing field '") + k + "'";
            }
            return std::nullopt;
        }
        if (!it->value.IsString()) {
            return std::string("field '") + k + "' must be a string";
        }
        out = protocol::clean_text(std::string_view(it->value.GetString(), it->value.GetStringLength()), true);
        if (protocol::code_points(out) > max) {
            return std::string("field '") + k + "' is longer than " + std::to_string(max) + " characters";
        }
        return std::nullopt;
    };
    if (auto e = str(d, "id", 64, true, spec.id)) {
        return e;
    }
    if (!valid_room_id(spec.id)) {
        return "field 'id' must be 1-64 characters of A-Z a-z 0-9 - _";
    }
    if (auto e = str(d, "title", 100, true, spec.title)) {
        return e;
    }
    for (const char* k : {"starts_at", "ends_at"}) {
        auto it = d.FindMember(k);
        if (it != d.MemberEnd() && !it->value.IsNull()) {
            if (!it->value.IsInt64() || it->value.GetInt64() < 0) {
                return std::string("field '") + k + "' must be ms since the epoch";
            }
            (std::string_view(k) == "starts_at" ? spec.starts_at : spec.ends_at) = it->value.GetInt64();
        }
    }
    if (spec.ends_at != 0 && spec.ends_at < spec.starts_at) {
        return "ends_at must not be before starts_at";
    }
    if (auto it = d.FindMember("allow_guests"); it != d.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsBool()) {
            return "field 'allow_guests' must be true or false";
        }
        spec.allow_guests = it->value.GetBool();
    }
    if (auto it = d.FindMember("segments"); it != d.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsArray() || it->value.Size() > 50) {
            return "field 'segments' must be a list of at most 50";
        }
        for (const auto& s : it->value.GetArray()) {
            if (!s.IsObject()) {
                return "each segment must be an object {title, presenter}";
            }
            segment seg;
            if (auto e = str(s, "title", 100, true, seg.title)) {
                return "segment: " + *e;
            }
            if (auto e = str(s, "presenter", 64, false, seg.presenter)) {
                return "segment: " + *e;
            }
            spec.segments.push_back(std::move(seg));
        }
    }
    if (auto it = d.FindMember("cards"); it != d.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsArray() || it->value.Size() > 500) {
            return "field 'cards' must be a list of at most 500";
        }
        for (const auto& c : it->value.GetArray()) {
            if (!c.IsObject()) {
                return "each card must be an object";
            }
            protocol::card card;
            if (auto e = str(c, "id", 64, false, card.id)) {
                return "card: " + *e;
            }
            if (auto e = str(c, "title", 100, true, card.title)) {
                return "card: " + *e;
            }
            if (auto e = str(c, "body", 2000, false, card.body)) {
                return "card: " + *e;
            }
            if (auto e = str(c, "image", 2048, false, card.image)) {
                return "card: " + *e;
            }
            if (auto e = str(c, "link", 2048, false, card.link)) {
                return "card: " + *e;
            }
            if (auto s = c.FindMember("segment"); s != c.MemberEnd() && !s->value.IsNull()) {
                if (!s->value.IsInt() || s->value.GetInt() < 0 || s->value.GetInt() > 1000) {
                    return "card: field 'segment' must be a segment index";
                }
                card.segment = s->value.GetInt();
            }
            spec.cards.push_back(std::move(card));
        }
    }
    if (auto it = d.FindMember("quizzes"); it != d.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsArray() || it->value.Size() > 100) {
            return "field 'quizzes' must be a list of at most 100";
        }
        for (auto& q : it->value.GetArray()) {
            if (!q.IsObject()) {
                return "each quiz must be an object {id, question, options, correct, seconds?, scoring?}";
            }
            std::string id;
            if (auto e = str(q, "id", 64, true, id)) {
                return "quiz: " + *e;
            }
            // Validated as the quiz.open request it stands for.
            q.RemoveMember("id");
            q.AddMember("type", "quiz.open", d.GetAllocator());
            rapidjson::StringBuffer text;
            rapidjson::Writer<rapidjson::StringBuffer> writer(text);
            q.Accept(writer);
            auto decoded = protocol::decode_request(std::string_view(text.GetString(), text.GetSize()));
            if (auto* err = std::get_if<protocol::decode_error>(&decoded)) {
                return "quiz '" + id + "': " + err->message;
            }
            auto* open = std::get_if<protocol::req::quiz_open>(&std::get<protocol::request>(decoded).body);
            if (open == nullptr || open->deck) {
                return "quiz '" + id + "' must give question, options and correct";
            }
            spec.quizzes.emplace_back(std::move(id), std::move(*open));
        }
    }
    return std::nullopt;
}

void write_spec(protocol::json_out& j, const room_spec& spec) {
    j.begin_object();
    j.field("id", spec.id).field("title", spec.title).field("starts_at", spec.starts_at);
    j.field("ends_at", spec.ends_at).field("allow_guests", spec.allow_guests);
    write_program(j, spec);
}

void write_program(protocol::json_out& j, const room_spec& spec) {
    auto& w = j.w();
    j.key("segments");
    w.StartArray();
    for (const auto& s : spec.segments) {
        w.StartObject();
        j.field("title", s.title).field("presenter", s.presenter);
        w.EndObject();
    }
    w.EndArray();
    j.key("cards");
    w.StartArray();
    for (const auto& c : spec.cards) {
        j.value(c);
    }
    w.EndArray();
    j.key("quizzes");
    w.StartArray();
    for (const auto& [id, q] : spec.quizzes) {
        w.StartObject();
        j.field("id", id).field("question", q.question);
        j.key("options");
        j.value(q.options);
        j.key("correct");
        j.value(q.correct);
        j.field("seconds", q.seconds).field("scoring", q.mode == protocol::req::scoring::speed ? "speed" : "accuracy");
        w.EndObject();
    }
    w.EndArray();
}

}  // namespace liveroom::room
