#include "server/cluster/node.hpp"

#include <boost/asio/post.hpp>
#include <nats/nats.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include "protocol/decode.hpp"
#include "protocol/encode.hpp"
#include "server/cluster/step_codec.hpp"
#include "server/core/clock.hpp"
#include "server/core/log.hpp"
#include "server/core/metrics.hpp"
#include "server/hub/hub.hpp"
#include "server/hub/room_runner.hpp"
#include "server/hub/worker.hpp"
#include "server/room/spec_json.hpp"

namespace liveroom::cluster {

namespace {

constexpr const char* stream_name = "LIVEROOM";
constexpr const char* rooms_bucket = "liveroom_rooms";
constexpr const char* owners_bucket = "liveroom_owners";
constexpr std::int64_t lease_ttl_ms = 2000;
constexpr auto lease_period = std::chrono::milliseconds(500);
constexpr auto forward_timeout = std::chrono::seconds(5);
constexpr std::int64_t js_wait_ms = 3000;

core::metric forwarded("liveroom_cluster_forwarded_total",
                       "requests forwarded to the room's owner on another node",
                       core::metric::kind::counter);
core::metric published_steps("liveroom_cluster_steps_published_total",
                             "stream messages this node published as a room's owner",
                             core::metric::kind::counter);
core::metric fenced_out("liveroom_cluster_fenced_total",
                        "publishes refused because another node had written to the room",
                        core::metric::kind::counter);

std::string text(natsStatus s) {
    const char* t = natsStatus_GetText(s);
    return t != nullptr ? t : "unknown error";
}

// libnats' own account of the last failure on this thread.
std::string last_error() {
    natsStatus s = NATS_OK;
    const char* t = nats_GetLastError(&s);
    return t != nullptr && *t != '\0' ? t : text(s);
}

std::string default_node_id(const core::config& cfg) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) {
        std::snprintf(host, sizeof host, "node");
    }
    return std::string(host) + "-" + std::to_string(cfg.port) + "-" + std::to_string(getpid());
}

std::string_view data_of(natsMsg* m) {
    const char* d = natsMsg_GetData(m);
    return d != nullptr ? std::string_view(d, static_cast<std::size_t>(natsMsg_GetDataLength(m))) : std::string_view{};
}

// The room token after a subject prefix ("lr.req.<token>").
std::string_view token_of(const char* subject) {
    std::string_view s(subject != nullptr ? subject : "");
    const auto dot = s.rfind('.');
    return dot == std::string_view::npos ? s : s.substr(dot + 1);
}

std::string error_json(std::string_view id, bool has_id, protocol::errc code, std::string_view message) {
    protocol::json_out j;
    return std::string(protocol::encode_error(j, id, has_id, code, message));
}

std::string actor_json(const room::actor& who) {
    protocol::json_out j;
    j.begin_object().field("a", who.id).field("n", who.name).field("r", static_cast<int>(who.role));
    return std::string(j.finish());
}

room::actor actor_of(const rapidjson::Document& d) {
    room::actor a;
    auto s = [&](const char* k) {
        auto it = d.FindMember(k);
        return it != d.MemberEnd() && it->value.IsString()
                   ? std::string(it->value.GetString(), it->value.GetStringLength())
                   : std::string();
    };
    a.id = s("a");
    a.name = s("n");
    auto r = d.FindMember("r");
    a.role = static_cast<protocol::role>(r != d.MemberEnd() && r->value.IsInt() ? r->value.GetInt() : 0);
    return a;
}

void c_disconnected(natsConnection*, void* closure) {
    static_cast<node*>(closure)->on_disconnected();
}
void c_reconnected(natsConnection*, void* closure) {
    static_cast<node*>(closure)->on_reconnected();
}
void c_request(natsConnection*, natsSubscription*, natsMsg* m, void* closure) {
    static_cast<node*>(closure)->on_request(m);
}
void c_reply(natsConnection*, natsSubscription*, natsMsg* m, void* closure) {
    static_cast<node*>(closure)->on_reply(m);
}
void c_join(natsConnection*, natsSubscription*, natsMsg* m, void* closure) {
    static_cast<node*>(closure)->on_join(m);
}
void c_mod(natsConnection*, natsSubscription*, natsMsg* m, void* closure) {
    static_cast<node*>(closure)->on_mod(m);
}
void c_presence(natsConnection*, natsSubscription*, natsMsg* m, void* closure) {
    static_cast<node*>(closure)->on_presence(m);
}

}  // namespace

