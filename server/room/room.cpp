#include "server/room/room.hpp"

#include <algorithm>
#include <charconv>
#include <variant>

#include "server/room/draw.hpp"
#include "server/room/reply_helpers.hpp"

namespace liveroom::room {

using protocol::errc;
namespace req = protocol::req;

using detail::make_id;
using detail::refuse;

namespace {

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};

}  // namespace

room::room(room_spec spec, comment_policy policy)
    : spec_(std::move(spec)), ends_at_(spec_.ends_at), policy_(std::move(policy)) {
    rebuild_filter();
    for (std::size_t i = 0; i < spec_.cards.size(); ++i) {
        if (spec_.cards[i].id.empty()) {
            spec_.cards[i].id = make_id('c', i + 1);
        }
    }
}

reply room::apply(
    const actor& who, const protocol::request_body& body, std::int64_t now, event_sink& sink, const server_inputs& in) {
    if (protocol::is_moderator_request(body) && !protocol::can_moderate(who.role)) {
        return refuse(errc::forbidden, "only moderators and hosts may do that");
    }
    return std::visit(overloaded{
                          [&](const req::card_show& r) { return show_card(r, sink); },
                          [&](const req::notice_set& r) { return set_notice(r, sink); },
                          [&](const req::comment& r) { return add_comment(who, r, in, now, sink); },
                          [&](const req::comment_action& r) { return comment_action(r, now, sink); },
                          [&](const req::user_mute& r) { return mute(r, now, sink); },
                          [&](const req::user_ban& r) { return ban(r, sink); },
                          [&](const req::user_unmute& r) { return unmute(r, now); },
                          [&](const req::user_unban& r) { return unban(r, sink); },
                          [&](const req::user_comments& r) { return user_comments(r); },
                          [&](const req::room_start&) { return start("started", sink); },
                          [&](const req::room_extend& r) { return extend(r, sink); },
                          [&](const req::room_end&) { return end(sink); },
                          [&](const req::ask& r) { return ask(who, r, in, now, sink); },
                          [&](const req::vote& r) { return vote(who, r, sink); },
                          [&](const req::question_action& r) { return question_action(who, r, now, sink); },
                          [&](const req::question_merge& r) { return merge(r, sink); },
                          [&](const req::room_mode& r) { return set_mode(r, now, sink); },
                          [&](const req::quiz_open& r) { return open_quiz(r, in, now, sink); },
                          [&](const req::quiz_close& r) { return close_quiz(r, now, sink); },
                          [&](const req::quiz_answer& r) { return answer_quiz(who, r, in, now, sink); },
                          [&](const req::draw& r) { return draw(r, now, sink); },
                          [&](const req::rank&) { return rank(who); },
                          [&](const auto&) { return refuse(errc::bad_request, "this request is not supported yet"); },
                      },
                      body);
}

reply room::show_card(const req::card_show& r, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    if (r.deck_id) {
        const protocol::card* found = nullptr;
        for (const auto& c : spec_.cards) {
            if (c.id == *r.deck_id) {
                found = &c;
            }
        }
        if (found == nullptr) {
            return refuse(errc::not_found, "no card '" + *r.deck_id + "' in the deck");
        }
        card_ = *found;
    } else {
        card_ = *r.card;
        card_->id = make_id('n', next_id_++);
    }
    sink.emit("card", fanout::frame_class::critical, 0, [&](protocol::json_out& j) {
        j.key("card");
        j.value(*card_);
    });
    return {};
}

reply room::set_notice(const req::notice_set& r, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    notice_ = r.text;
    sink.emit("notice", fanout::frame_class::critical, 0, [&](protocol::json_out& j) { j.field("text", notice_); });
    return {};
}

void room::emit_status(std::string_view reason, event_sink& sink) {
    sink.emit("room.status", fanout::frame_class::critical, 0, [&](protocol::json_out& j) {
        j.field("status", protocol::to_string(status_)).field("ends_at", ends_at_).field("reason", reason);
    });
}

reply room::start(std::string_view reason, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    if (status_ == protocol::room_status::live) {
        return {};  // idempotent
    }
    status_ = protocol::room_status::live;
    emit_status(reason, sink);
    return {};
}

