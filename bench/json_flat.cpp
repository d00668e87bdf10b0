#include "bench/json_flat.hpp"

#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "bench/report.hpp"

namespace liveroom::bench {

namespace {

void walk(const rapidjson::Value& v, const std::string& path, flat_json& out) {
    if (v.IsObject()) {
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            const std::string key(it->name.GetString(), it->name.GetStringLength());
            walk(it->value, path.empty() ? key : path + "." + key, out);
        }
        return;
    }
    flat_leaf leaf;
    leaf.path = path;
    if (v.IsNumber()) {
        leaf.number = v.GetDouble();
    } else if (v.IsBool()) {
        leaf.number = v.GetBool() ? 1.0 : 0.0;
        leaf.text = v.GetBool() ? "true" : "false";
    } else if (v.IsString()) {
        leaf.text.assign(v.GetString(), v.GetStringLength());
    } else if (v.IsNull()) {
        leaf.text = "null";
    } else {
        return;  // arrays: the time series
    }
    out.push_back(std::move(leaf));
}

}  // namespace

flat_json flatten_json(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError()) {
        throw std::runtime_error("invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                                 rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsObject()) {
        throw std::runtime_error("a report is a JSON object");
    }
    flat_json out;
    walk(doc, "", out);
    return out;
}

flat_json load_flat_json(const std::string& path) {
    const auto text = read_text_file(path);
    if (!text) {
        throw std::runtime_error("cannot open " + path);
    }
    try {
        return flatten_json(*text);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

const flat_leaf* find_leaf(const flat_json& doc, std::string_view path) {
    for (const auto& leaf : doc) {
        if (leaf.path == path) {
            return &leaf;
        }
    }
    return nullptr;
}

}  // namespace liveroom::bench
