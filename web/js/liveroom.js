/**
 * liveroom.js — the browser client library for the liveroom wire protocol v1.
 *
 * Plain ES module, no dependencies, no build step. Pages import it from
 * `/js/liveroom.js`; third parties may copy it as a whole.
 *
 *   import { connect } from '/js/liveroom.js';
 *
 *   const client = connect('/ws', { room: 'demo', name: '张三' });
 *   client.on('connection', ({ state }) => console.log(state));  // connecting | live | reconnecting | offline
 *   client.on('snapshot', (state, welcome) => render(state));     // a full state (first join, or resume impossible)
 *   client.on('card', (ev) => showCard(ev.card));                 // any room event by its type
 *   client.on('event', (ev) => {});                               // every room event (has seq and ts)
 *   client.on('mod.question', (ev) => {});                        // moderators' private events
 *   const ack = await client.request('comment', { text: '你好' }); // resolves with the ack, rejects with LiveroomError
 *
 * connect(url, options) → Client
 *   url        WebSocket URL; relative ('/ws') is resolved against the page (ws: or wss:).
 *   options    room     (required) room id
 *              token    JWT (host, moderator, viewer); omitted: join as a guest
 *              name     display name for a guest
 *              resume   true (default): reconnect with `since` (the last seq seen);
 *                       false: always ask for a full snapshot (consoles that need mod state)
 *              requestTimeout  ms before a request without ack/error rejects ('timeout'); default 10000
 *              pingInterval    ms between keep-alive pings while live; default 25000 (0: none)
 *              backoff  {base: 500, max: 30000} ms for the jittered exponential reconnect delay
 *              storage  where the guest token is kept (default: sessionStorage), key `liveroom.guest.<room>`
 *
 * Client
 *   .state            'connecting' | 'live' | 'reconnecting' | 'offline'
 *   .seq              the last room seq applied (or treated as seen through `skipped`)
 *   .you              {id, name, role} from the last welcome
 *   .on(type, fn) / .off(type, fn) / .once(type, fn)     → .on returns an unsubscribe function
 *   .request(type, fields, {timeout}) → Promise<ack>     rejects with LiveroomError {code, message}
 *                     codes from the server (bad_request, rate_limited, forbidden, …) and
 *                     local ones: 'offline' (not live), 'timeout', 'disconnected' (the socket
 *                     closed before an answer came; the request may or may not have been applied)
 *   .send(type, fields)  fire and forget (no id); returns false when not live
 *   .serverNow()      Date.now() corrected by the offset measured from welcome.server_time and ping acks
 *   .reconnect()      drop the socket and reconnect now (keeps `since`)
 *   .setName(name)    change the guest name: forgets the guest token and rejoins as a new guest
 *   .close()          stop for good (state 'offline')
 *
 * Emitted events
 *   'connection' {state, attempt, delay?, reason?}   every change of .state
 *   'welcome'    the welcome object (every join; resumed true/false)
 *   'snapshot'   (state, welcome) when the welcome carries a full state
 *   '<room event type>'  e.g. 'card', 'notice', 'question', 'comment', 'comment.removed', 'presence',
 *                'room.status', 'quiz.open', 'quiz.tally', 'quiz.close', 'draw.result'
 *   'event'      every room event, after its own type
 *   'mod.*'      by type ('mod.question', 'mod.counters', 'mod.mode', …), and 'mod' for all of them
 *   'skipped'    {from, to}: the server skipped droppable events on purpose
 *   'gap'        {expected, got}: a seq jump not covered by `skipped`; the client reconnects with since
 *   'error'      an error the server sent without a request id (or for an id no longer pending)
 *   'denied'     {code, message}: the server refused the hello (bad token, no such room, guests not
 *                allowed); the client stops ('offline') unless it was a stale guest token
 *
 * Wire details handled here
 *   - A server message may hold several JSON objects separated by "\n"; each is parsed alone.
 *   - Seq: after a non-resumed welcome the seq is welcome.seq; each room event must be seq+1.
 *     A `skipped` {from,to} marks those seqs as seen. Any other jump is a gap: the socket is
 *     dropped and a new hello carries since = last seq, so the server replays what is missing
 *     (or sends a fresh snapshot when it no longer holds it).
 *   - Reconnect delay: random in [d/2, d] with d = min(max, base·2^attempt); 1013 (too slow)
 *     and gaps reconnect at once; 1008 (policy) stops, except a refused stale guest token,
 *     which is forgotten before joining again as a new guest.
 *   - Guests: the welcome's you.token is kept in sessionStorage per room and sent as `token`
 *     on the next hello, so a guest keeps its id (votes, answers) across reconnects and reloads.
 *   - Clock: offset = server_time − midpoint of hello→welcome; refined by each ping ack
 *     (smallest round trip wins).
 */

