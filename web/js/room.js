// The viewer's live room: /room/{id}. Uses the client library for the
// connection and model.js for the room's state; renders with text nodes only.

import { connect } from './liveroom.js';
import { t, apply as applyI18n, setLang, getLang, onLangChange, clock } from './i18n.js';
import { emptyRoom, fromSnapshot, applyEvent, sortedQuestions } from './model.js';
import { el, $, setText, setLines, safeUrl, batched, roomFromPath, storeGet, storeSet } from './dom.js';
import { createQuizPanel } from './quiz_panel.js';
import { createDrawsPanel } from './draws_panel.js';
import { createCommentsPanel, friendlyError } from './comments_panel.js';
import { createReplay } from './replay.js';

const roomId = roomFromPath();
const html = document.documentElement;

// ---- preferences -------------------------------------------------------------

function setLarge(on) {
    html.classList.toggle('large', on);
    $('#btn-large').setAttribute('aria-pressed', on ? 'true' : 'false');
    storeSet('local', 'liveroom.large', on ? '1' : null);
}

setLarge(storeGet('local', 'liveroom.large') === '1');
applyI18n();

// ---- state ---------------------------------------------------------------------

let live = emptyRoom(); // the live room
let view = live; // what is rendered: the live room, or the replay's position
let replaying = false;
let segTitles = [];
const deck = new Map(); // cards from the REST API (staff with a token on this device)
let roomTitle = '';

const votesKey = 'liveroom.votes.' + roomId;
const myVotes = new Set(JSON.parse(storeGet('session', votesKey) || '[]'));
const myHeld = new Map(); // qid → {text, ts}: my questions awaiting review
const openCards = new Set(); // question ids whose answer card is unfolded

const client = connect('/ws', { room: roomId, name: storeGet('local', 'liveroom.name') || '' });
window.liveroom = client; // for the console of curious viewers and for the browser tests

const panelArgs = { client, roomId, getView: () => view, isReplaying: () => replaying, showMsg };
const quiz = createQuizPanel(panelArgs);
const draws = createDrawsPanel(panelArgs);
const comments = createCommentsPanel(panelArgs);
const replay = createReplay({
    roomId,
    knownCards: () => live.cards,
    onSeek(m, atEnd) {
        replaying = !atEnd;
        view = replaying ? m : live;
        renderAll();
    },
});

// ---- connection ------------------------------------------------------------------

let reconnectAt = 0;
let fatalReason = '';

function renderConn() {
    const s = client.state;
    const box = $('#conn');
    box.className = 'conn conn-' + s;
    let text = t('conn.' + s);
    if (s === 'reconnecting' && reconnectAt > Date.now()) {
        text = t('conn.reconnecting.in', { s: Math.ceil((reconnectAt - Date.now()) / 1000) });
    }
    if (s === 'offline' && fatalReason) text = t('conn.denied', { reason: fatalReason });
    else if (s === 'offline' && typeof navigator !== 'undefined' && navigator.onLine === false) text = t('conn.offline.network');
    setText($('#conn-text'), text);
    $('#btn-retry').hidden = !(s === 'reconnecting' || s === 'offline');
    html.dataset.conn = s;
}

client.on('connection', (c) => {
    reconnectAt = c.delay ? Date.now() + c.delay : 0;
    if (c.state === 'live') fatalReason = '';
    if (c.fatal && !fatalReason) fatalReason = c.reason || '';
    renderConn();
});
client.on('denied', (d) => {
    fatalReason = d.code === 'not_found' ? t('conn.noroom') : d.code === 'forbidden' ? t('conn.forbidden') : d.message || d.code;
    renderConn();
});
client.on('gap', () => {
    html.dataset.gaps = String(Number(html.dataset.gaps || 0) + 1);
});
$('#btn-retry').addEventListener('click', () => {
    fatalReason = '';
    client.reconnect();
});