// One room's ordered consumer.
struct follow {
    node* self = nullptr;
    std::string room;
    std::uint64_t gen = 0;
    natsSubscription* sub = nullptr;
};

namespace {
void c_log(natsConnection*, natsSubscription*, natsMsg* m, void* closure) {
    auto* f = static_cast<follow*>(closure);
    f->self->on_log_message(*f, m);
}
}  // namespace

node::node(const core::config& cfg, hub::hub& h)
    : cfg_(cfg), hub_(h), id_(cfg.node_id.empty() ? default_node_id(cfg) : cfg.node_id) {
    natsOptions* opts = nullptr;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) {
        s = natsOptions_SetURL(opts, cfg.cluster.c_str());
    }
    if (s == NATS_OK) {
        natsOptions_SetName(opts, ("liveroom " + id_).c_str());
        natsOptions_SetMaxReconnect(opts, -1);  // forever, every 250 ms
        natsOptions_SetReconnectWait(opts, 250);
        natsOptions_SetPingInterval(opts, 1000);  // a dead link is noticed within ~2 s
        natsOptions_SetMaxPingsOut(opts, 2);
        natsOptions_SetTimeout(opts, 3000);
        natsOptions_UseGlobalMessageDelivery(opts, true);  // a pool, not a thread per room
        natsOptions_SetDisconnectedCB(opts, c_disconnected, this);
        natsOptions_SetReconnectedCB(opts, c_reconnected, this);
        s = natsConnection_Connect(&nc_, opts);
    }
    natsOptions_Destroy(opts);
    if (s != NATS_OK) {
        throw cluster_error("cannot connect to the cluster at " + cfg.cluster + ": " + text(s));
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = js_wait_ms;
    if (natsConnection_JetStream(&js_, nc_, &jo) != NATS_OK) {
        throw cluster_error("cannot use JetStream at " + cfg.cluster);
    }
    // The stream of every room's steps (kept on disk by the NATS server).
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    s = js_GetStreamInfo(&si, js_, stream_name, nullptr, &jerr);
    if (s == NATS_NOT_FOUND) {
        jsStreamConfig sc;
        jsStreamConfig_Init(&sc);
        sc.Name = stream_name;
        const char* subjects[] = {"lr.log.>"};
        sc.Subjects = subjects;
        sc.SubjectsLen = 1;
        sc.Storage = js_FileStorage;
        s = js_AddStream(&si, js_, &sc, nullptr, &jerr);
        if (s != NATS_OK) {  // another node made it meanwhile?
            s = js_GetStreamInfo(&si, js_, stream_name, nullptr, &jerr);
        }
    }
    jsStreamInfo_Destroy(si);
    if (s != NATS_OK) {
        throw cluster_error("cannot create the JetStream stream " + std::string(stream_name) + " at " + cfg.cluster +
                            ": " + text(s) + " (is the NATS server started with -js?)");
    }
    auto bucket = [&](const char* name, std::int64_t ttl, kvStore** out) {
        kvConfig kc;
        kvConfig_Init(&kc);
        kc.Bucket = name;
        kc.History = 1;
        kc.TTL = ttl * 1000000;  // libnats 3.4 takes nanoseconds here
        kc.StorageType = js_FileStorage;
        if (js_CreateKeyValue(out, js_, &kc) != NATS_OK && js_KeyValue(out, js_, name) != NATS_OK) {
            throw cluster_error("cannot create the key-value bucket " + std::string(name) + " at " + cfg.cluster +
                                ": " + last_error());
        }
    };
    bucket(rooms_bucket, 0, &rooms_kv_);
    bucket(owners_bucket, lease_ttl_ms, &owners_kv_);

    inbox_ = "_INBOX.lr." + room_token(id_) + ".";
    auto sub = [&](const std::string& subject, natsMsgHandler cb) {
        natsSubscription* x = nullptr;
        if (natsConnection_Subscribe(&x, nc_, subject.c_str(), cb, this) != NATS_OK) {
            throw cluster_error("cannot subscribe to " + subject);
        }
        subs_.push_back(x);
    };
    sub("lr.req.*", c_request);
    sub(inbox_ + "*", c_reply);
    sub("lr.join.*", c_join);
    sub("lr.mod.*", c_mod);
    sub("lr.pres.*", c_presence);
    publisher_ = std::thread([this] { publisher_loop(); });
    LR_INFO("cluster", "node %s joined the cluster at %s", id_.c_str(), cfg.cluster.c_str());
}