const DEFAULTS = {
    resume: true,
    requestTimeout: 10000,
    pingInterval: 25000,
    pingTimeout: 10000,
    openTimeout: 10000,
    backoff: { base: 500, max: 30000 },
};

/** An error answered by the server, or a local failure of a request. */
export class LiveroomError extends Error {
    constructor(code, message, id) {
        super(message || code);
        this.name = 'LiveroomError';
        this.code = code;
        this.id = id;
    }
}

/** Minimal event emitter. */
export class Emitter {
    constructor() {
        this._handlers = new Map();
    }
    on(type, fn) {
        if (!this._handlers.has(type)) this._handlers.set(type, new Set());
        this._handlers.get(type).add(fn);
        return () => this.off(type, fn);
    }
    off(type, fn) {
        const set = this._handlers.get(type);
        if (set) set.delete(fn);
    }
    once(type, fn) {
        const off = this.on(type, (...args) => {
            off();
            fn(...args);
        });
        return off;
    }
    emit(type, ...args) {
        const set = this._handlers.get(type);
        if (!set) return;
        for (const fn of [...set]) {
            try {
                fn(...args);
            } catch (e) {
                // A failing handler must not break the connection.
                setTimeout(() => {
                    throw e;
                });
            }
        }
    }
}

/** Splits one server message into its JSON objects (batching: "\n" between objects). */
export function parseMessage(text) {
    const out = [];
    for (const line of String(text).split('\n')) {
        if (!line.trim()) continue;
        try {
            const obj = JSON.parse(line);
            if (obj && typeof obj === 'object' && typeof obj.type === 'string') out.push(obj);
        } catch {
            // ignore a malformed line; the rest of the message still counts
        }
    }
    return out;
}

/** True when every seq in [a, b] lies in one of the ranges [{from, to}]. */
export function covered(ranges, a, b) {
    if (a > b) return true;
    const sorted = [...ranges].sort((x, y) => x.from - y.from);
    let next = a;
    for (const r of sorted) {
        if (r.from > next) break;
        if (r.to >= next) next = r.to + 1;
        if (next > b) return true;
    }
    return next > b;
}

/** Jittered exponential backoff: a delay in [d/2, d], d = min(max, base·2^attempt). */
export function backoffDelay(attempt, base = 500, max = 30000, random = Math.random) {
    const d = Math.min(max, base * Math.pow(2, Math.max(0, attempt)));
    return Math.round(d / 2 + random() * (d / 2));
}

function resolveUrl(url) {
    const loc = typeof location !== 'undefined' ? location : null;
    const u = new URL(url || '/ws', loc ? loc.href : 'http://localhost/');
    if (u.protocol === 'http:') u.protocol = 'ws:';
    else if (u.protocol === 'https:') u.protocol = 'wss:';
    return u.href;
}

function defaultStorage() {
    try {
        return typeof sessionStorage !== 'undefined' ? sessionStorage : null;
    } catch {
        return null; // storage disabled
    }
}

export class Client extends Emitter {
    constructor(url, options) {
        super();
        if (!options || !options.room) throw new Error('liveroom: options.room is required');
        this.url = resolveUrl(url);
        this.opts = { ...DEFAULTS, ...options, backoff: { ...DEFAULTS.backoff, ...(options.backoff || {}) } };
        this.room = options.room;
        this.token = options.token || null;
        this.name = options.name || '';
        this.storage = options.storage === undefined ? defaultStorage() : options.storage;
        this.state = 'offline';
        this.seq = null; // last seq applied or seen
        this.you = null;
        this.welcome = null;
        this.offset = 0; // server clock − local clock, ms
        this._bestRtt = Infinity;
        this._ws = null;
        this._attempt = 0;
        this._everLive = false;
        this._timer = null;
        this._pingTimer = null;
        this._openTimer = null;
        this._nextId = 1;
        this._pending = new Map();
        this._skipped = [];
        this._closed = false;
        this._joined = false;
        this._usingGuestToken = false;
        this._helloSentAt = 0;
        this._onOnline = () => {
            if (!this._closed && this.state !== 'live' && this.state !== 'connecting') this._connectNow();
        };
        this._onOffline = () => {
            if (!this._closed && this.state !== 'live') this._setState('offline', { reason: 'network' });
        };
        this._onVisible = () => {
            if (typeof document !== 'undefined' && document.visibilityState === 'visible' && this.state === 'reconnecting') {
                this._connectNow();
            }
        };
        if (typeof window !== 'undefined' && window.addEventListener) {
            window.addEventListener('online', this._onOnline);
            window.addEventListener('offline', this._onOffline);
        }
        if (typeof document !== 'undefined' && document.addEventListener) {
            document.addEventListener('visibilitychange', this._onVisible);
        }
        this._open();
    }