client.on('welcome', (w) => {
    const was = html.dataset.you;
    if (was && w.you && was !== w.you.id) {
        // A new guest identity (new name, or the old token expired): its votes and answers start empty.
        myVotes.clear();
        myHeld.clear();
        quiz.forget();
        comments.forget();
        storeSet('session', votesKey, null);
    }
    html.dataset.you = w.you ? w.you.id : '';
    renderName();
});
client.on('snapshot', (state) => {
    live = fromSnapshot(state);
    if (live.title && !roomTitle) roomTitle = live.title;
    if (live.segments.length && !segTitles.length) segTitles = live.segments.map((x) => x.title || '');
    for (const [id, c] of deck) if (!live.cards.has(id)) live.cards.set(id, c);
    if (!replaying) view = live;
    // Forget local "held" entries that are now public.
    for (const id of [...myHeld.keys()]) if (live.questions.has(id)) myHeld.delete(id);
    renderAll();
    html.dataset.seq = String(client.seq);
    if (live.quiz && live.quiz.closed) quiz.onResult(live.quiz.id);
    if (state.status === 'ended') replay.start();
});
client.on('event', (ev) => {
    const parts = applyEvent(live, ev);
    html.dataset.seq = String(client.seq);
    if (ev.type === 'question' && ev.question) myHeld.delete(ev.question.id);
    if (ev.type === 'comment.removed') comments.removed(ev.id);
    if (ev.type === 'leaderboard') quiz.onResult(ev.quiz);
    if (ev.type === 'room.status' && ev.status === 'ended') replay.start();
    if (replaying) return;
    for (const p of parts) render[p]?.();
});

// ---- rendering -------------------------------------------------------------------

const render = {
    status: renderStatus,
    card: () => {
        renderCard();
        render.questions(); // answers may refer to this card
    },
    notice: renderNotice,
    questions: batched(renderQuestions),
    comments: batched(() => comments.render()),
    quiz: () => quiz.render(),
    leaderboard: () => quiz.renderLeaderboard(),
    draws: () => draws.render(),
    moderation: () => comments.renderModeration(),
    presence: renderPresence,
};

function renderAll() {
    renderTitle();
    renderStatus();
    renderCard();
    renderNotice();
    renderQuestions();
    comments.render();
    quiz.render(true);
    draws.render();
    renderPresence();
    renderConn();
    renderName();
}

function renderTitle() {
    const title = roomTitle || t('room.title') + ' · ' + roomId;
    setText($('#room-title'), title);
    document.title = title;
}

function renderStatus() {
    const m = view;
    const badge = $('#status');
    badge.className = 'badge status-' + (replaying ? 'replay' : m.status);
    setText(badge, replaying ? t('status.replay') : t('status.' + m.status));
    $('#extended').hidden = !m.extended || m.status === 'ended' || replaying;
    const ended = live.status === 'ended'; // the replay shows the past, but nothing can be sent any more
    $('#ended-banner').hidden = !ended;
    for (const f of [$('#comment-form'), $('#ask-form')]) {
        for (const c of f.elements) c.disabled = ended;
    }
    $('#btn-like').disabled = ended || replaying;
    render.questions(); // "answering now" ends with the room
    tickStatus();
}

function tickStatus() {
    const m = view;
    let text = '';
    if (replaying) text = t('status.replay_at', { time: clock(m.lastTs) });
    else if (m.endsAt) {
        if (m.status === 'ended') text = '';
        else {
            text = t('status.ends_at', { time: clock(m.endsAt) });
            const left = Math.ceil((m.endsAt - client.serverNow()) / 60000);
            if (m.status === 'live' && left > 0 && left <= 120) text += ' · ' + t('status.left', { m: left });
        }
    }
    setText($('#ends'), text);
}

