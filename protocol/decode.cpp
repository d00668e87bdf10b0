#include "protocol/decode.hpp"

#include <limits>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "protocol/text.hpp"

namespace liveroom::protocol {

namespace {

using rapidjson::Value;

// A string value's bytes, embedded NULs included: GetString() alone would
// stop at the first NUL, so "speed\u0000x" would read as "speed".
std::string_view view(const Value& v) noexcept {
    return std::string_view(v.GetString(), v.GetStringLength());
}

// Reads fields off one JSON object, remembering the first problem.
class reader {
  public:
    reader(const Value& obj, const text_limits& limits) : obj_(obj), limits_(limits) {}

    bool failed() const noexcept { return failed_; }
    decode_error& error() noexcept { return err_; }

    void fail(errc code, std::string message) {
        if (!failed_) {
            failed_ = true;
            err_.code = code;
            err_.message = std::move(message);
        }
    }

    const Value* find(const char* name) const {
        auto it = obj_.FindMember(name);
        if (it == obj_.MemberEnd() || it->value.IsNull()) {
            return nullptr;
        }
        return &it->value;
    }

    // A text field: cleaned, 1..max code points unless `allow_empty`.
    std::optional<std::string> text(
        const char* name, std::size_t max, bool required = true, bool allow_empty = false, bool keep_newlines = false) {
        const Value* v = find(name);
        if (v == nullptr) {
            if (required) {
                fail(errc::bad_request, std::string("missing field '") + name + "'");
            }
            return std::nullopt;
        }
        if (!v->IsString()) {
            fail(errc::bad_request, std::string("field '") + name + "' must be a string");
            return std::nullopt;
        }
        std::string_view raw(v->GetString(), v->GetStringLength());
        if (raw.size() > max * 4 + 64) {  // cheap early bound before any work
            fail(errc::too_large, std::string("field '") + name + "' is too long");
            return std::nullopt;
        }
        std::string cleaned = clean_text(raw, keep_newlines);
        if (code_points(cleaned) > max) {
            fail(errc::too_large,
                 std::string("field '") + name + "' is longer than " + std::to_string(max) + " characters");
            return std::nullopt;
        }
        if (cleaned.empty() && !allow_empty) {
            fail(errc::bad_request, std::string("field '") + name + "' is empty");
            return std::nullopt;
        }
        return cleaned;
    }

    // An opaque id: non-empty string of at most limits.id bytes, no controls.
    std::optional<std::string> ident(const char* name, bool required = true) {
        const Value* v = find(name);
        if (v == nullptr) {
            if (required) {
                fail(errc::bad_request, std::string("missing field '") + name + "'");
            }
            return std::nullopt;
        }
        if (!v->IsString() || v->GetStringLength() == 0 || v->GetStringLength() > limits_.id) {
            fail(errc::bad_request,
                 std::string("field '") + name + "' must be a string of 1 to " + std::to_string(limits_.id) + " bytes");
            return std::nullopt;
        }
        std::string_view s(v->GetString(), v->GetStringLength());
        for (const char c : s) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                fail(errc::bad_request, std::string("field '") + name + "' has control characters");
                return std::nullopt;
            }
        }
        if (!valid_utf8(s)) {  // a lone surrogate escape such as "\udc00" passes the parser
            fail(errc::bad_request, std::string("field '") + name + "' is not valid UTF-8");
            return std::nullopt;
        }
        return std::string(s);
    }

    std::optional<std::int64_t> integer(const char* name, std::int64_t lo, std::int64_t hi, bool required = true) {
        const Value* v = find(name);
        if (v == nullptr) {
            if (required) {
                fail(errc::bad_request, std::string("missing field '") + name + "'");
            }
            return std::nullopt;
        }
        if (!v->IsInt64()) {
            fail(errc::bad_request, std::string("field '") + name + "' must be an integer");
            return std::nullopt;
        }
        const std::int64_t n = v->GetInt64();
        if (n < lo || n > hi) {
            fail(errc::bad_request, std::string("field '") + name + "' must be between " + std::to_string(lo) +
                                        " and " + std::to_string(hi));
            return std::nullopt;
        }
        return n;
    }

