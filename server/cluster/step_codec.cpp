#include "server/cluster/step_codec.hpp"

#include <cctype>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace liveroom::cluster {

namespace {
template <class W>
void str(W& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
}  // namespace

std::string encode_step(std::string_view origin, std::uint64_t term, const store::batch& b) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("o");
    str(w, origin);
    w.Key("t");
    w.Uint64(term);
    w.Key("c");
    w.StartArray();
    for (const auto& c : b.commands) {
        w.StartArray();
        w.Uint64(c.n);
        w.Int64(c.ts);
        str(w, c.kind);
        str(w, c.actor);
        str(w, c.name);
        w.Int(c.role);
        str(w, c.type);
        str(w, c.body);
        str(w, c.aux);
        w.EndArray();
    }
    w.EndArray();
    w.Key("e");
    w.StartArray();
    for (const auto& e : b.events) {
        w.StartArray();
        w.Uint64(e.seq);
        w.Int64(e.ts);
        str(w, e.type);
        w.Int(e.cls);
        w.Int(e.key);
        str(w, e.body);
        w.EndArray();
    }
    w.EndArray();
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

std::optional<step_msg> decode_step(std::string_view bytes) {
    rapidjson::Document d;
    d.Parse(bytes.data(), bytes.size());
    if (d.HasParseError() || !d.IsObject()) {
        return std::nullopt;
    }
    auto o = d.FindMember("o");
    auto t = d.FindMember("t");
    auto c = d.FindMember("c");
    auto e = d.FindMember("e");
    if (o == d.MemberEnd() || !o->value.IsString() || t == d.MemberEnd() || !t->value.IsUint64() ||
        c == d.MemberEnd() || !c->value.IsArray() || e == d.MemberEnd() || !e->value.IsArray()) {
        return std::nullopt;
    }
    step_msg m;
    m.origin.assign(o->value.GetString(), o->value.GetStringLength());
    m.term = t->value.GetUint64();
    auto s = [](const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); };
    for (const auto& x : c->value.GetArray()) {
        if (!x.IsArray() || x.Size() != 9 || !x[0].IsUint64() || !x[1].IsInt64() || !x[2].IsString() ||
            !x[3].IsString() || !x[4].IsString() || !x[5].IsInt() || !x[6].IsString() || !x[7].IsString() ||
            !x[8].IsString()) {
            return std::nullopt;
        }
        m.batch.commands.push_back(
            {x[0].GetUint64(), x[1].GetInt64(), s(x[2]), s(x[3]), s(x[4]), x[5].GetInt(), s(x[6]), s(x[7]), s(x[8])});
    }
    for (const auto& x : e->value.GetArray()) {
        if (!x.IsArray() || x.Size() != 6 || !x[0].IsUint64() || !x[1].IsInt64() || !x[2].IsString() || !x[3].IsInt() ||
            !x[4].IsInt() || !x[5].IsString()) {
            return std::nullopt;
        }
        m.batch.events.push_back({x[0].GetUint64(), x[1].GetInt64(), s(x[2]), x[3].GetInt(), x[4].GetInt(), s(x[5])});
    }
    return m;
}

std::string room_token(std::string_view room) {
    bool plain = !room.empty() && room.front() != 'x';  // so no plain id looks like an encoded one
    for (const char ch : room) {
        const auto u = static_cast<unsigned char>(ch);
        plain = plain && (std::isalnum(u) != 0 || ch == '_' || ch == '-');
    }
    if (plain) {
        return std::string(room);
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "x";
    for (const char ch : room) {
        const auto u = static_cast<unsigned char>(ch);
        out += hex[u >> 4];
        out += hex[u & 15];
    }
    return out;
}

}  // namespace liveroom::cluster