function renderCard() {
    const c = view.card;
    const body = $('#card-body');
    if (!c) {
        setText($('#card-segment'), '');
        setText($('#card-title'), '');
        body.replaceChildren(el('p', { class: 'muted' }, t('card.none')));
        $('#card-image').hidden = true;
        $('#card-link').hidden = true;
        return;
    }
    const seg = Number.isInteger(c.segment) ? c.segment : null;
    let segText = seg === null ? '' : t('card.segment', { n: seg + 1 });
    if (seg !== null && segTitles[seg]) segText += ' · ' + segTitles[seg];
    setText($('#card-segment'), segText);
    setText($('#card-title'), c.title || '');
    setLines(body, c.body || '');
    const img = $('#card-image');
    const src = c.image ? safeUrl(c.image) : null;
    if (src) {
        if (img.getAttribute('src') !== src) img.src = src;
        img.alt = c.title || '';
        img.hidden = false;
    } else {
        img.hidden = true;
        img.removeAttribute('src');
    }
    const link = $('#card-link');
    const href = c.link ? safeUrl(c.link) : null;
    link.hidden = !href;
    if (href) link.href = href;
    const card = $('#card');
    card.classList.remove('flash');
    void card.offsetWidth; // restart the highlight animation
    card.classList.add('flash');
}

function renderNotice() {
    const n = view.notice;
    $('#notice').hidden = !n;
    setLines($('#notice-text'), n || '');
}

function renderPresence() {
    setText($('#online-n'), String(view.presence.online || 0));
    $('#online').title = t('online', { n: view.presence.online || 0 });
    setText($('#likes-n'), String((view.presence.likes || 0) + (replaying ? 0 : pendingLikes + sentLikes)));
}

// questions: keyed by id, reordered by appending in display order.
const questionNodes = new Map();

function questionItem(q, held) {
    const li = el('li', { class: 'q q-' + q.status + (held ? ' mine' : ''), 'data-id': q.id });
    const main = el('div', { class: 'q-main' });
    if (q.status === 'answering') main.appendChild(el('p', { class: 'q-flag' }, t('qa.now')));
    main.appendChild(el('p', { class: 'q-text' }, q.text || ''));
    const who = q.author && q.author.name ? q.author.name : t('qa.anonymous');
    const meta = el('p', { class: 'q-meta' }, el('span', { class: 'q-author' }, who));
    meta.appendChild(el('span', { class: 'q-status s-' + q.status }, t('qa.' + q.status)));
    const mine = held || (client.you && q.author && q.author.id === client.you.id);
    if (mine && !held) meta.appendChild(el('span', { class: 'q-mine' }, t('qa.mine')));
    main.appendChild(meta);
    if (q.status === 'answered' && (q.answer || q.card_id)) {
        const ans = el('div', { class: 'q-answer' });
        if (q.answer) {
            const p = el('p', { class: 'q-answer-text' }, el('strong', null, t('qa.answer')));
            const span = el('span');
            setLines(span, q.answer);
            p.appendChild(span);
            ans.appendChild(p);
        }
        if (q.card_id) {
            const card = view.cards.get(q.card_id);
            if (card) {
                const details = el('details', { class: 'q-card' }, el('summary', null, t('qa.card', { title: card.title })));
                const body = el('p');
                setLines(body, card.body || '');
                details.appendChild(body);
                if (openCards.has(q.id)) details.open = true;
                details.addEventListener('toggle', () => {
                    if (details.open) openCards.add(q.id);
                    else openCards.delete(q.id);
                });
                ans.appendChild(details);
            } else {
                ans.appendChild(el('p', { class: 'q-card muted' }, t('qa.card.unknown')));
            }
        }
        main.appendChild(ans);
    }
    li.appendChild(main);
    if (!held) {
        const voted = myVotes.has(q.id);
        const btn = el(
            'button',
            {
                type: 'button',
                class: 'vote' + (voted ? ' voted' : ''),
                'aria-pressed': voted ? 'true' : 'false',
                'aria-label': t('qa.vote') + ' · ' + t('qa.votes', { n: q.votes || 0 }),
                'data-qid': q.id,
            },
            el('span', { class: 'arrow', 'aria-hidden': 'true' }, '▲'),
            el('span', { class: 'n' }, String(q.votes || 0)),
        );
        btn.disabled = replaying || view.status === 'ended';
        li.appendChild(btn);
    }
    return li;
}

