// Checks of web/js/liveroom.js in Node against a scripted fake WebSocket:
// batching, skipped ranges, gap → reconnect with since, resume, requests
// (ack, error, timeout, disconnect), guest tokens, close codes and backoff.
// Used by run.mjs before the browser checks; `node lib-checks.mjs` runs them alone.

import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

class FakeSocket {
    static all = [];
    constructor(url) {
        this.url = url;
        this.readyState = 0;
        this.sent = [];
        this.closedWith = null;
        FakeSocket.all.push(this);
        setTimeout(() => {
            if (this.readyState !== 0) return;
            this.readyState = 1;
            this.onopen && this.onopen();
        }, 0);
    }
    send(text) {
        this.sent.push(JSON.parse(text));
    }
    close(code, reason) {
        if (this.readyState === 3) return;
        this.readyState = 3;
        this.closedWith = code;
        setTimeout(() => this.onclose && this.onclose({ code: code || 1005, reason: reason || '' }), 0);
    }
    // server side
    push(...objects) {
        this.onmessage && this.onmessage({ data: objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') });
    }
    drop(code = 1006) {
        this.readyState = 3;
        this.onclose && this.onclose({ code, reason: '' });
    }
}

function memoryStorage() {
    const m = new Map();
    return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), map: m };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

async function until(cond, ms = 2000) {
    const end = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > end) throw new Error('condition not met within ' + ms + ' ms');
        await tick(5);
    }
}

function expect(cond, message) {
    if (!cond) throw new Error(message);
}

const welcome = (seq, extra = {}) => ({
    type: 'welcome',
    room: 'demo',
    you: { id: 'g-1', name: '张三', role: 'viewer' },
    seq,
    resumed: false,
    server_time: Date.now() + 5000,
    state: { status: 'live', ends_at: 0, card: null, notice: '', questions: [], comments: [], quiz: null, presence: { online: 1, peak: 1, views: 1, likes: 0 } },
    ...extra,
});
const ev = (seq, type = 'notice', fields = { text: 'n' + seq }) => ({ type, seq, ts: Date.now(), ...fields });