reply room::extend(const req::room_extend& r, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    ends_at_ += static_cast<std::int64_t>(r.minutes) * 60 * 1000;
    emit_status("extended", sink);
    reply out;
    out.ack_fields = [ends = ends_at_](protocol::json_out& j) { j.field("ends_at", ends); };
    return out;
}

reply room::end(event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return {};  // idempotent
    }
    status_ = protocol::room_status::ended;
    emit_status("ended", sink);
    return {};
}

void room::on_tick(std::int64_t now, event_sink& sink) {
    if (status_ == protocol::room_status::scheduled && spec_.starts_at != 0 && now >= spec_.starts_at) {
        start("started", sink);
    }
    for (auto it = repeats_.begin(); it != repeats_.end();) {
        auto& rep = it->second;
        if (rep.dirty) {
            rep.dirty = false;
            if (const auto* sc = comments_.find(rep.cid); sc != nullptr && sc->state == comment_state::published) {
                sink.emit("comment", fanout::frame_class::droppable, 0, [&](protocol::json_out& j) {
                    j.key("comment");
                    j.value(sc->c);
                    j.field("plus", rep.plus);  // extension: identical comments merged into it
                });
            }
        }
        it = now - rep.at > policy_.repeat_window_ms ? repeats_.erase(it) : std::next(it);
    }
    if (!(counts_ == counts_sent_)) {
        emit_moderation_counts(sink);
    }
    sweep_viewers(now);
    flush_quiet(sink);
    if (quiz* q = quizzes_.current()) {
        if (q->pub.closes_at && now >= *q->pub.closes_at) {
            finish_quiz(*q, now, sink);  // at the limit, by server time
        } else if (q->tally_dirty) {
            emit_tally(*q, sink);  // coalesced: at most once per tick
        }
    }
    for (const auto& id : questions_.take_dirty()) {
        if (const auto* e = questions_.find(id); e != nullptr && e->q.status != protocol::question_status::held) {
            emit_question(*e, sink);
        }
    }
}

std::vector<room::question_record> room::question_records() const {
    std::vector<question_record> out;
    for (const auto* e : questions_.all()) {
        out.push_back({e->q, e->author_id});
    }
    return out;
}

void room::write_state(protocol::json_out& j, const protocol::presence& p, bool moderator, std::int64_t now) const {
    auto& w = j.w();
    w.StartObject();
    j.field("status", protocol::to_string(status_)).field("ends_at", ends_at_);
    j.field("title", spec_.title);  // extension: the page's heading
    j.key("segments");
    w.StartArray();
    for (const auto& s : spec_.segments) {
        w.StartObject();
        j.field("title", s.title).field("presenter", s.presenter);
        w.EndObject();
    }
    w.EndArray();
    j.key("card");
    if (card_) {
        j.value(*card_);
    } else {
        w.Null();
    }
    j.field("notice", notice_);
    j.key("questions");
    w.StartArray();
    for (const auto* e : questions_.visible_sorted()) {
        j.value(e->q, e->q.card_id.empty() ? nullptr : deck_card(e->q.card_id));
    }
    w.EndArray();
    j.key("comments");
    w.StartArray();
    for (const auto& c : recent_comments_) {
        j.value(c);
    }
    w.EndArray();
    j.key("quiz");
    if (const quiz* q = const_cast<quiz_book&>(quizzes_).current()) {
        j.value(q->pub);
    } else {
        w.Null();
    }
    // Extensions: the last reveal and the leaderboard, for late joiners.
    j.key("quiz_result");
    const quiz* last = nullptr;
    for (const auto& q : quizzes_.all()) {
        if (!q.open()) {
            last = &q;
        }
    }
    if (last != nullptr) {
        w.StartObject();
        write_quiz_close(j, *last);
        j.field("question", last->pub.question);
        j.key("options");
        j.value(last->pub.options);
        w.EndObject();
    } else {
        w.Null();
    }
    j.key("leaderboard");
    write_leaderboard(j);
    j.key("moderation");
    write_moderation_counts(j);
    j.key("presence");
    w.StartObject();
    j.field("online", p.online).field("peak", p.peak).field("views", p.views).field("likes", p.likes);
    w.EndObject();
    if (moderator) {
        j.key("mod");
        w.StartObject();
        j.key("held_questions");
        w.StartArray();
        for (const auto* e : questions_.held()) {
            j.value(e->q);
        }
        w.EndArray();
        j.key("held_comments");
        w.StartArray();
        for (const auto* c : comments_.held()) {
            j.value(c->c);
        }
        w.EndArray();
        j.key("mode");
        write_mode(j);
        j.key("blocked_words");  // the room's own list (the server's default list is not shown)
        w.StartArray();
        for (const auto& bw : mode_.blocked_words) {
            w.StartObject();
            j.field("word", bw.word);
            j.field("action", bw.action == req::word_action::block  ? "block"
                              : bw.action == req::word_action::mask ? "mask"
                                                                    : "hold");
            w.EndObject();
        }
        w.EndArray();
        j.key("backlog");
        write_backlog(j, now);
        w.EndObject();
    }
    w.EndObject();
}

