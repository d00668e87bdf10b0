#include "tests/support/room_log.hpp"

#include <algorithm>
#include <stdexcept>

namespace liveroom::test {

question_view question_view::from(const json& q) {
    question_view v;
    v.id = q.str("id").value_or("");
    v.text = q.str("text").value_or("");
    v.author_id = q.str("author.id").value_or("");
    v.author_name = q.str("author.name").value_or("");
    v.votes = q.i64("votes").value_or(-1);
    v.status = q.str("status").value_or("");
    v.ts = q.i64("ts").value_or(0);
    v.answer = q.str("answer").value_or("");
    v.card_id = q.str("card_id").value_or("");
    v.into = q.str("into").value_or("");
    return v;
}

std::string question_view::describe() const {
    std::string out = id + " votes " + std::to_string(votes) + " " + status + " ts " + std::to_string(ts);
    if (!answer.empty()) {
        out += " answer='" + answer + "'";
    }
    if (!card_id.empty()) {
        out += " card " + card_id;
    }
    if (!into.empty()) {
        out += " into " + into;
    }
    return out;
}

std::string describe(const std::vector<question_view>& questions) {
    std::string out = "[";
    for (const auto& q : questions) {
        out += "\n  " + q.describe();
    }
    return out + (questions.empty() ? "]" : "\n]");
}

room_view room_view::from_welcome(const json& welcome) {
    auto state = welcome.at("state");
    if (!state) {
        throw std::runtime_error("room_view: the welcome has no state: " + welcome.text().substr(0, 300));
    }
    room_view v;
    v.seq = welcome.u64("seq").value_or(0);
    v.status = state->str("status").value_or("");
    v.ends_at = state->i64("ends_at").value_or(0);
    if (const auto* card = state->find("card"); card != nullptr && card->IsObject()) {
        v.card = state->at("card");
    }
    v.notice = state->str("notice").value_or("");
    for (const auto& q : state->items("questions")) {
        auto qv = question_view::from(q);
        v.question_order.push_back(qv.id);
        v.questions[qv.id] = std::move(qv);
    }
    for (const auto& c : state->items("comments")) {
        v.comments.push_back(c.str("id").value_or(""));
    }
    return v;
}

void room_view::apply(const json& event) {
    auto s = event.u64("seq");
    if (!s) {
        return;
    }
    seq = *s;
    const std::string type = event.type();
    if (type == "room.status") {
        status = event.str("status").value_or("");
        ends_at = event.i64("ends_at").value_or(0);
    } else if (type == "card") {
        card = event.at("card");
        cards_shown.push_back(card ? card->str("id").value_or("") : std::string());
    } else if (type == "notice") {
        notice = event.str("text").value_or("");
    } else if (type == "question") {
        if (auto q = event.at("question")) {
            auto qv = question_view::from(*q);
            if (questions.find(qv.id) == questions.end()) {
                question_order.push_back(qv.id);
            }
            questions[qv.id] = std::move(qv);
        }
    } else if (type == "comment") {
        comments.push_back(event.str("comment.id").value_or(""));
    } else if (type == "comment.removed") {
        std::erase(comments, event.str("id").value_or(""));
    }
}

const question_view* room_view::question(const std::string& id) const {
    auto it = questions.find(id);
    return it == questions.end() ? nullptr : &it->second;
}

std::vector<question_view> room_view::listed() const {
    std::vector<question_view> out;
    for (const auto& id : question_order) {
        const auto& q = questions.at(id);
        if (q.status == "visible" || q.status == "answering" || q.status == "answered") {
            out.push_back(q);
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const question_view& a, const question_view& b) {
        return a.votes != b.votes ? a.votes > b.votes : a.ts < b.ts;
    });
    return out;
}

std::string room_view::card_id() const {
    return card ? card->str("id").value_or("") : std::string();
}

room_view view_of(const std::string& welcome_text,
                  const std::vector<std::pair<std::uint64_t, std::string>>& events,
                  std::optional<std::uint64_t> upto) {
    room_view v = room_view::from_welcome(json::parse_or_throw(welcome_text));
    for (const auto& [s, text] : events) {
        if (upto && s > *upto) {
            break;
        }
        v.apply(json::parse_or_throw(text));
    }
    return v;
}

std::vector<question_view> canonical(std::vector<question_view> list) {
    std::sort(list.begin(), list.end(), [](const question_view& a, const question_view& b) {
        if (a.votes != b.votes) {
            return a.votes > b.votes;
        }
        if (a.ts != b.ts) {
            return a.ts < b.ts;
        }
        return a.id < b.id;
    });
    return list;
}

std::vector<question_view> snapshot_questions(const json& welcome) {
    std::vector<question_view> out;
    for (const auto& q : welcome.items("state.questions")) {
        out.push_back(question_view::from(q));
    }
    return out;
}

bool ordered_by_votes_then_ts(const std::vector<question_view>& list) {
    for (std::size_t i = 1; i < list.size(); ++i) {
        const auto& a = list[i - 1];
        const auto& b = list[i];
        if (a.votes < b.votes || (a.votes == b.votes && a.ts > b.ts)) {
            return false;
        }
    }
    return true;
}

void room_log::start(const json& welcome, std::optional<std::uint64_t> since) {
    welcome_ = welcome;
    if (since && welcome.boolean("resumed") == true) {
        seq_.start(*since);
    } else {
        seq_.start(welcome.u64("seq").value_or(0));
    }
}

void room_log::feed(const json& m) {
    const std::string type = m.type();
    if (type == "welcome") {
        start(m);
        return;
    }
    if (type == "skipped") {
        seq_.on_skipped(m.u64("from").value_or(0), m.u64("to").value_or(0));
        others_.push_back(m);
        return;
    }
    if (auto s = m.u64("seq")) {
        seq_.on_event(*s);
        events_.insert_or_assign(*s, m);
        return;
    }
    others_.push_back(m);
}

std::vector<json> room_log::events_of(std::string_view type) const {
    std::vector<json> out;
    for (const auto& [s, e] : events_) {
        if (e.type() == type) {
            out.push_back(e);
        }
    }
    return out;
}

std::vector<json> room_log::others_of(std::string_view type) const {
    std::vector<json> out;
    for (const auto& m : others_) {
        if (m.type() == type) {
            out.push_back(m);
        }
    }
    return out;
}

room_view room_log::view(std::optional<std::uint64_t> upto) const {
    if (!welcome_) {
        throw std::runtime_error("room_log::view before a welcome");
    }
    room_view v = room_view::from_welcome(*welcome_);
    for (const auto& [s, e] : events_) {
        if (upto && s > *upto) {
            break;
        }
        v.apply(e);
    }
    return v;
}

logged_client::logged_client(std::uint16_t port, const hello_args& hello, clock::duration timeout)
    : conn_(join_room(port, hello, {}, timeout)), log_(conn_.welcome, hello.since) {}

std::optional<json> logged_client::request(const std::string& body, const std::string& id, clock::duration timeout) {
    std::vector<json> others;
    auto reply = conn_.client->request(body, id, timeout, &others);
    for (const auto& m : others) {
        log_.feed(m);
    }
    if (reply) {
        log_.feed(*reply);
    }
    return reply;
}

bool logged_client::pump_until(const std::function<bool()>& done, clock::duration timeout) {
    deadline until(timeout);
    while (!done()) {
        auto m = conn_.client->receive(until.remaining());
        if (!m) {
            return false;
        }
        log_.feed(*m);
    }
    return true;
}

std::optional<json> logged_client::wait_for(const std::function<bool(const json&)>& pred, clock::duration timeout) {
    deadline until(timeout);
    for (;;) {
        auto m = conn_.client->receive(until.remaining());
        if (!m) {
            return std::nullopt;
        }
        log_.feed(*m);
        if (pred(*m)) {
            return m;
        }
    }
}

void logged_client::drain(clock::duration quiet) {
    while (auto m = conn_.client->receive(quiet)) {
        log_.feed(*m);
    }
}

json_object request_object(std::string_view type, std::string_view id) {
    json_object o;
    o.add("type", type).add("id", id);
    return o;
}

std::string numbered(std::string_view prefix, std::uint64_t n) {
    std::string out(prefix);
    out += std::to_string(n);
    return out;
}

}  // namespace liveroom::test