    get _guestKey() {
        return 'liveroom.guest.' + this.room;
    }

    _loadGuestToken() {
        try {
            return this.storage ? this.storage.getItem(this._guestKey) : null;
        } catch {
            return null;
        }
    }

    _saveGuestToken(token) {
        try {
            if (!this.storage) return;
            if (token) this.storage.setItem(this._guestKey, token);
            else this.storage.removeItem(this._guestKey);
        } catch {
            /* storage full or disabled: the guest just gets a new id next time */
        }
    }

    _setState(state, extra = {}) {
        if (this.state === state && !extra.force) return;
        this.state = state;
        this.emit('connection', { state, attempt: this._attempt, ...extra });
    }

    serverNow() {
        return Date.now() + this.offset;
    }

    _open() {
        if (this._closed) return;
        clearTimeout(this._timer);
        this._timer = null;
        this._setState(this._everLive ? 'reconnecting' : 'connecting', { force: this._attempt > 0 });
        let ws;
        try {
            ws = new WebSocket(this.url);
        } catch (e) {
            this._scheduleReconnect('open failed');
            return;
        }
        this._ws = ws;
        this._joined = false;
        clearTimeout(this._openTimer);
        // Bound the wait for the socket and the welcome: a half-open network must not hang us.
        this._openTimer = setTimeout(() => {
            if (this._ws === ws && !this._joined) this._drop(ws, 'join timeout');
        }, this.opts.openTimeout);
        ws.onopen = () => {
            if (this._ws !== ws) return;
            const hello = { type: 'hello', id: 'hello', room: this.room };
            let token = this.token;
            this._usingGuestToken = false;
            if (!token) {
                const guest = this._loadGuestToken();
                if (guest) {
                    token = guest;
                    this._usingGuestToken = true;
                }
            }
            if (token) hello.token = token;
            if (this.name) hello.name = this.name;
            if (this.opts.resume && this.seq !== null) hello.since = this.seq;
            this._helloSentAt = Date.now();
            ws.send(JSON.stringify(hello));
        };
        ws.onmessage = (e) => {
            if (this._ws !== ws) return;
            if (typeof e.data !== 'string') return;
            for (const msg of parseMessage(e.data)) {
                if (this._ws !== ws) return; // a gap dropped the socket mid-message
                this._dispatch(msg, ws);
            }
        };
        ws.onclose = (e) => {
            if (this._ws !== ws) return;
            this._onSocketClosed(e.code, e.reason);
        };
        ws.onerror = () => {
            /* onclose follows */
        };
    }

    _onSocketClosed(code, reason) {
        this._ws = null;
        this._joined = false;
        clearTimeout(this._openTimer);
        clearInterval(this._pingTimer);
        this._pingTimer = null;
        this._failPending('disconnected', 'the connection closed before an answer came');
        if (this._closed) return;
        if (this._denied) {
            const d = this._denied;
            this._denied = null;
            if (d.retry) {
                this._attempt = 0;
                this._timer = setTimeout(() => this._open(), 50);
                return;
            }
            this._setState('offline', { reason: d.message, code: d.code, fatal: true });
            return;
        }
        if (code === 1008) {
            this._setState('offline', { reason: reason || 'policy', code: 'forbidden', fatal: true });
            return;
        }
        if (code === 1013) {
            // too slow: the server wants us back at once with since
            this._timer = setTimeout(() => this._open(), 100 + Math.random() * 400);
            this._setState('reconnecting', { delay: 0, reason: 'too slow' });
            return;
        }
        this._scheduleReconnect(code === 1001 ? 'server restarting' : 'connection lost');
    }

    _scheduleReconnect(reason) {
        if (this._closed) return;
        if (typeof navigator !== 'undefined' && navigator.onLine === false) {
            this._setState('offline', { reason: 'network' });
            return; // the 'online' event reconnects
        }
        const delay = backoffDelay(this._attempt, this.opts.backoff.base, this.opts.backoff.max);
        this._attempt++;
        this._setState(this._everLive ? 'reconnecting' : 'connecting', { delay, reason, force: true });
        clearTimeout(this._timer);
        this._timer = setTimeout(() => this._open(), delay);
    }