void room::write_backlog(protocol::json_out& j, std::int64_t now) const {
    auto& w = j.w();
    const std::size_t answered = questions_.answered_count();
    const std::size_t above = questions_.open_count(backlog_vote_threshold);
    w.StartObject();
    j.field("open", static_cast<std::int64_t>(questions_.open_count()));
    j.field("above_threshold", static_cast<std::int64_t>(above)).field("threshold", backlog_vote_threshold);
    j.field("answered", static_cast<std::int64_t>(answered));
    // Pace: answers per minute since the first answer (at least one minute).
    if (answered > 0 && stats_.first_answer_at != 0) {
        const double minutes = std::max(1.0, static_cast<double>(now - stats_.first_answer_at) / 60000.0);
        const double pace = static_cast<double>(answered) / minutes;
        j.key("pace_per_min");
        w.Double(pace);
        j.key("minutes_needed");
        w.Double(static_cast<double>(above) / pace);
    } else {
        j.null_field("pace_per_min").null_field("minutes_needed");
    }
    w.EndObject();
}

const protocol::card* room::deck_card(const std::string& id) const {
    for (const auto& c : spec_.cards) {
        if (c.id == id) {
            return &c;
        }
    }
    if (card_ && card_->id == id) {
        return &*card_;
    }
    return nullptr;
}

void room::emit_question(const question_book::entry& e, event_sink& sink) {
    questions_.clear_dirty(e.q.id);
    sink.emit("question", fanout::frame_class::critical, 0, [&](protocol::json_out& j) {
        j.key("question");
        j.value(e.q, e.q.card_id.empty() ? nullptr : deck_card(e.q.card_id));
    });
}

void room::emit_mod_question(const question_book::entry& e, event_sink& sink) {
    const auto similar = questions_.similar_open(e.q.text, e.q.id);
    const auto* answered = questions_.similar_answered(e.q.text);
    sink.emit_mod("mod.question", [&](protocol::json_out& j) {
        j.key("question");
        j.value(e.q);
        j.field("author_id", e.author_id);
        j.key("similar");
        j.w().StartArray();
        for (const auto& m : similar) {
            j.w().StartObject();
            j.field("id", m.id);
            j.key("score");
            j.w().Double(m.score);
            j.w().EndObject();
        }
        j.w().EndArray();
        if (answered != nullptr && answered->q.id != e.q.id) {
            j.field("answered_match", answered->q.id);
        }
    });
}

reply room::ask(const actor& who, const req::ask& r, const server_inputs& in, std::int64_t now, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    if (!in.replaying) {
        if (auto refused = check_speaker(who, now)) {
            return std::move(*refused);
        }
    }
    // Held or not is recorded: replay must not decide it again (the shield
    // depends on join times, which a replay may know differently).
    const bool held = in.replaying ? in.recorded == "held"
                                   : (hold_questions_ || shield_holds(who, now)) && !protocol::can_moderate(who.role);
    auto& e = questions_.add(make_id('q', next_id_++), r.text, {who.id, who.name}, r.anonymous, held, now);
    ++stats_.questions;
    if (!held) {
        emit_question(e, sink);
    }
    emit_mod_question(e, sink);
    reply out;
    out.record = held ? "held" : "visible";
    const auto* earlier = questions_.similar_answered(e.q.text);
    out.ack_fields = [qid = e.q.id, held,
                      earlier = earlier != nullptr && earlier->q.id != e.q.id
                                    ? std::optional<protocol::question>(earlier->q)
                                    : std::nullopt](protocol::json_out& j) {
        j.field("qid", qid);
        if (held) {
            j.field("held", true);
        }
        if (earlier) {
            // The asker sees the earlier answer at once.
            j.key("similar_answered");
            j.value(*earlier);
        }
    };
    return out;
}