    std::optional<bool> boolean(const char* name) {
        const Value* v = find(name);
        if (v == nullptr) {
            return std::nullopt;
        }
        if (!v->IsBool()) {
            fail(errc::bad_request, std::string("field '") + name + "' must be true or false");
            return std::nullopt;
        }
        return v->GetBool();
    }

    // A list of distinct option indexes in [0, hi).
    std::optional<std::vector<int>> indexes(const Value& v, const char* name, int hi) {
        std::vector<int> out;
        if (v.IsInt()) {
            out.push_back(v.GetInt());
        } else if (v.IsArray() && !v.Empty() && v.Size() <= static_cast<unsigned>(hi)) {
            for (const auto& e : v.GetArray()) {
                if (!e.IsInt()) {
                    fail(errc::bad_request, std::string("field '") + name + "' must hold option indexes");
                    return std::nullopt;
                }
                out.push_back(e.GetInt());
            }
        } else {
            fail(errc::bad_request, std::string("field '") + name + "' must be an index or a list of indexes");
            return std::nullopt;
        }
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (out[i] < 0 || out[i] >= hi) {
                fail(errc::bad_request, std::string("field '") + name + "' has an index out of range");
                return std::nullopt;
            }
            for (std::size_t k = 0; k < i; ++k) {
                if (out[k] == out[i]) {
                    fail(errc::bad_request, std::string("field '") + name + "' repeats an index");
                    return std::nullopt;
                }
            }
        }
        return out;
    }

    const text_limits& limits() const noexcept { return limits_; }

  private:
    const Value& obj_;
    const text_limits& limits_;
    bool failed_ = false;
    decode_error err_;
};

std::optional<card> decode_card(reader& r, const Value& v) {
    if (!v.IsObject()) {
        r.fail(errc::bad_request, "field 'card' must be a deck card id or a card object");
        return std::nullopt;
    }
    reader c(v, r.limits());
    card out;
    auto title = c.text("title", r.limits().card_title);
    auto body = c.text("body", r.limits().card_body, false, true, true);
    auto segment = c.integer("segment", 0, 1000, false);
    auto image = c.text("image", 2048, false, true);
    auto link = c.text("link", 2048, false, true);
    if (c.failed()) {
        r.fail(c.error().code, "card: " + c.error().message);
        return std::nullopt;
    }
    out.title = std::move(*title);
    out.body = body.value_or("");
    out.segment = static_cast<int>(segment.value_or(0));
    out.image = image.value_or("");
    out.link = link.value_or("");
    return out;
}