node::~node() {
    stop();
    for (auto* s : subs_) {
        natsSubscription_Unsubscribe(s);
        natsSubscription_Destroy(s);
    }
    {
        std::lock_guard lock(mu_);
        for (auto& [room, f] : follows_) {
            natsSubscription_Unsubscribe(f->sub);
            natsSubscription_Destroy(f->sub);
        }
        for (auto& f : retired_) {
            natsSubscription_Destroy(f->sub);
        }
    }
    kvStore_Destroy(rooms_kv_);
    kvStore_Destroy(owners_kv_);
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
}

void node::stop() {
    {
        std::lock_guard lock(pub_mu_);
        if (stopping_) {
            return;
        }
        stopping_ = true;
    }
    pub_cv_.notify_all();
    lease_cv_.notify_all();
    if (publisher_.joinable()) {
        publisher_.join();
    }
    if (lease_.joinable()) {
        lease_.join();
    }
    // The rooms have stopped (the workers are joined first): hand their
    // leases over now rather than let them lapse, so another node takes the
    // rooms at once on a rolling restart.
    std::set<std::string> held;
    {
        std::lock_guard lock(mu_);
        held.swap(held_);
    }
    for (const auto& room : held) {
        kvStore_Delete(owners_kv_, room_token(room).c_str());
    }
}

// ---- rooms ------------------------------------------------------------

std::shared_ptr<hub::room_runner> node::add_room_from_spec(const std::string& spec_json, bool follow_now) {
    room::room_spec spec;
    if (auto err = room::parse_spec(spec_json, spec)) {
        LR_ERROR("cluster", "a room in the cluster is unreadable: %s", err->c_str());
        return nullptr;
    }
    const std::string id = spec.id;
    auto r = hub_.add_clustered(std::move(spec));
    if (!r) {
        return nullptr;  // known already
    }
    if (auto* copy = hub_.log()) {
        copy->add_room({id, spec_json, core::now_ms()}, {});  // this node's copy (replay, export)
    }
    {
        std::lock_guard lock(mu_);
        by_token_[room_token(id)] = id;
        if (!follow_now) {
            to_follow_.emplace_back(id, r->follow_gen());
        }
    }
    boost::asio::post(r->owner().ioc(), [r] { r->start_ticking(); });
    if (follow_now) {
        follow_room(id, r->follow_gen());
    } else {
        lease_cv_.notify_all();
    }
    return r;
}

void node::load_rooms() {
    discover_rooms();
    follow_pending();  // now, so that start-up can wait for every room to catch up
}

void node::follow_pending() {
    std::deque<std::pair<std::string, std::uint64_t>> todo;
    {
        std::lock_guard lock(mu_);
        todo.swap(to_follow_);
    }
    for (auto& [room, gen] : todo) {
        follow_room(room, gen);
    }
}

void node::discover_rooms() {
    kvKeysList keys{};
    natsStatus s = kvStore_Keys(&keys, rooms_kv_, nullptr);
    if (s != NATS_OK) {
        if (s != NATS_NOT_FOUND) {
            LR_WARN("cluster", "cannot list the cluster's rooms: %s", text(s).c_str());
        }
        return;
    }
    for (int i = 0; i < keys.Count; ++i) {
        {
            std::lock_guard lock(mu_);
            if (by_token_.count(keys.Keys[i]) != 0) {
                continue;
            }
        }
        kvEntry* e = nullptr;
        if (kvStore_Get(&e, rooms_kv_, keys.Keys[i]) == NATS_OK) {
            add_room_from_spec(kvEntry_ValueString(e));
            kvEntry_Destroy(e);
        }
    }
    kvKeysList_Destroy(&keys);
}