reply room::vote(const actor& who, const req::vote& r, event_sink& sink) {
    (void)sink;
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    auto* e = questions_.find(r.qid);
    if (e == nullptr || e->q.status == protocol::question_status::held) {
        return refuse(errc::not_found, "no such question");
    }
    if (e->q.status == protocol::question_status::dismissed || e->q.status == protocol::question_status::merged) {
        return refuse(errc::closed, "this question is closed");
    }
    const bool cast = questions_.toggle_vote(*e, who.id);  // published on the next tick
    reply out;
    out.ack_fields = [cast, votes = e->q.votes](protocol::json_out& j) {
        j.field("voted", cast).field("votes", votes);
    };
    return out;
}

reply room::question_action(const actor& who, const req::question_action& r, std::int64_t now, event_sink& sink) {
    (void)who;
    auto* e = questions_.find(r.qid);
    if (e == nullptr) {
        return refuse(errc::not_found, "no such question");
    }
    using qs = protocol::question_status;
    switch (r.verb) {
        case req::question_verb::approve:
            if (e->q.status != qs::held) {
                return {};  // already visible: idempotent
            }
            questions_.set_status(*e, qs::visible);
            break;
        case req::question_verb::dismiss:
            if (e->q.status == qs::merged) {
                return refuse(errc::closed, "the question was merged");
            }
            questions_.set_status(*e, qs::dismissed);
            break;
        case req::question_verb::answering: {
            if (e->q.status == qs::merged || e->q.status == qs::dismissed) {
                return refuse(errc::closed, "the question is closed");
            }
            if (auto* current = questions_.answering(); current != nullptr && current != e) {
                questions_.set_status(*current, qs::visible);  // at most one at a time
                emit_question(*current, sink);
            }
            questions_.set_status(*e, qs::answering);
            break;
        }
        case req::question_verb::answer: {
            if (e->q.status == qs::merged || e->q.status == qs::dismissed) {
                return refuse(errc::closed, "the question is closed");
            }
            if (r.card_id && deck_card(*r.card_id) == nullptr) {
                return refuse(errc::not_found, "no card '" + *r.card_id + "' in the deck");
            }
            e->q.answer = r.answer.value_or("");
            e->q.card_id = r.card_id.value_or("");
            questions_.set_status(*e, qs::answered);
            if (stats_.first_answer_at == 0) {
                stats_.first_answer_at = now;
            }
            break;
        }
    }
    emit_question(*e, sink);
    emit_mod_question(*e, sink);
    return {};
}

reply room::set_mode(const req::room_mode& r, std::int64_t now, event_sink& sink) {
    if (r.shield_minutes) {
        set_shield(*r.shield_minutes, now);
    }
    if (r.hold_questions) {
        hold_questions_ = *r.hold_questions;
    }
    if (r.hold_comments) {
        mode_.hold_comments = *r.hold_comments;
    }
    if (r.slow_seconds) {
        mode_.slow_seconds = *r.slow_seconds;
    }
    if (r.blocked_words) {
        mode_.blocked_words = *r.blocked_words;
        rebuild_filter();
    }
    sink.emit_mod("mod.mode", [&](protocol::json_out& j) {
        j.key("mode");
        write_mode(j);
    });
    reply out;
    out.ack_fields = [this](protocol::json_out& j) {
        j.key("mode");
        write_mode(j);
    };
    return out;
}

void room::write_mode(protocol::json_out& j) const {
    j.w().StartObject();
    j.field("slow_seconds", mode_.slow_seconds).field("hold_comments", mode_.hold_comments);
    j.field("hold_questions", hold_questions_);
    j.field("blocked_words", static_cast<std::int64_t>(mode_.blocked_words.size()));
    j.field("shield_minutes", shield_minutes_);
    j.w().EndObject();
}