function renderQuestions() {
    const list = $('#questions');
    const qs = sortedQuestions(view);
    const held = replaying ? [] : [...myHeld.entries()].map(([id, h]) => ({ id, text: h.text, status: 'held', author: h.author }));
    const seen = new Set();
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest('#questions button.vote') : null;
    const focusQid = focused ? focused.dataset.qid : null;
    const items = [];
    for (const q of held) items.push([q, true]);
    for (const q of qs) items.push([q, false]);
    for (const [q, isHeld] of items) {
        const key = q.id;
        seen.add(key);
        const fresh = questionItem(q, isHeld);
        const old = questionNodes.get(key);
        if (old) old.replaceWith(fresh);
        questionNodes.set(key, fresh);
        list.appendChild(fresh); // moves it to its place in order
    }
    for (const [id, node] of questionNodes) {
        if (!seen.has(id)) {
            node.remove();
            questionNodes.delete(id);
        }
    }
    if (focusQid) list.querySelector('button.vote[data-qid="' + CSS.escape(focusQid) + '"]')?.focus();
    $('#qa-empty').hidden = items.length > 0;
    setText($('#qa-count'), qs.length ? String(qs.length) : '');
    const answering = view.status === 'ended' ? null : qs.find((q) => q.status === 'answering');
    const now = $('#now-answering');
    now.hidden = !answering;
    setText($('#now-answering-text'), answering ? answering.text : '');
}

$('#questions').addEventListener('click', async (e) => {
    const btn = e.target.closest('button.vote');
    if (!btn) return;
    const qid = btn.dataset.qid;
    btn.disabled = true;
    try {
        const ack = await client.request('vote', { qid });
        if (ack.voted) myVotes.add(qid);
        else myVotes.delete(qid);
        storeSet('session', votesKey, JSON.stringify([...myVotes]));
        const q = live.questions.get(qid);
        if (q && typeof ack.votes === 'number') q.votes = ack.votes;
        setText($('#ask-msg'), '');
    } catch (err) {
        showMsg($('#ask-msg'), friendlyError(err), true);
    }
    renderQuestions();
});

$('#now-answering').addEventListener('click', () => selectTab('qa'));

// ---- sending -----------------------------------------------------------------------

function showMsg(node, text, bad = false, cls = '') {
    node.className = 'msg' + (bad ? ' bad' : '') + (cls ? ' ' + cls : '');
    setText(node, text);
    clearTimeout(node._timer);
    if (text && node.id !== 'quiz-msg') node._timer = setTimeout(() => setText(node, ''), bad ? 10000 : 6000);
}

$('#ask-input').addEventListener('input', () => {
    setText($('#ask-count'), [...$('#ask-input').value].length + '/300');
});

$('#ask-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('#ask-input');
    const text = input.value.trim();
    const msg = $('#ask-msg');
    if (!text) {
        showMsg(msg, t('err.empty'), true);
        return;
    }
    const anonymous = $('#ask-anon').checked;
    const btn = e.target.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
        const ack = await client.request('ask', { text, anonymous });
        input.value = '';
        setText($('#ask-count'), '0/300');
        if (ack.held && ack.qid && !live.questions.has(ack.qid)) {
            myHeld.set(ack.qid, { text, author: { id: client.you?.id, name: anonymous ? '' : client.you?.name } });
        }
        showMsg(msg, ack.held ? t('ask.held') : t('ask.sent'), false, 'good');
        showSimilar(ack.similar_answered);
        renderQuestions();
    } catch (err) {
        showMsg(msg, friendlyError(err), true);
    }
    btn.disabled = view.status === 'ended';
});

