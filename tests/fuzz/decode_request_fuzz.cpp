// libFuzzer target: protocol::decode_request on one client frame (the bytes
// a WebSocket text message carries). Beyond memory safety and UB, it checks
// the decoder's promises: what it accepts is within the contract's limits and
// is valid UTF-8 with no control characters left; what it refuses has a
// message and a bounded id.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "protocol/decode.hpp"
#include "protocol/text.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/text_properties.hpp"

namespace {

using namespace liveroom::protocol;

// Cleaned user text within its limit of `max` code points.
void check_text(std::string_view s, std::size_t max, bool newlines_allowed) {
    liveroom::fuzz::check_cleaned_text(s, newlines_allowed);
    LR_FUZZ_CHECK(code_points(s) <= max);
}

// Ids are echoed to clients and other members: valid UTF-8, no controls.
void check_ident(std::string_view s, const text_limits& lim) {
    LR_FUZZ_CHECK(!s.empty() && s.size() <= lim.id);
    LR_FUZZ_CHECK(valid_utf8(s));
    for (const char c : s) {
        LR_FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
    }
}

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
// Spelled out for clang 14, which lacks aggregate deduction (P1816).
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

void check_request(const request& r, const text_limits& lim) {
    LR_FUZZ_CHECK(r.id.size() <= lim.id);
    LR_FUZZ_CHECK(r.has_id || r.id.empty());
    LR_FUZZ_CHECK(valid_utf8(r.id));  // echoed in the ack
    std::visit(overloaded{
                   [&](const req::hello& h) {
                       check_ident(h.room, lim);
                       check_text(h.name, lim.name, false);
                   },
                   [&](const req::ask& a) {
                       LR_FUZZ_CHECK(!a.text.empty());
                       check_text(a.text, lim.question, false);
                   },
                   [&](const req::comment& c) {
                       LR_FUZZ_CHECK(!c.text.empty());
                       check_text(c.text, lim.comment, false);
                   },
                   [&](const req::notice_set& n) { check_text(n.text, lim.notice, true); },
                   [&](const req::quiz_answer& q) {
                       check_ident(q.quiz, lim);
                       LR_FUZZ_CHECK(!q.choice.empty() && q.choice.size() <= 6);
                       for (const int c : q.choice) {
                           LR_FUZZ_CHECK(c >= 0 && c < 6);
                       }
                   },
                   [&](const req::vote& v) { check_ident(v.qid, lim); },
                   [&](const req::question_action& a) {
                       check_ident(a.qid, lim);
                       if (a.card_id) {
                           check_ident(*a.card_id, lim);
                       }
                   },
                   [&](const req::question_merge& m) {
                       check_ident(m.qid, lim);
                       check_ident(m.into, lim);
                       LR_FUZZ_CHECK(m.qid != m.into);
                   },
                   [&](const req::comment_action& c) { check_ident(c.cid, lim); },
                   [&](const req::user_mute& m) { check_ident(m.user, lim); },
                   [&](const req::user_ban& b) { check_ident(b.user, lim); },
                   [&](const req::quiz_close& q) { check_ident(q.quiz, lim); },
                   [&](const req::draw& d) {
                       if (d.quiz) {
                           check_ident(*d.quiz, lim);
                       }
                   },
                   [&](const req::like& l) { LR_FUZZ_CHECK(l.count >= 1 && l.count <= 100); },
                   [&](const req::card_show& c) {
                       LR_FUZZ_CHECK(c.deck_id.has_value() != c.card.has_value());
                       if (c.deck_id) {
                           check_ident(*c.deck_id, lim);
                       }
                       if (c.card) {
                           LR_FUZZ_CHECK(!c.card->title.empty());
                           check_text(c.card->title, lim.card_title, false);
                           check_text(c.card->body, lim.card_body, true);
                       }
                   },
                   [&](const req::quiz_open& q) {
                       if (q.deck) {
                           // A prepared quiz by id: nothing else is read.
                           check_ident(*q.deck, lim);
                           LR_FUZZ_CHECK(q.question.empty() && q.options.empty());
                           return;
                       }
                       check_text(q.question, lim.quiz_question, false);
                       LR_FUZZ_CHECK(q.options.size() >= 2 && q.options.size() <= 6);
                       for (const auto& o : q.options) {
                           LR_FUZZ_CHECK(!o.empty());
                           check_text(o, lim.quiz_option, false);
                       }
                       for (const int c : q.correct) {
                           LR_FUZZ_CHECK(c >= 0 && static_cast<std::size_t>(c) < q.options.size());
                       }
                       LR_FUZZ_CHECK(q.seconds == 0 || (q.seconds >= 5 && q.seconds <= 300));
                   },
                   [&](const req::room_mode& m) {
                       if (m.blocked_words) {
                           LR_FUZZ_CHECK(m.blocked_words->size() <= lim.blocked_words);
                           for (const auto& w : *m.blocked_words) {
                               LR_FUZZ_CHECK(!w.word.empty());
                               check_text(w.word, lim.blocked_word, false);
                           }
                       }
                   },
                   [&](const auto&) {},
               },
               r.body);
    // The type name round-trips to something the decoder knows.
    LR_FUZZ_CHECK(!type_name(r.body).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    const text_limits lim;
    const decode_result result = decode_request(frame, lim);
    if (const auto* r = std::get_if<request>(&result)) {
        check_request(*r, lim);
    } else {
        const auto& e = std::get<decode_error>(result);
        LR_FUZZ_CHECK(!e.message.empty());
        LR_FUZZ_CHECK(e.id.size() <= lim.id);
        LR_FUZZ_CHECK(valid_utf8(e.id));  // echoed in the error
    }
    return 0;
}