reply room::merge(const req::question_merge& r, event_sink& sink) {
    auto* from = questions_.find(r.qid);
    auto* into = questions_.find(r.into);
    if (from == nullptr || into == nullptr) {
        return refuse(errc::not_found, "no such question");
    }
    using qs = protocol::question_status;
    if (from->q.status == qs::merged || into->q.status == qs::merged || into->q.status == qs::dismissed) {
        return refuse(errc::closed, "a merged or dismissed question cannot take part in a merge");
    }
    if (into->q.status == qs::held) {
        questions_.set_status(*into, qs::visible);
    }
    const bool was_held = from->q.status == qs::held;
    questions_.merge(*from, *into);
    if (!was_held) {
        emit_question(*from, sink);
    }
    emit_question(*into, sink);
    emit_mod_question(*into, sink);
    return {};
}

reply room::open_quiz(const req::quiz_open& request, const server_inputs& in, std::int64_t now, event_sink& sink) {
    const req::quiz_open* prepared = &request;
    if (request.deck) {
        prepared = nullptr;
        for (const auto& [id, q] : spec_.quizzes) {
            if (id == *request.deck) {
                prepared = &q;
            }
        }
        if (prepared == nullptr) {
            return refuse(errc::not_found, "no quiz '" + *request.deck + "' in the deck");
        }
    }
    const req::quiz_open& r = *prepared;
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    if (quizzes_.current() != nullptr) {
        return refuse(errc::duplicate, "a quiz is open: close it first");
    }
    for (const int c : r.correct) {
        if (c < 0 || static_cast<std::size_t>(c) >= r.options.size()) {
            return refuse(errc::bad_request, "field 'correct' must index the options");
        }
    }
    const std::string& seed = in.replaying ? in.recorded : in.seed;
    if (seed.size() != 64) {
        return refuse(errc::bad_request, "no seed for the draw");  // the runner supplies one
    }
    quiz& q = quizzes_.open(make_id('z', next_id_++), r, seed, now);
    sink.emit("quiz.open", fanout::frame_class::critical, quiz_open_key, [&](protocol::json_out& j) {
        j.key("quiz");
        j.value(q.pub);
    });
    reply out;
    out.ack_fields = [id = q.pub.id](protocol::json_out& j) { j.field("quiz", id); };
    out.record = seed;
    return out;
}

reply room::close_quiz(const req::quiz_close& r, std::int64_t now, event_sink& sink) {
    quiz* q = quizzes_.find(r.quiz);
    if (q == nullptr) {
        return refuse(errc::not_found, "no such quiz");
    }
    if (!q->open()) {
        return refuse(errc::closed, "the quiz is closed already");
    }
    finish_quiz(*q, now, sink);
    return {};
}

reply room::answer_quiz(
    const actor& who, const req::quiz_answer& r, const server_inputs& in, std::int64_t now, event_sink& sink) {
    (void)sink;
    quiz* q = quizzes_.find(r.quiz);
    if (q == nullptr) {
        return refuse(errc::not_found, "no such quiz");
    }
    if (!q->open() || (q->pub.closes_at && now >= *q->pub.closes_at)) {
        return refuse(errc::closed, "the quiz is closed");  // judged by server time
    }
    const std::int64_t elapsed = in.replaying ? std::stoll(in.recorded.empty() ? "-1" : in.recorded) : in.elapsed_ms;
    switch (quizzes_.answer(*q, {who.id, who.name}, r.choice, r.as_list, elapsed, now)) {
        case quiz_book::verdict::duplicate:
            return refuse(errc::duplicate, "you have answered this quiz");
        case quiz_book::verdict::bad_choice:
            return refuse(errc::bad_request,
                          q->pub.multi ? "choose a list of distinct options" : "choose one option by its index");
        case quiz_book::verdict::ok:
            break;
    }
    reply out;
    out.ack_fields = [id = q->pub.id](protocol::json_out& j) { j.field("quiz", id); };
    out.record = std::to_string(q->answers.back().elapsed_ms);
    return out;
}

void room::emit_tally(const quiz& q, event_sink& sink) {
    const_cast<quiz&>(q).tally_dirty = false;
    sink.emit("quiz.tally", fanout::frame_class::latest, tally_key, [&](protocol::json_out& j) {
        j.field("id", q.pub.id);
        j.key("counts");
        j.value(q.counts);
        j.field("total", q.total);
    });
}