function showSimilar(q) {
    const box = $('#ask-similar');
    if (!q) {
        box.hidden = true;
        return;
    }
    box.replaceChildren(el('p', { class: 'small' }, t('ask.similar')), el('p', { class: 'q-text' }, q.text || ''));
    if (q.answer) {
        const p = el('p', { class: 'q-answer-text' }, el('strong', null, t('qa.answer')));
        const span = el('span');
        setLines(span, q.answer);
        p.appendChild(span);
        box.appendChild(p);
    }
    box.hidden = false;
}

// likes: counted locally, sent at most once a second in one request.
let pendingLikes = 0;
let sentLikes = 0;
$('#btn-like').addEventListener('click', () => {
    if (view.status === 'ended') return;
    pendingLikes++;
    renderPresence();
    const b = $('#btn-like');
    b.classList.remove('pop');
    void b.offsetWidth;
    b.classList.add('pop');
});
setInterval(() => {
    if (pendingLikes > 0 && client.state === 'live') {
        const n = Math.min(100, pendingLikes);
        if (client.send('like', { count: n })) {
            pendingLikes -= n;
            sentLikes += n;
        }
    }
}, 1000);
client.on('presence', () => {
    sentLikes = 0; // the server's count now includes what was sent before this tick
    renderPresence();
});

// ---- tabs, name, language, large text -----------------------------------------------------

function selectTab(which) {
    const qa = which === 'qa';
    $('#tab-qa').setAttribute('aria-selected', qa ? 'true' : 'false');
    $('#tab-comments').setAttribute('aria-selected', qa ? 'false' : 'true');
    $('#pane-qa').hidden = !qa;
    $('#pane-comments').hidden = qa;
    if (!qa) {
        const list = $('#comments');
        list.scrollTop = list.scrollHeight;
    }
}
$('#tab-comments').addEventListener('click', () => selectTab('comments'));
$('#tab-qa').addEventListener('click', () => selectTab('qa'));

function renderName() {
    setText($('#my-name'), client.you ? client.you.name : storeGet('local', 'liveroom.name') || '');
}
$('#btn-name').addEventListener('click', () => {
    $('#name-form').hidden = false;
    $('#btn-name').hidden = true;
    const input = $('#name-input');
    input.value = client.you ? client.you.name : '';
    input.focus();
});
$('#name-cancel').addEventListener('click', () => {
    $('#name-form').hidden = true;
    $('#btn-name').hidden = false;
});
$('#name-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('#name-input').value.trim();
    $('#name-form').hidden = true;
    $('#btn-name').hidden = false;
    if (!name || (client.you && name === client.you.name)) return;
    storeSet('local', 'liveroom.name', name);
    client.setName(name); // a new guest identity with that name
});

$('#btn-lang').addEventListener('click', () => setLang(getLang() === 'zh' ? 'en' : 'zh'));
$('#btn-large').addEventListener('click', () => setLarge(!html.classList.contains('large')));
onLangChange(() => renderAll());

// ---- clocks ---------------------------------------------------------------------------

setInterval(() => {
    tickStatus();
    quiz.tick();
    if (client.state === 'reconnecting') renderConn();
}, 1000);

// ---- room details for staff who have a token on this device (title, segment titles) -----------

(async () => {
    const token = storeGet('local', 'liveroom.token');
    if (!token) return;
    try {
        const res = await fetch('/api/rooms/' + encodeURIComponent(roomId), { headers: { Authorization: 'Bearer ' + token } });
        if (!res.ok) return;
        const room = await res.json();
        roomTitle = room.title || '';
        segTitles = (room.segments || []).map((s) => s.title || '');
        for (const c of room.cards || []) {
            deck.set(c.id, c);
            if (!live.cards.has(c.id)) live.cards.set(c.id, c);
        }
        renderTitle();
        renderCard();
    } catch {
        /* the page works without it */
    }
})();

renderAll();