    _connectNow() {
        clearTimeout(this._timer);
        if (this._ws) {
            this._drop(this._ws, 'reconnect');
            return;
        }
        this._open();
    }

    /** Drops a socket: its close handler is bypassed and a reconnect is scheduled. */
    _drop(ws, reason, immediate = false) {
        if (this._ws !== ws) return;
        this._ws = null;
        try {
            ws.onclose = null;
            ws.onmessage = null;
            ws.close(4000, reason.slice(0, 60));
        } catch {
            /* already closed */
        }
        this._joined = false;
        clearTimeout(this._openTimer);
        clearInterval(this._pingTimer);
        this._pingTimer = null;
        this._failPending('disconnected', 'the connection was reset (' + reason + ')');
        if (this._closed) return;
        if (immediate) {
            this._setState('reconnecting', { delay: 0, reason });
            this._timer = setTimeout(() => this._open(), 0);
        } else {
            this._scheduleReconnect(reason);
        }
    }

    reconnect() {
        this._attempt = 0;
        this._connectNow();
    }

    setName(name) {
        this.name = name;
        if (!this.token) {
            this._saveGuestToken(null);
            this.reconnect();
        }
    }

    close() {
        this._closed = true;
        clearTimeout(this._timer);
        clearTimeout(this._openTimer);
        clearInterval(this._pingTimer);
        const ws = this._ws;
        this._ws = null;
        if (ws) {
            ws.onclose = null;
            try {
                ws.close(1000, 'bye');
            } catch {
                /* ignore */
            }
        }
        this._failPending('disconnected', 'closed');
        if (typeof window !== 'undefined' && window.removeEventListener) {
            window.removeEventListener('online', this._onOnline);
            window.removeEventListener('offline', this._onOffline);
        }
        if (typeof document !== 'undefined' && document.removeEventListener) {
            document.removeEventListener('visibilitychange', this._onVisible);
        }
        this._setState('offline', { reason: 'closed' });
    }

    _failPending(code, message) {
        for (const [id, p] of this._pending) {
            clearTimeout(p.timer);
            p.reject(new LiveroomError(code, message, id));
        }
        this._pending.clear();
    }

    _dispatch(msg, ws) {
        const type = msg.type;
        if (type === 'welcome') return this._onWelcome(msg);
        if (type === 'ack' || type === 'error') {
            if (type === 'error' && msg.id === 'hello') return this._onDenied(msg, ws);
            const p = msg.id !== undefined ? this._pending.get(msg.id) : undefined;
            if (p) {
                this._pending.delete(msg.id);
                clearTimeout(p.timer);
                if (type === 'ack') p.resolve(msg);
                else p.reject(new LiveroomError(msg.code, msg.message, msg.id));
            } else if (type === 'error') {
                this.emit('error', new LiveroomError(msg.code, msg.message, msg.id));
            }
            return;
        }
        if (type === 'skipped') {
            if (Number.isFinite(msg.from) && Number.isFinite(msg.to)) this._skipped.push({ from: msg.from, to: msg.to });
            this.emit('skipped', msg);
            return;
        }
        if (type.startsWith('mod.')) {
            this.emit(type, msg);
            this.emit('mod', msg);
            return;
        }
        if (typeof msg.seq === 'number') return this._onRoomEvent(msg, ws);
        // An unknown message without seq (a future extension): pass it on by type.
        this.emit(type, msg);
    }

    _onDenied(msg, ws) {
        if (this._usingGuestToken && msg.code === 'forbidden') {
            // The stored guest token expired or the secret changed: forget it, join as a new guest.
            this._saveGuestToken(null);
            this._denied = { retry: true, code: msg.code, message: msg.message };
        } else {
            this._denied = { retry: false, code: msg.code, message: msg.message };
            this.emit('denied', { code: msg.code, message: msg.message });
        }
        // The server closes with 1008 right after; make sure we act even if it does not.
        setTimeout(() => {
            if (this._ws === ws) {
                this._ws = null;
                try {
                    ws.close();
                } catch {
                    /* ignore */
                }
                this._onSocketClosed(1008, 'denied');
            }
        }, 2000);
    }