void room::write_quiz_close(protocol::json_out& j, const quiz& q) const {
    j.field("id", q.pub.id);
    j.key("correct");
    j.value(q.correct);
    j.key("counts");
    j.value(q.counts);
    j.field("total", q.total).field("correct_count", q.correct_count);
}

void room::finish_quiz(quiz& q, std::int64_t now, event_sink& sink) {
    quizzes_.close(q, now);
    q.tally_dirty = false;
    sink.emit("quiz.close", fanout::frame_class::critical, 0, [&](protocol::json_out& j) { write_quiz_close(j, q); });
    sink.emit("leaderboard", fanout::frame_class::latest, leaderboard_key, [&](protocol::json_out& j) {
        j.field("quiz", q.pub.id);
        j.key("top");
        write_leaderboard(j);
    });
}

void room::write_leaderboard(protocol::json_out& j) const {
    auto& w = j.w();
    w.StartArray();
    const auto& ranking = quizzes_.ranking();
    for (std::size_t i = 0; i < ranking.size() && i < leaderboard_size; ++i) {
        w.StartObject();
        j.field("rank", static_cast<std::int64_t>(i + 1)).field("id", ranking[i].user).field("name", ranking[i].name);
        j.field("score", ranking[i].score).field("right", ranking[i].right);
        w.EndObject();
    }
    w.EndArray();
}

reply room::draw(const req::draw& r, std::int64_t now, event_sink& sink) {
    const quiz* q = nullptr;
    if (r.quiz) {
        q = quizzes_.find(*r.quiz);
        if (q == nullptr) {
            return refuse(errc::not_found, "no such quiz");
        }
        if (q->open()) {
            return refuse(errc::bad_request, "close the quiz before drawing its winners");
        }
    } else if (quizzes_.all().empty()) {
        return refuse(errc::not_found, "no quiz has run in this room");
    } else if (quizzes_.current() != nullptr) {
        return refuse(errc::bad_request, "close the open quiz before drawing");
    }
    const draw_record& d = quizzes_.draw(make_id('d', next_id_++), q, static_cast<std::size_t>(r.count), now);
    sink.emit("draw.result", fanout::frame_class::critical, 0, [&](protocol::json_out& j) {
        auto& w = j.w();
        j.field("id", d.id);
        if (d.quiz_id) {
            j.field("quiz_id", *d.quiz_id);
        } else {
            j.null_field("quiz_id");
        }
        j.key("winners");
        w.StartArray();
        for (const auto& a : d.winners) {
            j.value(a);
        }
        w.EndArray();
        j.field("seed_hash", d.seed_hash).field("seed", d.seed);
        // Extensions, for the verify link: the round, how many were eligible
        // and the SHA-256 of their sorted ids joined by '\n' (the list
        // itself is at GET /api/rooms/{room}/draws/{id}).
        j.field("round", static_cast<std::int64_t>(d.round)).field("count", static_cast<std::int64_t>(d.count));
        j.field("eligible_count", static_cast<std::int64_t>(d.eligible.size()));
        j.field("eligible_sha256", eligible_digest(d.eligible));
    });
    reply out;
    out.ack_fields = [id = d.id](protocol::json_out& j) { j.field("draw", id); };
    return out;
}

reply room::rank(const actor& who) const {
    const std::size_t place = quizzes_.rank_of(who.id);
    std::int64_t score = 0;
    std::int64_t right = 0;
    if (place != 0) {
        score = quizzes_.ranking()[place - 1].score;
        right = quizzes_.ranking()[place - 1].right;
    }
    reply out;
    out.ack_fields = [place, score, right, of = quizzes_.ranking().size()](protocol::json_out& j) {
        j.field("rank", static_cast<std::int64_t>(place)).field("score", score).field("right", right);
        j.field("of", static_cast<std::int64_t>(of));
    };
    return out;
}

std::string eligible_digest(const std::vector<std::string>& sorted_ids) {
    std::string joined;
    for (std::size_t i = 0; i < sorted_ids.size(); ++i) {
        if (i != 0) {
            joined.push_back('\n');
        }
        joined.append(sorted_ids[i]);
    }
    return sha256_hex(joined);
}

}  // namespace liveroom::room