void node::create_room(std::string id, std::string spec_json, std::function<void(bool, bool)> done) {
    const std::string token = room_token(id);
    std::uint64_t rev = 0;
    natsStatus s = kvStore_Create(&rev, rooms_kv_, token.c_str(), spec_json.data(), static_cast<int>(spec_json.size()));
    if (s != NATS_OK) {
        kvEntry* e = nullptr;
        const bool exists = kvStore_Get(&e, rooms_kv_, token.c_str()) == NATS_OK;
        kvEntry_Destroy(e);
        if (exists) {
            add_room_from_spec(spec_json);  // known here too, if it was not yet
            done(false, true);
        } else {
            LR_ERROR("cluster", "cannot store room %s in the cluster: %s", id.c_str(), text(s).c_str());
            done(false, false);
        }
        return;
    }
    store_first_step(id, true);
    // Followed at once: this node serves the room as soon as it has read
    // the step above, not after the lease loop's next pass.
    done(add_room_from_spec(spec_json, true) != nullptr, false);
}

std::pair<std::shared_ptr<hub::room_runner>, rapidjson::Document> node::take_json(void* raw) const {
    auto* m = static_cast<natsMsg*>(raw);
    std::pair<std::shared_ptr<hub::room_runner>, rapidjson::Document> out;
    out.first = room_of_subject(natsMsg_GetSubject(m));
    const std::string_view body = data_of(m);
    out.second.Parse(body.data(), body.size());
    natsMsg_Destroy(m);
    if (out.second.HasParseError() || !out.second.IsObject()) {
        out.first = nullptr;
    }
    return out;
}

// An empty first step, so that every owner's publish is fenced on a
// position (a fence on "nothing yet" cannot be expressed). When the room is
// created it carries a message id (JetStream keeps one copy); a node that
// finds the subject empty later stores one without, since a second empty
// step changes nothing.
void node::store_first_step(const std::string& room, bool dedupe) {
    const std::string token = room_token(room);
    const std::string first = encode_step(id_, 0, store::batch{});
    jsPubOptions po;
    jsPubOptions_Init(&po);
    const std::string msg_id = "create-" + token;
    po.MsgId = dedupe ? msg_id.c_str() : nullptr;
    po.MaxWait = js_wait_ms;
    jsPubAck* pa = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s =
        js_Publish(&pa, js_, ("lr.log." + token).c_str(), first.data(), static_cast<int>(first.size()), &po, &jerr);
    jsPubAck_Destroy(pa);
    if (s != NATS_OK) {
        LR_WARN("cluster", "room %s: its first step was not stored: %s", room.c_str(), text(s).c_str());
    }
}

std::shared_ptr<hub::room_runner> node::room_of_subject(const char* subject) const {
    std::string id;
    {
        std::lock_guard lock(mu_);
        auto it = by_token_.find(std::string(token_of(subject)));
        if (it == by_token_.end()) {
            return nullptr;
        }
        id = it->second;
    }
    return hub_.find(id);
}

// ---- following --------------------------------------------------------

void node::follow_room(const std::string& room, std::uint64_t gen) {
    auto r = hub_.find(room);
    if (!r) {
        return;
    }
    auto f = std::make_unique<follow>();
    f->self = this;
    f->room = room;
    f->gen = gen;
    const std::string subject = "lr.log." + room_token(room);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream_name;
    so.Ordered = true;
    so.Config.DeliverPolicy = js_DeliverAll;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_Subscribe(&f->sub, js_, subject.c_str(), c_log, f.get(), nullptr, &so, &jerr);
    if (s != NATS_OK) {
        LR_WARN("cluster", "room %s: cannot follow its stream (%s); retrying", room.c_str(), text(s).c_str());
        std::lock_guard lock(mu_);
        to_follow_.emplace_back(room, gen);
        return;
    }
    // An empty subject delivers nothing: the room is caught up at once.
    if (last_position(room) == 0) {
        boost::asio::post(r->owner().ioc(), [r, gen] { r->on_caught_up(gen); });
    }
    std::lock_guard lock(mu_);
    auto& slot = follows_[room];
    if (slot) {
        natsSubscription_Unsubscribe(slot->sub);
        retired_.push_back(std::move(slot));
    }
    slot = std::move(f);
}