std::optional<request_body> decode_body(std::string_view type, reader& r) {
    const text_limits& lim = r.limits();
    if (type == "hello") {
        req::hello h;
        auto room = r.ident("room");
        auto token = r.find("token");
        if (token != nullptr) {
            if (!token->IsString() || token->GetStringLength() > 4096) {
                r.fail(errc::bad_request, "field 'token' must be a string");
                return std::nullopt;
            }
            h.token.emplace(token->GetString(), token->GetStringLength());
        }
        auto name = r.find("name");
        if (name != nullptr) {
            if (!name->IsString()) {
                r.fail(errc::bad_request, "field 'name' must be a string");
                return std::nullopt;
            }
            h.name = clean_name(std::string_view(name->GetString(), name->GetStringLength()), lim.name);
        }
        auto since = r.find("since");
        if (since != nullptr) {
            if (!since->IsUint64()) {
                r.fail(errc::bad_request, "field 'since' must be a non-negative integer");
                return std::nullopt;
            }
            h.since = since->GetUint64();
        }
        if (r.failed()) {
            return std::nullopt;
        }
        h.room = std::move(*room);
        return h;
    }
    if (type == "ask") {
        auto text = r.text("text", lim.question);
        auto anon = r.boolean("anonymous");
        if (r.failed()) {
            return std::nullopt;
        }
        return req::ask{std::move(*text), anon.value_or(false)};
    }
    if (type == "vote") {
        auto qid = r.ident("qid");
        if (r.failed()) {
            return std::nullopt;
        }
        return req::vote{std::move(*qid)};
    }
    if (type == "comment") {
        auto text = r.text("text", lim.comment);
        if (r.failed()) {
            return std::nullopt;
        }
        return req::comment{std::move(*text)};
    }
    if (type == "quiz.answer") {
        auto quiz = r.ident("quiz");
        const Value* choice = r.find("choice");
        if (choice == nullptr) {
            r.fail(errc::bad_request, "missing field 'choice'");
        }
        if (r.failed()) {
            return std::nullopt;
        }
        auto idx = r.indexes(*choice, "choice", 6);
        if (r.failed()) {
            return std::nullopt;
        }
        return req::quiz_answer{std::move(*quiz), std::move(*idx), choice->IsArray()};
    }
    if (type == "like") {
        auto count = r.integer("count", 1, 100, false);
        if (r.failed()) {
            return std::nullopt;
        }
        return req::like{static_cast<int>(count.value_or(1))};
    }
    if (type == "ping") {
        return req::ping{};
    }
    if (type == "rank") {
        return req::rank{};
    }
    if (type == "card.show") {
        const Value* v = r.find("card");
        if (v == nullptr) {
            r.fail(errc::bad_request, "missing field 'card'");
            return std::nullopt;
        }
        req::card_show cs;
        if (v->IsString()) {
            auto id = r.ident("card");
            if (r.failed()) {
                return std::nullopt;
            }
            cs.deck_id = std::move(*id);
        } else {
            auto c = decode_card(r, *v);
            if (r.failed()) {
                return std::nullopt;
            }
            cs.card = std::move(*c);
        }
        return cs;
    }
    if (type == "notice.set") {
        auto text = r.text("text", lim.notice, true, true, true);
        if (r.failed()) {
            return std::nullopt;
        }
        return req::notice_set{std::move(*text)};
    }
    if (type == "question.approve" || type == "question.dismiss" || type == "question.answering" ||
        type == "question.answer") {
        req::question_action a;
        a.verb = type == "question.approve"     ? req::question_verb::approve
                 : type == "question.dismiss"   ? req::question_verb::dismiss
                 : type == "question.answering" ? req::question_verb::answering
                                                : req::question_verb::answer;
        auto qid = r.ident("qid");
        if (a.verb == req::question_verb::answer) {
            a.answer = r.text("answer", lim.answer, false, true, true);
            a.card_id = r.ident("card_id", false);
        }
        if (r.failed()) {
            return std::nullopt;
        }
        a.qid = std::move(*qid);
        return a;
    }
    if (type == "question.merge") {
        auto qid = r.ident("qid");
        auto into = r.ident("into");
        if (r.failed()) {
            return std::nullopt;
        }
        if (*qid == *into) {
            r.fail(errc::bad_request, "a question cannot be merged into itself");
            return std::nullopt;
        }
        return req::question_merge{std::move(*qid), std::move(*into)};
    }
    if (type == "quiz.open") {
        req::quiz_open q;
        if (auto deck = r.ident("deck", false)) {
            q.deck = std::move(*deck);  // prepared before the live: nothing else is read
            return q;
        }
        if (r.failed()) {
            return std::nullopt;
        }
        auto question = r.text("question", lim.quiz_question);
        const Value* options = r.find("options");
        if (options == nullptr || !options->IsArray() || options->Size() < 2 || options->Size() > 6) {
            r.fail(errc::bad_request, "field 'options' must be a list of 2 to 6 strings");
            return std::nullopt;
        }
        for (const auto& o : options->GetArray()) {
            if (!o.IsString()) {
                r.fail(errc::bad_request, "field 'options' must be a list of 2 to 6 strings");
                return std::nullopt;
            }
            std::string text = clean_text(std::string_view(o.GetString(), o.GetStringLength()));
            if (text.empty() || code_points(text) > lim.quiz_option) {
                r.fail(errc::bad_request,
                       "each option must be 1 to " + std::to_string(lim.quiz_option) + " characters");
                return std::nullopt;
            }
            q.options.push_back(std::move(text));
        }
        const Value* correct = r.find("correct");
        if (correct == nullptr) {
            r.fail(errc::bad_request, "missing field 'correct'");
            return std::nullopt;
        }
        auto idx = r.indexes(*correct, "correct", static_cast<int>(q.options.size()));
        auto seconds = r.integer("seconds", 0, 300, false);
        if (seconds && *seconds != 0 && *seconds < 5) {
            r.fail(errc::bad_request, "field 'seconds' must be 0 (untimed) or 5 to 300");
        }
        auto scoring = r.find("scoring");
        if (scoring != nullptr) {
            if (scoring->IsString() && view(*scoring) == "accuracy") {
                q.mode = req::scoring::accuracy;
            } else if (scoring->IsString() && view(*scoring) == "speed") {
                q.mode = req::scoring::speed;
            } else {
                r.fail(errc::bad_request, "field 'scoring' must be 'accuracy' or 'speed'");
            }
        }
        if (r.failed()) {
            return std::nullopt;
        }
        q.question = std::move(*question);
        q.correct = std::move(*idx);
        q.seconds = static_cast<int>(seconds.value_or(30));
        return q;
    }
    if (type == "quiz.close") {
        auto quiz = r.ident("quiz");
        if (r.failed()) {
            return std::nullopt;
        }
        return req::quiz_close{std::move(*quiz)};
    }
    if (type == "draw") {
        req::draw d;
        d.quiz = r.ident("quiz", false);
        auto count = r.integer("count", 1, 1000);
        if (r.failed()) {
            return std::nullopt;
        }
        d.count = static_cast<int>(*count);
        return d;
    }
    if (type == "comment.approve" || type == "comment.remove" || type == "comment.pin") {
        auto cid = r.ident("cid");
        if (r.failed()) {
            return std::nullopt;
        }
        const auto verb = type == "comment.approve"  ? req::comment_verb::approve
                          : type == "comment.remove" ? req::comment_verb::remove
                                                     : req::comment_verb::pin;
        return req::comment_action{verb, std::move(*cid)};
    }
    if (type == "user.unmute" || type == "user.unban" || type == "user.comments") {
        auto user = r.ident("user");
        if (r.failed()) {
            return std::nullopt;
        }
        if (type == "user.unmute") {
            return req::user_unmute{std::move(*user)};
        }
        if (type == "user.unban") {
            return req::user_unban{std::move(*user)};
        }
        return req::user_comments{std::move(*user)};
    }
    if (type == "user.mute") {
        auto user = r.ident("user");
        auto seconds = r.integer("seconds", 1, 7 * 24 * 3600);
        if (r.failed()) {
            return std::nullopt;
        }
        return req::user_mute{std::move(*user), static_cast<int>(*seconds)};
    }
    if (type == "user.ban") {
        auto user = r.ident("user");
        if (r.failed()) {
            return std::nullopt;
        }
        return req::user_ban{std::move(*user)};
    }
    if (type == "room.mode") {
        req::room_mode m;
        auto slow = r.integer("slow_seconds", 0, 3600, false);
        if (slow) {
            m.slow_seconds = static_cast<int>(*slow);
        }
        m.hold_comments = r.boolean("hold_comments");
        m.hold_questions = r.boolean("hold_questions");
        if (auto shield = r.integer("shield_minutes", 0, 24 * 60, false)) {
            m.shield_minutes = static_cast<int>(*shield);
        }
        if (const Value* words = r.find("blocked_words")) {
            if (!words->IsArray() || words->Size() > lim.blocked_words) {
                r.fail(errc::bad_request, "field 'blocked_words' must be a list of at most " +
                                              std::to_string(lim.blocked_words) + " entries");
                return std::nullopt;
            }
            std::vector<req::blocked_word> list;
            list.reserve(words->Size());
            for (const auto& w : words->GetArray()) {
                req::blocked_word bw;
                const Value* word = &w;
                if (w.IsObject()) {
                    auto it = w.FindMember("word");
                    auto act = w.FindMember("action");
                    word = it == w.MemberEnd() ? nullptr : &it->value;
                    if (act != w.MemberEnd()) {
                        std::string_view a = act->value.IsString() ? view(act->value) : std::string_view{};
                        if (a == "block") {
                            bw.action = req::word_action::block;
                        } else if (a == "mask") {
                            bw.action = req::word_action::mask;
                        } else if (a == "hold") {
                            bw.action = req::word_action::hold;
                        } else {
                            r.fail(errc::bad_request, "a blocked word's action must be block, mask or hold");
                            return std::nullopt;
                        }
                    }
                }
                if (word == nullptr || !word->IsString()) {
                    r.fail(errc::bad_request, "each blocked word must be a string or {word, action}");
                    return std::nullopt;
                }
                bw.word = clean_text(std::string_view(word->GetString(), word->GetStringLength()));
                if (bw.word.empty() || code_points(bw.word) > lim.blocked_word) {
                    r.fail(errc::bad_request,
                           "each blocked word must be 1 to " + std::to_string(lim.blocked_word) + " characters");
                    return std::nullopt;
                }
                list.push_back(std::move(bw));
            }
            m.blocked_words = std::move(list);
        }
        if (r.failed()) {
            return std::nullopt;
        }
        return m;
    }
    if (type == "room.start") {
        return req::room_start{};
    }
    if (type == "room.extend") {
        auto minutes = r.integer("minutes", 1, 24 * 60);
        if (r.failed()) {
            return std::nullopt;
        }
        return req::room_extend{static_cast<int>(*minutes)};
    }
    if (type == "room.end") {
        return req::room_end{};
    }
    r.fail(errc::bad_request, "unknown type '" + std::string(type.substr(0, 64)) + "'");
    return std::nullopt;
}

}  // namespace