export async function libChecks(check) {
    globalThis.WebSocket = FakeSocket;
    const lib = await import(join(here, '..', '..', 'web', 'js', 'liveroom.js'));
    const { connect, parseMessage, covered, backoffDelay, sha256OfHex, peekToken } = lib;
    const open = (opts = {}) => {
        const storage = opts.storage || memoryStorage();
        const c = connect('ws://test/ws', { room: 'demo', name: '张三', storage, pingInterval: 0, backoff: { base: 20, max: 80 }, ...opts });
        return { c, storage };
    };
    const latest = () => FakeSocket.all[FakeSocket.all.length - 1];
    const joined = async (c, w) => {
        await until(() => latest().sent.some((m) => m.type === 'hello'));
        const s = latest();
        s.push(w);
        await until(() => c.state === 'live');
        return s;
    };

    await check('library: helpers (parseMessage, covered, backoffDelay, sha256OfHex, peekToken)', async () => {
        const objs = parseMessage('{"type":"a"}\n\n{"type":"b","x":"1\\n2"}\nnot json\n{"type":"c"}');
        expect(objs.map((o) => o.type).join() === 'a,b,c' && objs[1].x === '1\n2', 'parseMessage: ' + JSON.stringify(objs));
        expect(covered([{ from: 3, to: 5 }, { from: 6, to: 9 }], 4, 8), 'covered: adjacent ranges');
        expect(!covered([{ from: 3, to: 5 }, { from: 7, to: 9 }], 4, 8), 'covered: hole at 6');
        expect(covered([], 5, 4), 'covered: empty interval');
        for (let a = 0; a < 12; a++) {
            const d = backoffDelay(a, 500, 30000);
            const top = Math.min(30000, 500 * 2 ** a);
            expect(d >= top / 2 && d <= top, `backoff ${a}: ${d}`);
        }
        const h = await sha256OfHex('00ff');
        expect(h === '06eb7d6a69ee19e5fbdf749018d3d2abfa04bcbd1365db312eb86dc7169389b8', 'sha256OfHex: ' + h);
        const tok = 'x.' + Buffer.from(JSON.stringify({ sub: 'u', name: '主持人', role: 'host' })).toString('base64url') + '.y';
        expect(peekToken(tok).name === '主持人', 'peekToken');
    });

    await check('library: hello, batched welcome and events, skipped ranges, clock offset', async () => {
        const { c } = open();
        const seen = [];
        let snapshot = null;
        c.on('event', (e) => seen.push(e.seq));
        c.on('snapshot', (s) => (snapshot = s));
        await until(() => latest().sent.length > 0);
        const hello = latest().sent[0];
        expect(hello.type === 'hello' && hello.room === 'demo' && hello.name === '张三' && hello.since === undefined && !hello.token, 'hello: ' + JSON.stringify(hello));
        latest().push(welcome(5), ev(6), ev(7));
        await until(() => seen.length === 2);
        expect(snapshot && c.seq === 7 && c.state === 'live', 'seq after batch: ' + c.seq);
        expect(Math.abs(c.serverNow() - (Date.now() + 5000)) < 1000, 'clock offset: ' + (c.serverNow() - Date.now()));
        latest().push({ type: 'skipped', from: 8, to: 10 }, ev(9, 'card', { card: { id: 'k' } }), ev(11));
        await until(() => c.seq === 11);
        expect(seen.join() === '6,7,9,11', 'events: ' + seen.join());
        latest().push(ev(11), ev(10)); // duplicates are ignored
        await tick(20);
        expect(seen.join() === '6,7,9,11' && FakeSocket.all.length === 1, 'duplicates changed something');
        c.close();
    });

    await check('library: a seq gap reconnects with since and the resumed stream continues', async () => {
        const { c } = open();
        let gaps = 0;
        let snapshots = 0;
        const seen = [];
        c.on('gap', () => gaps++);
        c.on('snapshot', () => snapshots++);
        c.on('event', (e) => seen.push(e.seq));
        const first = await joined(c, welcome(20));
        const before = FakeSocket.all.length;
        first.push(ev(21), ev(23), ev(24)); // 22 is missing and not skipped
        await until(() => FakeSocket.all.length === before + 1);
        expect(gaps === 1 && first.closedWith === 4000, 'gap not handled');
        await until(() => latest().sent.some((m) => m.type === 'hello'));
        const hello = latest().sent.find((m) => m.type === 'hello');
        expect(hello.since === 21, 'since after gap: ' + hello.since);
        latest().push({ ...welcome(24), resumed: true, state: undefined }, ev(22), ev(23), ev(24));
        await until(() => c.seq === 24);
        expect(seen.join() === '21,22,23,24' && snapshots === 1, 'events after resume: ' + seen.join() + ' snapshots ' + snapshots);
        c.close();
    });

    await check('library: requests resolve on ack, reject on error, timeout and disconnect', async () => {
        const { c } = open();
        await joined(c, welcome(1));
        const s = latest();
        const p1 = c.request('comment', { text: 'hi' });
        const sent = s.sent[s.sent.length - 1];
        expect(sent.type === 'comment' && sent.text === 'hi' && typeof sent.id === 'string', 'sent: ' + JSON.stringify(sent));
        s.push({ type: 'ack', id: sent.id, cid: 'm1', text: 'hi' });
        const ack = await p1;
        expect(ack.cid === 'm1', 'ack');
        const p2 = c.request('ask', { text: 'x' });
        s.push({ type: 'error', id: s.sent[s.sent.length - 1].id, code: 'rate_limited', message: 'slow down' });
        const e2 = await p2.then(() => null, (e) => e);
        expect(e2 && e2.code === 'rate_limited' && e2.message === 'slow down', 'error: ' + e2);
        const e3 = await c.request('vote', { qid: 'q1' }, { timeout: 30 }).then(() => null, (e) => e);
        expect(e3 && e3.code === 'timeout', 'timeout: ' + e3);
        const p4 = c.request('like', {});
        s.drop(1006);
        const e4 = await p4.then(() => null, (e) => e);
        expect(e4 && e4.code === 'disconnected', 'disconnect: ' + e4);
        expect(c.state === 'reconnecting', 'state after drop: ' + c.state);
        const e5 = await c.request('ping').then(() => null, (e) => e);
        expect(e5 && e5.code === 'offline', 'offline: ' + e5);
        c.close();
    });

    await check('library: guest token kept per room and reused; a refused one is forgotten', async () => {
        const storage = memoryStorage();
        const { c } = open({ storage });
        const s1 = await joined(c, welcome(3, { you: { id: 'g-7', name: '张三', role: 'viewer', token: 'guest.jwt.1' } }));
        expect(storage.getItem('liveroom.guest.demo') === 'guest.jwt.1', 'token not stored');
        expect(c.you.token === undefined && c.you.id === 'g-7', 'you: ' + JSON.stringify(c.you));
        s1.drop(1001);
        await until(() => FakeSocket.all.length && latest() !== s1 && latest().sent.some((m) => m.type === 'hello'), 3000);
        const hello = latest().sent.find((m) => m.type === 'hello');
        expect(hello.token === 'guest.jwt.1' && hello.since === 3, 'reconnect hello: ' + JSON.stringify(hello));
        // the server refuses the stored token: forget it and join again as a new guest
        const s2 = latest();
        s2.push({ type: 'error', id: 'hello', code: 'forbidden', message: 'expired' });
        s2.drop(1008);
        await until(() => latest() !== s2 && latest().sent.some((m) => m.type === 'hello'), 3000);
        const again = latest().sent.find((m) => m.type === 'hello');
        expect(!again.token && storage.getItem('liveroom.guest.demo') === null, 'stale token reused: ' + JSON.stringify(again));
        c.close();
    });

    await check('library: close 1008 stops (offline, denied); other closes back off and reconnect', async () => {
        const { c } = open({ token: 'staff.jwt' });
        const states = [];
        let denied = null;
        c.on('connection', (s) => states.push(s.state));
        c.on('denied', (d) => (denied = d));
        await until(() => latest().sent.some((m) => m.type === 'hello'));
        const s = latest();
        expect(s.sent[0].token === 'staff.jwt', 'staff token not sent');
        const count = FakeSocket.all.length;
        s.push({ type: 'error', id: 'hello', code: 'forbidden', message: 'bad signature' });
        s.drop(1008);
        await tick(200);
        expect(c.state === 'offline' && denied && denied.message === 'bad signature', 'state ' + c.state);
        expect(FakeSocket.all.length === count, 'reconnected after 1008');
        c.close();

        const { c: c2 } = open();
        const s2 = await joined(c2, welcome(1));
        const n = FakeSocket.all.length;
        s2.drop(1006);
        expect(c2.state === 'reconnecting', 'after 1006: ' + c2.state);
        await until(() => FakeSocket.all.length === n + 1, 1000);
        latest().drop(1006); // fails again: the next delay grows
        await until(() => FakeSocket.all.length === n + 2, 1000);
        const s3 = latest();
        await until(() => s3.sent.length > 0);
        s3.push({ ...welcome(1), resumed: true, state: undefined });
        await until(() => c2.state === 'live');
        c2.close();
        expect(c2.state === 'offline', 'close() must end offline');
    });
}

// standalone: node lib-checks.mjs
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
    const { runStandalone } = await import('./standalone.mjs');
    await runStandalone(libChecks);
}