void node::on_log_message(follow& f, void* raw) {
    auto* m = static_cast<natsMsg*>(raw);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m) != NATS_OK) {
        natsMsg_Destroy(m);
        return;
    }
    hub::room_runner::stream_step st;
    st.gen = f.gen;
    st.position = meta->Sequence.Stream;
    st.pending = meta->NumPending;
    jsMsgMetaData_Destroy(meta);
    auto decoded = decode_step(data_of(m));
    natsMsg_Destroy(m);
    if (!decoded) {
        LR_ERROR("cluster", "room %s: stream position %llu is not a step; skipped", f.room.c_str(),
                 static_cast<unsigned long long>(st.position));
        decoded.emplace();
    }
    st.origin = std::move(decoded->origin);
    st.term = decoded->term;
    st.batch = std::move(decoded->batch);
    if (auto r = hub_.find(f.room)) {
        boost::asio::post(r->owner().ioc(), [r, st = std::move(st)]() mutable { r->on_stream(std::move(st)); });
    }
}

void node::refollow(const std::string& room, std::uint64_t gen) {
    {
        std::lock_guard lock(mu_);
        to_follow_.emplace_back(room, gen);
    }
    lease_cv_.notify_all();  // subscribed from the lease thread, never an I/O thread
}

bool node::wait_caught_up(std::chrono::milliseconds timeout) {
    follow_pending();  // rooms created since load_rooms() (the demo room)
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        bool all = true;
        for (const auto& r : hub_.list()) {
            all = all && r->caught_up_any_thread();
        }
        if (all) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= until) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // start-up only: a bounded poll
    }
}

std::uint64_t node::last_position(const std::string& room) {
    natsMsg* m = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetLastMsg(&m, js_, stream_name, ("lr.log." + room_token(room)).c_str(), nullptr, &jerr);
    if (s != NATS_OK) {
        return 0;
    }
    const std::uint64_t seq = natsMsg_GetSequence(m);
    natsMsg_Destroy(m);
    return seq;
}

// ---- publishing -------------------------------------------------------

void node::fence(const std::string& room, std::uint64_t last, std::uint64_t term) {
    std::lock_guard lock(pub_mu_);
    fences_[room] = {last, term, true};
}

void node::released(const std::string& room) {
    {
        std::lock_guard lock(mu_);
        held_.erase(room);
    }
    std::lock_guard lock(pub_mu_);
    fences_[room].valid = false;
}

void node::publish(const std::string& room, std::shared_ptr<const store::batch> b, std::function<void(bool)> done) {
    {
        std::lock_guard lock(pub_mu_);
        pub_queue_.push_back({room, std::move(b), std::move(done)});
    }
    pub_cv_.notify_one();
}

