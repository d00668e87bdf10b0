// The comment pipeline and comment moderation of a room (room.hpp):
// ban/mute → shield → rate limit / slow mode → blocked words → hold → merge
// repeats → the broadcast budget → publish.
#include <algorithm>
#include <charconv>

#include "server/room/reply_helpers.hpp"
#include "server/room/room.hpp"
#include "server/room/text_normalize.hpp"

namespace liveroom::room {

using protocol::errc;
namespace req = protocol::req;

using detail::refuse;

namespace {

// Guests get server-made ids ("g-" and 12 hex digits; see ws_session).
bool is_guest(const actor& who) {
    return who.id.size() > 2 && who.id[0] == 'g' && who.id[1] == '-';
}

// The key identical comments merge on: the folded text (width, case,
// look-alikes, separators), so "666", "６６６" and "6 6 6" are one.
std::string repeat_key(std::string_view text) {
    const auto folded = normalize_for_match(text);
    std::string key;
    key.reserve(folded.chars.size() * 4);
    for (const char32_t c : folded.chars) {
        key.append(reinterpret_cast<const char*>(&c), sizeof c);
    }
    return key;
}

constexpr std::size_t recent_per_viewer = 20;
constexpr std::int64_t fair_gap_ms = 5000;  // under budget pressure, one broadcast per author per 5 s
constexpr int shield_slow_seconds = 10;
constexpr std::size_t quiet_per_tick = 200;

}  // namespace

std::string_view to_string(comment_state s) noexcept {
    switch (s) {
        case comment_state::published:
            return "published";
        case comment_state::held:
            return "held";
        case comment_state::quiet:
            return "quiet";
        case comment_state::merged:
            return "merged";
        case comment_state::removed:
            return "removed";
    }
    return "published";
}

stored_comment& comment_store::add(stored_comment c) {
    if (items_.size() >= capacity_) {
        index_.erase(items_.front().c.id);
        items_.pop_front();
        ++base_;
    }
    index_[c.c.id] = base_ + items_.size();
    items_.push_back(std::move(c));
    return items_.back();
}

stored_comment* comment_store::find(const std::string& id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &items_[it->second - base_];
}

std::vector<const stored_comment*> comment_store::held() const {
    std::vector<const stored_comment*> out;
    for (const auto& c : items_) {
        if (c.state == comment_state::held) {
            out.push_back(&c);
        }
    }
    return out;
}

void room::rebuild_filter() {
    std::vector<req::blocked_word> words;
    if (policy_.default_words) {
        words = *policy_.default_words;
    }
    words.insert(words.end(), mode_.blocked_words.begin(), mode_.blocked_words.end());
    filter_ = word_filter(words);
}

void room::on_join(const actor& who, std::int64_t now) {
    auto& v = viewers_[who.id];
    if (v.first_seen == 0) {
        v.first_seen = now;
        v.bucket = core::token_bucket(policy_.rate_per_s, policy_.burst);
    }
}

std::optional<reply> room::check_speaker(const actor& who, std::int64_t now) {
    if (protocol::can_moderate(who.role)) {
        return std::nullopt;
    }
    if (banned_.count(who.id) != 0) {
        return refuse(errc::banned, "you are banned from this room");
    }
    const auto it = viewers_.find(who.id);
    if (it != viewers_.end() && it->second.muted_until > now) {
        const auto left = (it->second.muted_until - now + 999) / 1000;
        return refuse(errc::muted, "you are muted for " + std::to_string(left) + " more seconds");
    }
    if (shield_minutes_ > 0 && is_guest(who)) {
        return refuse(errc::forbidden, "guests can only watch right now; sign in to take part");
    }
    return std::nullopt;
}

bool room::shield_holds(const actor& who, std::int64_t now) const {
    if (shield_minutes_ == 0 || protocol::can_moderate(who.role)) {
        return false;
    }
    const auto it = viewers_.find(who.id);
    const std::int64_t joined = it == viewers_.end() || it->second.first_seen == 0 ? now : it->second.first_seen;
    return now - joined < std::int64_t{shield_minutes_} * 60'000;
}

void room::set_shield(int minutes, std::int64_t now) {
    (void)now;
    if (minutes > 0) {
        if (!shield_saved_) {
            shield_saved_ = saved_mode{mode_.slow_seconds, mode_.hold_comments, hold_questions_};
        }
        shield_minutes_ = minutes;
        mode_.slow_seconds = std::max(mode_.slow_seconds, shield_slow_seconds);
        return;
    }
    if (shield_saved_) {
        mode_.slow_seconds = shield_saved_->slow_seconds;
        mode_.hold_comments = shield_saved_->hold_comments;
        hold_questions_ = shield_saved_->hold_questions;
        shield_saved_.reset();
    }
    shield_minutes_ = 0;
}

reply room::add_comment(
    const actor& who, const req::comment& r, const server_inputs& in, std::int64_t now, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    const bool moderator = protocol::can_moderate(who.role);
    on_join(who, now);  // a REST caller may never have joined
    auto& v = viewers_[who.id];
    comment_state state = comment_state::published;
    std::string text;
    std::string merged_into;
    // The folded text repeats merge on: computed once, when first needed.
    std::string key;
    auto key_of = [&]() -> const std::string& {
        if (key.empty()) {
            key = repeat_key(text);
        }
        return key;
    };
    if (in.replaying) {
        // "state|merged_into|cid|text", as decided live (the cid is for the
        // export: replay assigns the same one).
        const auto a = in.recorded.find('|');
        const auto m = a == std::string::npos ? std::string::npos : in.recorded.find('|', a + 1);
        const auto b = m == std::string::npos ? std::string::npos : in.recorded.find('|', m + 1);
        if (b == std::string::npos) {
            return refuse(errc::bad_request, "unreadable record");
        }
        const std::string_view name(in.recorded.data(), a);
        for (const auto s :
             {comment_state::published, comment_state::held, comment_state::quiet, comment_state::merged}) {
            if (to_string(s) == name) {
                state = s;
            }
        }
        merged_into = in.recorded.substr(a + 1, m - a - 1);
        text = in.recorded.substr(b + 1);
    } else {
        if (auto refused = check_speaker(who, now)) {
            return std::move(*refused);
        }
        if (!moderator) {
            if (mode_.slow_seconds > 0 && v.last_comment_at != 0 &&
                now - v.last_comment_at < std::int64_t{mode_.slow_seconds} * 1000) {
                return refuse(errc::rate_limited,
                              "slow mode: one comment every " + std::to_string(mode_.slow_seconds) + " seconds");
            }
            if (!v.bucket.take(now)) {
                return refuse(
                    errc::rate_limited,
                    "too many comments; wait " + std::to_string((v.bucket.retry_after_ms(now) + 999) / 1000) + " s");
            }
        }
        const auto scan = filter_.scan(r.text);
        if (scan.verdict == word_verdict::block && !moderator) {
            ++counts_.blocked;
            return refuse(errc::blocked, "the comment contains a blocked word");
        }
        text = std::string(scan.text(r.text));
        if (!moderator && (mode_.hold_comments || scan.verdict == word_verdict::hold || shield_holds(who, now))) {
            state = comment_state::held;
        } else if (auto it = repeats_.find(key_of());
                   it != repeats_.end() && now - it->second.at <= policy_.repeat_window_ms) {
            state = comment_state::merged;
            merged_into = it->second.cid;
        } else if (!moderator) {
            // The budget: at most budget_per_s broadcasts a second. Under
            // pressure (last second was over it) every comment gets the same
            // chance, budget / offered, and an author at most one per 5 s.
            if (now / 1000 != budget_second_) {
                offered_prev_ = now / 1000 == budget_second_ + 1 ? offered_now_ : 0;
                budget_second_ = now / 1000;
                budget_used_ = 0;
                offered_now_ = 0;
            }
            ++offered_now_;
            bool pass = budget_used_ < policy_.budget_per_s;
            if (pass && offered_prev_ > policy_.budget_per_s) {
                const auto draw = std::hash<std::string>{}(who.id + text) % 10'000;
                pass = static_cast<int>(draw) < 10'000 * policy_.budget_per_s / offered_prev_ &&
                       (v.last_broadcast_at == 0 || now - v.last_broadcast_at >= fair_gap_ms);
            }
            if (!pass) {
                state = comment_state::quiet;
            }
        }
    }
    v.last_comment_at = now;
    stored_comment& sc =
        comments_.add({{detail::make_id('m', next_id_++), {who.id, who.name}, text}, now, state, merged_into});
    v.recent.push_back(sc.c.id);
    if (v.recent.size() > recent_per_viewer) {
        v.recent.erase(v.recent.begin());
    }
    switch (state) {
        case comment_state::published:
            publish_comment(sc, now, sink, key_of());
            break;
        case comment_state::held:
            ++counts_.held;
            sink.emit_mod("mod.comment", [&](protocol::json_out& j) {
                j.key("comment");
                j.value(sc.c);
                j.field("status", "held").field("at", now);
            });
            break;
        case comment_state::merged:
            if (auto it = repeats_.find(key_of()); it != repeats_.end()) {
                ++it->second.plus;
                it->second.dirty = true;
            }
            break;
        case comment_state::quiet:
            quiet_.push_back(sc.c.id);
            break;
        case comment_state::removed:
            break;
    }
    reply out;
    out.record = std::string(to_string(state)) + "|" + merged_into + "|" + sc.c.id + "|" + text;
    out.ack_fields = [cid = sc.c.id, text = sc.c.text, state, merged_into](protocol::json_out& j) {
        j.field("cid", cid).field("text", text);
        if (state == comment_state::held) {
            j.field("held", true);
        } else if (state == comment_state::quiet) {
            j.field("broadcast", false);  // extension: over the room's budget; the author shows it
        } else if (state == comment_state::merged) {
            j.field("merged_into", merged_into);  // extension: counted as +1 on that comment
        }
    };
    return out;
}

void room::publish_comment(stored_comment& sc, std::int64_t now, event_sink& sink, std::string_view key) {
    sc.state = comment_state::published;
    sink.emit("comment", fanout::frame_class::droppable, 0, [&](protocol::json_out& j) {
        j.key("comment");
        j.value(sc.c);
    });
    ++stats_.comments;
    ++budget_used_;
    viewers_[sc.c.by.id].last_broadcast_at = now;
    repeats_[key.empty() ? repeat_key(sc.c.text) : std::string(key)] = {sc.c.id, now, 0, false};
    recent_comments_.push_back(sc.c);
    while (recent_comments_.size() > policy_.snapshot_comments) {
        recent_comments_.pop_front();
    }
}

reply room::comment_action(const req::comment_action& r, std::int64_t now, event_sink& sink) {
    stored_comment* sc = comments_.find(r.cid);
    if (sc == nullptr) {
        return refuse(errc::not_found, "no such comment (or too old)");
    }
    switch (r.verb) {
        case req::comment_verb::approve:
            if (sc->state == comment_state::removed) {
                return refuse(errc::closed, "the comment was removed");
            }
            if (sc->state != comment_state::published) {
                if (sc->state == comment_state::held) {
                    --counts_.held;
                }
                publish_comment(*sc, now, sink);
            }
            return {};
        case req::comment_verb::remove: {
            if (sc->state == comment_state::removed) {
                return {};  // idempotent
            }
            const bool was_public = sc->state == comment_state::published;
            if (sc->state == comment_state::held) {
                --counts_.held;
            }
            sc->state = comment_state::removed;
            ++counts_.removed;
            if (was_public) {
                std::erase_if(recent_comments_, [&](const protocol::comment& c) { return c.id == sc->c.id; });
                sink.emit("comment.removed", fanout::frame_class::critical, 0,
                          [&](protocol::json_out& j) { j.field("id", sc->c.id); });
            }
            return {};
        }
        case req::comment_verb::pin: {
            if (sc->state == comment_state::removed) {
                return refuse(errc::closed, "the comment was removed");
            }
            if (status_ == protocol::room_status::ended) {
                return refuse(errc::closed, "the room has ended");
            }
            notice_ = sc->c.by.name.empty() ? sc->c.text : sc->c.by.name + "：" + sc->c.text;
            sink.emit("notice", fanout::frame_class::critical, 0,
                      [&](protocol::json_out& j) { j.field("text", notice_); });
            return {};
        }
    }
    return {};
}

reply room::mute(const req::user_mute& r, std::int64_t now, event_sink& sink) {
    auto& v = viewers_[r.user];
    v.muted_until = now + std::int64_t{r.seconds} * 1000;
    ++counts_.muted;
    sink.emit_mod("mod.user", [&](protocol::json_out& j) {
        j.field("user", r.user).field("muted_until", v.muted_until).field("banned", banned_.count(r.user) != 0);
    });
    return {};
}

reply room::unmute(const req::user_unmute& r, std::int64_t now) {
    if (auto it = viewers_.find(r.user); it != viewers_.end() && it->second.muted_until > now) {
        it->second.muted_until = 0;
    }
    return {};
}

reply room::ban(const req::user_ban& r, event_sink& sink) {
    if (banned_.insert(r.user).second) {
        ++counts_.banned;
    }
    sink.emit_mod("mod.user", [&](protocol::json_out& j) { j.field("user", r.user).field("banned", true); });
    sink.banned(r.user);
    return {};
}

reply room::unban(const req::user_unban& r, event_sink& sink) {
    banned_.erase(r.user);
    sink.emit_mod("mod.user", [&](protocol::json_out& j) { j.field("user", r.user).field("banned", false); });
    return {};
}

reply room::user_comments(const req::user_comments& r) {
    std::vector<stored_comment> list;
    bool muted = false;
    if (auto it = viewers_.find(r.user); it != viewers_.end()) {
        muted = it->second.muted_until != 0;
        for (const auto& id : it->second.recent) {
            if (const auto* sc = comments_.find(id)) {
                list.push_back(*sc);
            }
        }
    }
    reply out;
    out.ack_fields = [list = std::move(list), banned = banned_.count(r.user) != 0, muted](protocol::json_out& j) {
        j.field("banned", banned).field("was_muted", muted);
        j.key("comments");
        j.w().StartArray();
        for (const auto& sc : list) {
            j.w().StartObject();
            j.field("id", sc.c.id).field("text", sc.c.text).field("at", sc.at).field("status", to_string(sc.state));
            j.w().EndObject();
        }
        j.w().EndArray();
    };
    return out;
}

void room::sweep_viewers(std::int64_t now) {
    // Every minute, forget viewers with nothing pending who have been quiet
    // for two hours: a returning one starts afresh (a full bucket; counted
    // as a newcomer by the shield). Bans are kept apart and never swept.
    constexpr std::int64_t sweep_every_ms = 60'000;
    constexpr std::int64_t idle_ms = 2 * 3600'000;
    if (now - last_sweep_ < sweep_every_ms) {
        return;
    }
    last_sweep_ = now;
    std::erase_if(viewers_, [&](const auto& item) {
        const viewer_record& v = item.second;
        return v.muted_until <= now && now - std::max(v.first_seen, v.last_comment_at) > idle_ms;
    });
}

void room::write_moderation_counts(protocol::json_out& j) const {
    j.w().StartObject();
    j.field("held", counts_.held).field("removed", counts_.removed).field("blocked", counts_.blocked);
    j.field("muted", counts_.muted).field("banned", counts_.banned);
    j.w().EndObject();
}

void room::emit_moderation_counts(event_sink& sink) {
    counts_sent_ = counts_;
    sink.emit("moderation", fanout::frame_class::latest, moderation_key, [&](protocol::json_out& j) {
        j.key("counts");
        write_moderation_counts(j);
    });
}

void room::flush_quiet(event_sink& sink) {
    if (quiet_.empty()) {
        return;
    }
    const std::size_t n = std::min(quiet_.size(), quiet_per_tick);
    sink.emit_mod("mod.comments", [&](protocol::json_out& j) {
        j.key("comments");
        j.w().StartArray();
        for (std::size_t i = 0; i < n; ++i) {
            if (const auto* sc = comments_.find(quiet_[i])) {
                j.value(sc->c);
            }
        }
        j.w().EndArray();
        j.field("status", "quiet").field("omitted", static_cast<std::int64_t>(quiet_.size() - n));
    });
    quiet_.clear();
}

}  // namespace liveroom::room