decode_result decode_request(std::string_view frame, const text_limits& limits) {
    // The DOM and the parser's stack live in buffers on this stack frame:
    // RapidJSON's default pool would malloc a 64 KiB chunk per request. The
    // buffers hold a pool header too, so each is larger than what it serves
    // (the parser stack starts at 2 KiB and doubles); anything beyond spills
    // to the heap in 4 KiB chunks.
    constexpr std::size_t stack_capacity = 2 * 1024;
    constexpr std::size_t spill_chunk = 4 * 1024;
    char value_buf[16 * 1024];
    char stack_buf[16 * 1024];
    rapidjson::MemoryPoolAllocator<> value_alloc(value_buf, sizeof value_buf, spill_chunk);
    rapidjson::MemoryPoolAllocator<> stack_alloc(stack_buf, sizeof stack_buf, spill_chunk);
    rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>, rapidjson::MemoryPoolAllocator<>>
        doc(&value_alloc, stack_capacity, &stack_alloc);
    doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(frame.data(), frame.size());
    decode_error err;
    if (doc.HasParseError()) {
        err.message = std::string("invalid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError());
        return err;
    }
    if (!doc.IsObject()) {
        err.message = "a request must be a JSON object";
        return err;
    }
    request out;
    if (auto id = doc.FindMember("id"); id != doc.MemberEnd()) {
        if (!id->value.IsString() || id->value.GetStringLength() > limits.id || !valid_utf8(view(id->value))) {
            err.message = "field 'id' must be a UTF-8 string of at most " + std::to_string(limits.id) + " bytes";
            return err;
        }
        out.id.assign(id->value.GetString(), id->value.GetStringLength());
        out.has_id = true;
        err.id = out.id;
        err.has_id = true;
    }
    auto type = doc.FindMember("type");
    if (type == doc.MemberEnd() || !type->value.IsString()) {
        err.message = "missing field 'type'";
        return err;
    }
    reader r(doc, limits);
    auto body = decode_body(std::string_view(type->value.GetString(), type->value.GetStringLength()), r);
    if (!body) {
        err.code = r.error().code;
        err.message = std::move(r.error().message);
        return err;
    }
    out.body = std::move(*body);
    out.raw.assign(frame);
    return out;
}

namespace {
template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
// Spelled out for clang 14, which lacks aggregate deduction (P1816).
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;
}  // namespace

bool is_moderator_request(const request_body& body) noexcept {
    return std::visit(overloaded{[](const req::hello&) { return false; }, [](const req::ask&) { return false; },
                                 [](const req::vote&) { return false; }, [](const req::comment&) { return false; },
                                 [](const req::quiz_answer&) { return false; }, [](const req::like&) { return false; },
                                 [](const req::ping&) { return false; }, [](const req::rank&) { return false; },
                                 [](const auto&) { return true; }},
                      body);
}

std::string_view type_name(const request_body& body) noexcept {
    return std::visit(overloaded{
                          [](const req::hello&) -> std::string_view { return "hello"; },
                          [](const req::ask&) -> std::string_view { return "ask"; },
                          [](const req::vote&) -> std::string_view { return "vote"; },
                          [](const req::comment&) -> std::string_view { return "comment"; },
                          [](const req::quiz_answer&) -> std::string_view { return "quiz.answer"; },
                          [](const req::like&) -> std::string_view { return "like"; },
                          [](const req::ping&) -> std::string_view { return "ping"; },
                          [](const req::rank&) -> std::string_view { return "rank"; },
                          [](const req::card_show&) -> std::string_view { return "card.show"; },
                          [](const req::notice_set&) -> std::string_view { return "notice.set"; },
                          [](const req::question_action& a) -> std::string_view {
                              switch (a.verb) {
                                  case req::question_verb::approve:
                                      return "question.approve";
                                  case req::question_verb::dismiss:
                                      return "question.dismiss";
                                  case req::question_verb::answering:
                                      return "question.answering";
                                  case req::question_verb::answer:
                                      return "question.answer";
                              }
                              return "question";
                          },
                          [](const req::question_merge&) -> std::string_view { return "question.merge"; },
                          [](const req::quiz_open&) -> std::string_view { return "quiz.open"; },
                          [](const req::quiz_close&) -> std::string_view { return "quiz.close"; },
                          [](const req::draw&) -> std::string_view { return "draw"; },
                          [](const req::comment_action& a) -> std::string_view {
                              return a.verb == req::comment_verb::approve  ? "comment.approve"
                                     : a.verb == req::comment_verb::remove ? "comment.remove"
                                                                           : "comment.pin";
                          },
                          [](const req::user_mute&) -> std::string_view { return "user.mute"; },
                          [](const req::user_ban&) -> std::string_view { return "user.ban"; },
                          [](const req::user_unmute&) -> std::string_view { return "user.unmute"; },
                          [](const req::user_unban&) -> std::string_view { return "user.unban"; },
                          [](const req::user_comments&) -> std::string_view { return "user.comments"; },
                          [](const req::room_mode&) -> std::string_view { return "room.mode"; },
                          [](const req::room_start&) -> std::string_view { return "room.start"; },
                          [](const req::room_extend&) -> std::string_view { return "room.extend"; },
                          [](const req::room_end&) -> std::string_view { return "room.end"; },
                      },
                      body);
}

}  // namespace liveroom::protocol