// One thread publishes: everything queued for a room while a publish ran
// goes out as one message (group commit), fenced on the room's last
// position. A refused publish fails its steps and every later one of the
// room until the room takes the lease again (fence()).
void node::publisher_loop() {
    for (;;) {
        std::deque<pub_item> work;
        {
            std::unique_lock lock(pub_mu_);
            pub_cv_.wait(lock, [&] { return stopping_ || !pub_queue_.empty(); });
            if (pub_queue_.empty()) {
                return;  // stopping, nothing left
            }
            work.swap(pub_queue_);
        }
        while (!work.empty()) {
            const std::string room = work.front().room;
            store::batch group;
            std::vector<std::function<void(bool)>> dones;
            for (auto it = work.begin(); it != work.end();) {
                if (it->room != room) {
                    ++it;
                    continue;
                }
                group.commands.insert(group.commands.end(), it->batch->commands.begin(), it->batch->commands.end());
                group.events.insert(group.events.end(), it->batch->events.begin(), it->batch->events.end());
                dones.push_back(std::move(it->done));
                it = work.erase(it);
            }
            fence_state f;
            {
                std::lock_guard lock(pub_mu_);
                f = fences_[room];
            }
            bool ok = false;
            if (f.valid && linked_.load()) {
                const std::string body = encode_step(id_, f.term, group);
                jsPubOptions po;
                jsPubOptions_Init(&po);
                po.ExpectStream = stream_name;
                po.ExpectLastSubjectSeq = f.last;
                po.MaxWait = js_wait_ms;
                jsPubAck* pa = nullptr;
                jsErrCode jerr = static_cast<jsErrCode>(0);
                const natsStatus s = js_Publish(&pa, js_, ("lr.log." + room_token(room)).c_str(), body.data(),
                                                static_cast<int>(body.size()), &po, &jerr);
                if (s == NATS_OK && pa != nullptr) {
                    ok = true;
                    published_steps.add();
                    std::lock_guard lock(pub_mu_);
                    auto& cur = fences_[room];
                    if (cur.valid && cur.term == f.term) {
                        cur.last = pa->Sequence;
                    }
                } else {
                    if (jerr == JSStreamWrongLastSequenceErr) {
                        fenced_out.add();
                        LR_WARN("cluster", "room %s: another node wrote to it; this node's step is refused",
                                room.c_str());
                    } else {
                        LR_WARN("cluster", "room %s: a step could not be stored: %s (%d)", room.c_str(),
                                text(s).c_str(), static_cast<int>(jerr));
                    }
                    std::lock_guard lock(pub_mu_);
                    fences_[room].valid = false;
                }
                jsPubAck_Destroy(pa);
            }
            for (auto& d : dones) {
                d(ok);
            }
        }
    }
}

// ---- forwarding -------------------------------------------------------

void node::forward(const std::string& room,
                   const room::actor& who,
                   const std::string& raw,
                   const std::string& id,
                   std::int64_t elapsed_ms,
                   std::function<void(std::string)> reply) {
    forwarded.add();
    protocol::json_out j;
    j.begin_object().field("a", who.id).field("n", who.name).field("r", static_cast<int>(who.role));
    j.field("e", elapsed_ms).field("b", raw);
    if (reply) {
        j.field("i", id);
    }
    const std::string body(j.finish());
    const std::string subject = "lr.req." + room_token(room);
    natsStatus s = NATS_OK;
    if (!reply) {
        s = natsConnection_Publish(nc_, subject.c_str(), body.data(), static_cast<int>(body.size()));
        return;
    }
    std::uint64_t token = 0;
    {
        std::lock_guard lock(mu_);
        token = ++next_reply_;
        replies_[token] = {reply, id, std::chrono::steady_clock::now() + forward_timeout};
    }
    const std::string reply_to = inbox_ + std::to_string(token);
    s = natsConnection_PublishRequest(nc_, subject.c_str(), reply_to.c_str(), body.data(),
                                      static_cast<int>(body.size()));
    if (s != NATS_OK) {
        std::function<void(std::string)> fn;
        {
            std::lock_guard lock(mu_);
            auto it = replies_.find(token);
            if (it == replies_.end()) {
                return;
            }
            fn = std::move(it->second.reply);
            replies_.erase(it);
        }
        fn(error_json(id, true, protocol::errc::rate_limited,
                      "this server cannot reach the room right now; reconnect"));
    }
}

void node::on_reply(void* raw) {
    auto* m = static_cast<natsMsg*>(raw);
    const std::string_view tok = token_of(natsMsg_GetSubject(m));
    std::uint64_t token = 0;
    for (const char c : tok) {
        token = token * 10 + static_cast<std::uint64_t>(c - '0');
    }
    std::function<void(std::string)> fn;
    {
        std::lock_guard lock(mu_);
        auto it = replies_.find(token);
        if (it != replies_.end()) {
            fn = std::move(it->second.reply);
            replies_.erase(it);
        }
    }
    if (fn) {
        fn(std::string(data_of(m)));
    }
    natsMsg_Destroy(m);
}