    _onWelcome(msg) {
        const now = Date.now();
        if (typeof msg.server_time === 'number') {
            const rtt = Math.max(0, now - this._helloSentAt);
            if (rtt <= this._bestRtt * 2 || !this._joined) {
                this.offset = msg.server_time - (this._helloSentAt + rtt / 2);
                this._bestRtt = Math.min(this._bestRtt, rtt);
            }
        }
        clearTimeout(this._openTimer);
        this._joined = true;
        this._everLive = true;
        this._attempt = 0;
        this.welcome = msg;
        if (msg.you) {
            if (msg.you.token && !this.token) this._saveGuestToken(msg.you.token);
            const { token, ...you } = msg.you;
            this.you = you;
        }
        if (msg.resumed) {
            // Events after `since` follow in order; this.seq stays where it is.
        } else {
            this.seq = typeof msg.seq === 'number' ? msg.seq : 0;
            this._skipped = [];
        }
        this._setState('live', { resumed: !!msg.resumed });
        this.emit('welcome', msg);
        if (!msg.resumed && msg.state) this.emit('snapshot', msg.state, msg);
        this._startPing();
    }

    _onRoomEvent(msg, ws) {
        const seq = msg.seq;
        if (this.seq !== null) {
            if (seq <= this.seq) return; // already applied (replayed twice)
            if (seq > this.seq + 1 && !covered(this._skipped, this.seq + 1, seq - 1)) {
                this.emit('gap', { expected: this.seq + 1, got: seq });
                // Resume at once, unless gaps keep coming (then back off like any other failure).
                const now = Date.now();
                this._gapTimes = (this._gapTimes || []).filter((t) => now - t < 30000);
                this._gapTimes.push(now);
                this._drop(ws, 'gap', this._gapTimes.length <= 3);
                return;
            }
        }
        this.seq = seq;
        this._skipped = this._skipped.filter((r) => r.to > seq);
        this.emit(msg.type, msg);
        this.emit('event', msg);
    }

    _startPing() {
        clearInterval(this._pingTimer);
        this._pingTimer = null;
        if (!this.opts.pingInterval) return;
        this._pingTimer = setInterval(() => this.ping().catch(() => {}), this.opts.pingInterval);
    }

    /** Sends a ping; resolves with the round trip in ms and refines the clock offset. */
    ping() {
        const sent = Date.now();
        const ws = this._ws;
        return this.request('ping', {}, { timeout: this.opts.pingTimeout }).then(
            (ack) => {
                const now = Date.now();
                const rtt = now - sent;
                if (typeof ack.server_time === 'number' && rtt <= this._bestRtt * 1.5 + 20) {
                    this.offset = ack.server_time - (sent + rtt / 2);
                    this._bestRtt = Math.min(this._bestRtt, rtt);
                }
                return rtt;
            },
            (err) => {
                // No answer to a ping: the connection is dead even if the socket says otherwise.
                if (err.code === 'timeout' && ws && this._ws === ws) this._drop(ws, 'ping timeout');
                throw err;
            },
        );
    }

    /** Sends a request with an id; resolves with the ack, rejects with a LiveroomError. */
    request(type, fields = {}, { timeout } = {}) {
        const ws = this._ws;
        if (!ws || !this._joined || ws.readyState !== 1) {
            return Promise.reject(new LiveroomError('offline', 'not connected'));
        }
        const id = 'r' + this._nextId++;
        return new Promise((resolve, reject) => {
            const ms = timeout || this.opts.requestTimeout;
            const timer = setTimeout(() => {
                if (this._pending.delete(id)) reject(new LiveroomError('timeout', 'no answer within ' + ms + ' ms', id));
            }, ms);
            this._pending.set(id, { resolve, reject, timer });
            try {
                ws.send(JSON.stringify({ ...fields, type, id }));
            } catch (e) {
                clearTimeout(timer);
                this._pending.delete(id);
                reject(new LiveroomError('offline', 'send failed', id));
            }
        });
    }

    /** Sends a request without id (no ack; only failures are answered). */
    send(type, fields = {}) {
        const ws = this._ws;
        if (!ws || !this._joined || ws.readyState !== 1) return false;
        ws.send(JSON.stringify({ ...fields, type }));
        return true;
    }
}

/** Opens a client; see the top of this file. */
export function connect(url, options) {
    return new Client(url, options);
}

/** Lowercase hex SHA-256 of the bytes a hex string encodes (for draw seeds); null without crypto.subtle. */
export async function sha256OfHex(hex) {
    const clean = String(hex || '').trim();
    if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error('seed is not a hex string');
    const bytes = new Uint8Array(clean.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.substr(i * 2, 2), 16);
    if (typeof crypto === 'undefined' || !crypto.subtle) return null;
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Decodes a JWT's payload without verifying it (for showing who a token is for). */
export function peekToken(token) {
    try {
        const part = String(token).split('.')[1];
        const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4);
        const bin = atob(b64);
        const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
        return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
        return null;
    }
}
