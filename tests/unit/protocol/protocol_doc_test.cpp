// Keeps protocol/PROTOCOL.md honest: every `json request` example decodes,
// every `json event` example is one JSON object with a type.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "protocol/decode.hpp"

namespace {
std::vector<std::string> blocks(const std::string& doc, const std::string& tag) {
    std::vector<std::string> out;
    const std::string open = "```" + tag + "\n";
    std::size_t pos = 0;
    while ((pos = doc.find(open, pos)) != std::string::npos) {
        pos += open.size();
        const auto end = doc.find("```", pos);
        out.push_back(doc.substr(pos, end - pos));
        pos = end;
    }
    return out;
}
std::string read_doc() {
    std::ifstream in(LIVEROOM_SOURCE_DIR "/protocol/PROTOCOL.md");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

TEST_CASE("every request example in PROTOCOL.md decodes", "[protocol]") {
    const auto reqs = blocks(read_doc(), "json request");
    REQUIRE(reqs.size() > 20);
    for (const auto& r : reqs) {
        auto d = liveroom::protocol::decode_request(r);
        INFO(r);
        CHECK(std::holds_alternative<liveroom::protocol::request>(d));
    }
}

TEST_CASE("every event example in PROTOCOL.md is a typed JSON object", "[protocol]") {
    const auto events = blocks(read_doc(), "json event");
    REQUIRE(events.size() > 5);
    for (const auto& e : events) {
        rapidjson::Document d;
        d.Parse(e.c_str());
        INFO(e);
        REQUIRE_FALSE(d.HasParseError());
        CHECK(d.IsObject());
        CHECK(d.HasMember("type"));
    }
}