void node::expire_forwards() {
    std::vector<pending_reply> late;
    {
        std::lock_guard lock(mu_);
        const auto now = std::chrono::steady_clock::now();
        for (auto it = replies_.begin(); it != replies_.end();) {
            if (it->second.deadline <= now) {
                late.push_back(std::move(it->second));
                it = replies_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& p : late) {
        p.reply(error_json(p.id, true, protocol::errc::rate_limited,
                           "the room's server did not answer in time; try again"));
    }
}

void node::on_request(void* raw) {
    const char* reply_c = natsMsg_GetReply(static_cast<natsMsg*>(raw));
    std::string reply_to = reply_c != nullptr ? reply_c : "";
    auto [r, d] = take_json(raw);
    if (!r) {
        return;
    }
    const room::actor who = actor_of(d);
    auto b = d.FindMember("b");
    auto e = d.FindMember("e");
    if (b == d.MemberEnd() || !b->value.IsString()) {
        return;
    }
    auto decoded = protocol::decode_request(std::string_view(b->value.GetString(), b->value.GetStringLength()));
    auto* req = std::get_if<protocol::request>(&decoded);
    if (req == nullptr) {
        return;  // checked by the forwarding node already
    }
    if (auto i = d.FindMember("i"); i != d.MemberEnd() && i->value.IsString()) {
        req->id.assign(i->value.GetString(), i->value.GetStringLength());
        req->has_id = true;
    }
    room::server_inputs in;
    in.elapsed_ms = e != d.MemberEnd() && e->value.IsInt64() ? e->value.GetInt64() : -1;
    auto send = [this, reply_to](std::string out) {
        if (!reply_to.empty()) {
            natsConnection_Publish(nc_, reply_to.c_str(), out.data(), static_cast<int>(out.size()));
        }
    };
    boost::asio::post(r->owner().ioc(), [r, who, req = std::move(*req), in, send]() {
        if (!r->owning()) {
            return;  // every node hears the request; only the owner answers
        }
        r->handle(who, req, core::now_ms(), send, in);
    });
}

void node::forward_join(const std::string& room, const room::actor& who) {
    const std::string body = actor_json(who);
    natsConnection_Publish(nc_, ("lr.join." + room_token(room)).c_str(), body.data(), static_cast<int>(body.size()));
}

void node::on_join(void* raw) {
    auto [r, d] = take_json(raw);
    if (r) {
        boost::asio::post(r->owner().ioc(), [r, who = actor_of(d)] { r->on_remote_join(who, core::now_ms()); });
    }
}

void node::publish_mod(const std::string& room, const std::string& msg) {
    natsConnection_Publish(nc_, ("lr.mod." + room_token(room)).c_str(), msg.data(), static_cast<int>(msg.size()));
}

void node::on_mod(void* raw) {
    auto* m = static_cast<natsMsg*>(raw);
    auto r = room_of_subject(natsMsg_GetSubject(m));
    std::string msg(data_of(m));
    natsMsg_Destroy(m);
    if (r) {
        boost::asio::post(r->owner().ioc(), [r, msg = std::move(msg)] {
            if (!r->owning()) {  // the owner sent it to its own moderators already
                r->on_remote_mod(msg);
            }
        });
    }
}

// ---- counters ---------------------------------------------------------

void node::report_presence() {
    for (const auto& r : hub_.list()) {
        if (r->owning_any_thread()) {
            continue;
        }
        const protocol::presence p = r->counters().read();
        protocol::json_out j;
        j.begin_object().field("node", id_).field("online", p.online).field("views", p.views).field("likes", p.likes);
        const std::string_view body = j.finish();
        natsConnection_Publish(nc_, ("lr.pres." + room_token(r->id())).c_str(), body.data(),
                               static_cast<int>(body.size()));
    }
}

void node::on_presence(void* raw) {
    auto [r, d] = take_json(raw);
    if (!r) {
        return;
    }
    auto get = [&](const char* k) -> std::int64_t {
        auto it = d.FindMember(k);
        return it != d.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
    };
    auto n = d.FindMember("node");
    if (n == d.MemberEnd() || !n->value.IsString()) {
        return;
    }
    boost::asio::post(r->owner().ioc(),
                      [r, node = std::string(n->value.GetString()), online = get("online"), views = get("views"),
                       likes = get("likes")] { r->on_remote_presence(node, online, views, likes, core::now_ms()); });
}

// ---- the link and the lease loop --------------------------------------

void node::on_disconnected() {
    if (!linked_.exchange(false)) {
        return;
    }
    LR_WARN("cluster", "node %s lost its link to the cluster: its rooms stop taking requests", id_.c_str());
    {
        std::lock_guard lock(mu_);
        held_.clear();
    }
    {
        std::lock_guard lock(pub_mu_);
        for (auto& [room, f] : fences_) {
            f.valid = false;
        }
    }
    for (const auto& r : hub_.list()) {
        boost::asio::post(r->owner().ioc(), [r] { r->on_link(false); });
    }
}

void node::on_reconnected() {
    if (linked_.exchange(true)) {
        return;
    }
    LR_INFO("cluster", "node %s is linked to the cluster again: reading its rooms' streams", id_.c_str());
    for (const auto& r : hub_.list()) {
        boost::asio::post(r->owner().ioc(), [r] { r->on_link(true); });
    }
    lease_cv_.notify_all();
}

void node::start() {
    running_ = true;
    lease_ = std::thread([this] { lease_loop(); });
}

void node::lease_loop() {
    std::unique_lock lock(lease_mu_);
    for (;;) {
        lock.unlock();
        if (linked_.load()) {
            follow_pending();
            discover_rooms();
            lease_pass();
            report_presence();
        }
        expire_forwards();
        lock.lock();
        {
            std::lock_guard g(pub_mu_);
            if (stopping_) {
                return;
            }
        }
        lease_cv_.wait_for(lock, lease_period);
        std::lock_guard g(pub_mu_);
        if (stopping_) {
            return;
        }
    }
}

// Every room's lease: renew those held, take those nobody holds, and tell
// rooms whether they own.
void node::lease_pass() {
    for (const auto& r : hub_.list()) {
        const std::string key = room_token(r->id());
        kvEntry* e = nullptr;
        natsStatus s = kvStore_Get(&e, owners_kv_, key.c_str());
        std::string owner;
        bool mine = false;
        if (s == NATS_OK) {
            owner = kvEntry_ValueString(e);
            const std::uint64_t rev = kvEntry_Revision(e);
            if (owner == id_) {
                std::uint64_t next = 0;
                mine = kvStore_Update(&next, owners_kv_, key.c_str(), id_.data(), static_cast<int>(id_.size()), rev) ==
                       NATS_OK;
                if (!mine) {
                    owner.clear();
                }
            }
            kvEntry_Destroy(e);
        } else if (s == NATS_NOT_FOUND) {
            std::uint64_t rev = 0;
            mine = kvStore_Create(&rev, owners_kv_, key.c_str(), id_.data(), static_cast<int>(id_.size())) == NATS_OK;
            if (mine) {
                owner = id_;
                LR_INFO("cluster", "room %s: this node took its lease", r->id().c_str());
            }
        } else {
            continue;  // cannot tell now; the next pass will
        }
        {
            std::lock_guard lock(mu_);
            owners_[r->id()] = owner;
            if (mine) {
                held_.insert(r->id());
            } else {
                held_.erase(r->id());
            }
        }
        if (mine && !r->owning_any_thread()) {
            std::uint64_t last = last_position(r->id());
            if (last == 0) {
                // Its creator died before storing the first step: store it
                // now, so that this node's publishes are fenced too.
                store_first_step(r->id(), false);
                last = last_position(r->id());
            }
            if (last == 0) {
                continue;  // never own a room unfenced; the next pass tries again
            }
            boost::asio::post(r->owner().ioc(), [r, last] { r->promote(last); });
        } else if (!mine && r->owning_any_thread()) {
            boost::asio::post(r->owner().ioc(), [r] { r->demote(); });
        }
    }
}

std::string node::status_json() const {
    protocol::json_out j;
    j.begin_object().field("node", id_).field("linked", linked_.load());
    j.key("rooms");
    j.w().StartArray();
    std::map<std::string, std::string> owners;
    {
        std::lock_guard lock(mu_);
        owners = owners_;
    }
    for (const auto& r : hub_.list()) {
        j.w().StartObject();
        auto it = owners.find(r->id());
        j.field("id", r->id()).field("owner", it != owners.end() ? it->second : std::string());
        j.field("owning", r->owning_any_thread()).field("seq", r->seq_any_thread());
        j.field("caught_up", r->caught_up_any_thread());
        j.w().EndObject();
    }
    j.w().EndArray();
    return std::string(j.finish());
}

}  // namespace liveroom::cluster
