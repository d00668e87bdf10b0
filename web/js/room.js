// The viewer's live room: /room/{id}. Uses the client library for the
// connection and model.js for the room's state; renders with text nodes only.

import { connect, sha256OfHex } from './liveroom.js';
import { t, apply as applyI18n, setLang, getLang, onLangChange, errorText, clock } from './i18n.js';
import { emptyRoom, fromSnapshot, applyEvent, sortedQuestions } from './model.js';
import { el, $, setText, setLines, safeUrl, batched, roomFromPath, storeGet, storeSet } from './dom.js';

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
const answersKey = 'liveroom.quiz.' + roomId;
const myVotes = new Set(JSON.parse(storeGet('session', votesKey) || '[]'));
const myAnswers = new Map(Object.entries(JSON.parse(storeGet('session', answersKey) || '{}')));
const myHeld = new Map(); // qid → {text, ts}: my questions awaiting review
const openCards = new Set(); // question ids whose answer card is unfolded
const verified = new Map(); // draw id → result text

const client = connect('/ws', { room: roomId, name: storeGet('local', 'liveroom.name') || '' });
window.liveroom = client; // for the console of curious viewers and for the browser tests

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
        myAnswers.clear();
        myHeld.clear();
        storeSet('session', votesKey, null);
        storeSet('session', answersKey, null);
    }
    html.dataset.you = w.you ? w.you.id : '';
    renderName();
});
client.on('snapshot', (state) => {
    live = fromSnapshot(state);
    for (const [id, c] of deck) if (!live.cards.has(id)) live.cards.set(id, c);
    if (!replaying) view = live;
    // Forget local "held" entries that are now public.
    for (const id of [...myHeld.keys()]) if (live.questions.has(id)) myHeld.delete(id);
    renderAll();
    html.dataset.seq = String(client.seq);
});
client.on('event', (ev) => {
    const parts = applyEvent(live, ev);
    html.dataset.seq = String(client.seq);
    if (ev.type === 'question' && ev.question) myHeld.delete(ev.question.id);
    if (ev.type === 'room.status' && ev.status === 'ended') startReplay();
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
    comments: batched(renderComments),
    quiz: renderQuiz,
    draws: renderDraws,
    presence: renderPresence,
};

function renderAll() {
    renderTitle();
    renderStatus();
    renderCard();
    renderNotice();
    renderQuestions();
    renderComments(true);
    renderQuiz(true);
    renderDraws();
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
    badge.className = 'badge status-' + m.status;
    setText(badge, t('status.' + m.status));
    $('#extended').hidden = !m.extended || m.status === 'ended';
    $('#ended-banner').hidden = m.status !== 'ended';
    const ended = m.status === 'ended';
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
    if (m.endsAt) {
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

// comments: keyed by id; new ones are appended, removed ones dropped.
const commentNodes = new Map();

function renderComments(full) {
    const list = $('#comments');
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    if (full === true) {
        list.replaceChildren();
        commentNodes.clear();
    }
    const ids = new Set(view.comments.map((c) => c.id));
    for (const [id, node] of commentNodes) {
        if (!ids.has(id)) {
            node.remove();
            commentNodes.delete(id);
        }
    }
    const me = client.you ? client.you.id : null;
    for (const c of view.comments) {
        if (commentNodes.has(c.id)) continue;
        const mine = c.author && c.author.id === me;
        const li = el(
            'li',
            { class: mine ? 'comment mine' : 'comment', 'data-id': c.id },
            el('span', { class: 'author' }, (c.author && c.author.name) || '?'),
            el('span', { class: 'text' }, c.text || ''),
        );
        list.appendChild(li);
        commentNodes.set(c.id, li);
    }
    $('#comments-empty').hidden = view.comments.length > 0;
    if (nearBottom || full === true) list.scrollTop = list.scrollHeight;
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
        showMsg($('#ask-msg'), errorText(err), true);
    }
    renderQuestions();
});

$('#now-answering').addEventListener('click', () => selectTab('qa'));

// quiz -----------------------------------------------------------------------------------

let quizShown = null;

function renderQuiz(full) {
    const q = view.quiz;
    const box = $('#quiz');
    if (!q) {
        box.hidden = true;
        quizShown = null;
        return;
    }
    box.hidden = false;
    const answered = myAnswers.get(q.id);
    if (quizShown !== q.id || full === true) {
        quizShown = q.id;
        setText($('#quiz-question'), q.question || '');
        setText($('#quiz-kind'), q.multi ? t('quiz.multi') : t('quiz.single'));
        const opts = $('#quiz-options');
        opts.replaceChildren();
        (q.options || []).forEach((text, i) => {
            const input = el('input', { type: q.multi ? 'checkbox' : 'radio', name: 'quiz-opt', value: String(i) });
            if (answered !== undefined && [].concat(answered).includes(i)) input.checked = true;
            opts.appendChild(el('label', { class: 'opt' }, input, el('span', { class: 'opt-key' }, String.fromCharCode(65 + i)), el('span', { class: 'opt-text' }, text)));
        });
        setText($('#quiz-msg'), '');
    }
    const closed = q.closed || (q.closes_at && client.serverNow() >= q.closes_at);
    const locked = closed || answered !== undefined || replaying;
    for (const input of $('#quiz-options').querySelectorAll('input')) input.disabled = locked;
    $('#quiz-submit').hidden = locked;
    const msg = $('#quiz-msg');
    if (q.closed) {
        const mine = answered === undefined ? null : [].concat(answered).sort().join(',');
        const right = [...(q.correct || [])].sort().join(',');
        if (mine === null) showMsg(msg, t('quiz.noanswer'));
        else if (mine === right) showMsg(msg, t('quiz.correct'), false, 'good');
        else showMsg(msg, t('quiz.wrong'), true);
    } else if (answered !== undefined) showMsg(msg, t('quiz.answered'));
    else if (closed) showMsg(msg, t('quiz.closed'));
    // The distribution: shown once you answered, and at the reveal.
    const result = $('#quiz-result');
    const counts = q.counts;
    if (counts && (q.closed || answered !== undefined)) {
        result.hidden = false;
        const total = Math.max(1, q.total || counts.reduce((a, b) => a + b, 0));
        result.replaceChildren();
        (q.options || counts).forEach((text, i) => {
            const n = counts[i] || 0;
            const correct = q.closed && (q.correct || []).includes(i);
            const fill = el('span', { class: 'fill' });
            fill.style.width = Math.round((100 * n) / total) + '%'; // CSSOM: allowed by the CSP
            result.appendChild(
                el(
                    'li',
                    { class: correct ? 'correct' : '' },
                    el('span', { class: 'r-label' }, String.fromCharCode(65 + i) + (correct ? ' ✓' : '')),
                    el('span', { class: 'bar' }, fill),
                    el('span', { class: 'r-num' }, String(n)),
                ),
            );
        });
        if (q.closed) {
            result.appendChild(el('li', { class: 'r-total' }, t('quiz.total', { n: q.total || 0, c: q.correct_count ?? '?' })));
        }
    } else {
        result.hidden = true;
    }
    tickQuiz();
}

function tickQuiz() {
    const q = view.quiz;
    const timer = $('#quiz-timer');
    if (!q) return;
    if (q.closed) setText(timer, t('quiz.closed'));
    else if (!q.closes_at) setText(timer, t('quiz.untimed'));
    else {
        const left = Math.max(0, Math.ceil((q.closes_at - client.serverNow()) / 1000));
        setText(timer, left > 0 ? t('quiz.left', { s: left }) : t('quiz.closed'));
        timer.classList.toggle('urgent', left > 0 && left <= 5);
        if (left === 0 && !$('#quiz-submit').hidden) renderQuiz();
    }
}

$('#quiz-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = live.quiz;
    if (!q) return;
    const picked = [...$('#quiz-options').querySelectorAll('input:checked')].map((i) => Number(i.value));
    if (!picked.length) {
        showMsg($('#quiz-msg'), t('quiz.pick'), true);
        return;
    }
    const choice = q.multi ? picked : picked[0];
    $('#quiz-submit').disabled = true;
    try {
        await client.request('quiz.answer', { quiz: q.id, choice });
        myAnswers.set(q.id, choice);
    } catch (err) {
        if (err.code === 'duplicate') myAnswers.set(q.id, choice);
        else showMsg($('#quiz-msg'), errorText(err), true);
    }
    storeSet('session', answersKey, JSON.stringify(Object.fromEntries(myAnswers)));
    $('#quiz-submit').disabled = false;
    if (myAnswers.has(q.id)) renderQuiz();
});

// draws -----------------------------------------------------------------------------------

function renderDraws() {
    const draws = view.draws;
    $('#draws').hidden = draws.length === 0;
    const list = $('#draw-list');
    list.replaceChildren();
    const me = client.you ? client.you.id : null;
    for (const d of [...draws].reverse()) {
        const winners = d.winners || [];
        const box = el('div', { class: 'draw', 'data-id': d.id });
        if (winners.some((w) => w.id === me)) box.appendChild(el('p', { class: 'you-won' }, t('draw.you')));
        box.appendChild(el('p', { class: 'draw-head' }, winners.length ? t('draw.winners', { n: winners.length }) : t('draw.none')));
        const ul = el('ul', { class: 'winners' });
        for (const w of winners) ul.appendChild(el('li', { class: w.id === me ? 'me' : '' }, w.name || w.id));
        box.appendChild(ul);
        const dl = el('dl', { class: 'seed' });
        dl.append(el('dt', null, t('draw.seed_hash')), el('dd', { class: 'mono' }, d.seed_hash || ''));
        dl.append(el('dt', null, t('draw.seed')), el('dd', { class: 'mono' }, d.seed || ''));
        box.appendChild(dl);
        const btn = el('button', { type: 'button', class: 'verify', 'data-draw': d.id }, t('draw.verify'));
        const out = el('p', { class: 'verify-out', role: 'status' }, verified.get(d.id) || '');
        box.append(btn, out, el('p', { class: 'muted small' }, t('draw.algo')));
        list.appendChild(box);
    }
}

$('#draw-list').addEventListener('click', async (e) => {
    const btn = e.target.closest('button.verify');
    if (!btn) return;
    const d = view.draws.find((x) => x.id === btn.dataset.draw);
    if (!d) return;
    const out = btn.nextElementSibling;
    setText(out, t('draw.verifying'));
    let text;
    try {
        const hash = await sha256OfHex(d.seed);
        if (hash === null) text = t('draw.nocrypto');
        else {
            const lines = [hash === String(d.seed_hash).toLowerCase() ? t('draw.ok') : t('draw.bad')];
            const quiz = d.quiz_id ? view.quizzes.get(d.quiz_id) : null;
            if (quiz && quiz.seed_hash) {
                lines.push(quiz.seed_hash.toLowerCase() === hash ? t('draw.ok_commit') : t('draw.bad_commit'));
            }
            text = lines.join('\n');
        }
    } catch (err) {
        text = t('draw.bad') + ' (' + err.message + ')';
    }
    verified.set(d.id, text);
    setLines(out, text);
});

// ---- sending -----------------------------------------------------------------------

function showMsg(node, text, bad = false, cls = '') {
    node.className = 'msg' + (bad ? ' bad' : '') + (cls ? ' ' + cls : '');
    setText(node, text);
    clearTimeout(node._timer);
    if (text && node.id !== 'quiz-msg') node._timer = setTimeout(() => setText(node, ''), bad ? 10000 : 6000);
}

$('#comment-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('#comment-input');
    const text = input.value.trim();
    const msg = $('#comment-msg');
    if (!text) {
        showMsg(msg, t('err.empty'), true);
        return;
    }
    const btn = e.target.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
        const ack = await client.request('comment', { text });
        input.value = '';
        showMsg(msg, ack.held ? t('comment.held') : '');
    } catch (err) {
        showMsg(msg, errorText(err), true);
    }
    btn.disabled = view.status === 'ended';
    input.focus();
});

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
        showMsg(msg, errorText(err), true);
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
onLangChange(() => {
    renderAll();
    quizShown = null;
    renderQuiz(true);
});

// ---- clocks ---------------------------------------------------------------------------

setInterval(() => {
    tickStatus();
    tickQuiz();
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

// ---- replay after the end ---------------------------------------------------------------

let replayEvents = null;
let replayTimer = null;

async function startReplay() {
    const box = $('#replay');
    box.hidden = false;
    if (replayEvents) return;
    setText($('#replay-msg'), t('replay.loading'));
    const events = [];
    try {
        const token = storeGet('local', 'liveroom.token');
        const headers = token ? { Authorization: 'Bearer ' + token } : {};
        let from = 0;
        for (let page = 0; page < 50 && from !== null; page++) {
            const res = await fetch('/api/rooms/' + encodeURIComponent(roomId) + '/replay?from=' + from + '&limit=1000', { headers });
            if (!res.ok) throw new Error('HTTP ' + res.status);
            const body = await res.json();
            events.push(...(body.events || []));
            from = body.next ?? null;
        }
    } catch {
        setText($('#replay-msg'), t('replay.unavailable'));
        return;
    }
    const timed = events.filter((e) => typeof e.ts === 'number');
    if (!timed.length) {
        setText($('#replay-msg'), t('replay.unavailable'));
        return;
    }
    replayEvents = timed;
    setText($('#replay-msg'), '');
    $('#replay-controls').hidden = false;
    const slider = $('#replay-slider');
    const t0 = timed[0].ts;
    const t1 = timed[timed.length - 1].ts;
    slider.min = '0';
    slider.max = String(t1 - t0);
    slider.value = slider.max;
    const seek = () => {
        const until = t0 + Number(slider.value);
        const m = emptyRoom();
        for (const ev of replayEvents) {
            if (ev.ts > until) break;
            applyEvent(m, ev);
        }
        for (const [id, c] of live.cards) if (!m.cards.has(id)) m.cards.set(id, c);
        replaying = Number(slider.value) < Number(slider.max);
        view = replaying ? m : live;
        setText($('#replay-time'), clock(until) + ' / ' + clock(t1));
        renderAll();
    };
    slider.addEventListener('input', seek);
    $('#replay-play').addEventListener('click', () => {
        if (replayTimer) {
            clearInterval(replayTimer);
            replayTimer = null;
            setText($('#replay-play'), t('replay.play'));
            return;
        }
        if (Number(slider.value) >= Number(slider.max)) slider.value = '0';
        setText($('#replay-play'), t('replay.pause'));
        replayTimer = setInterval(() => {
            const v = Math.min(Number(slider.max), Number(slider.value) + 5000);
            slider.value = String(v);
            seek();
            if (v >= Number(slider.max)) $('#replay-play').click();
        }, 500);
    });
    seek();
}

client.on('snapshot', (state) => {
    if (state.status === 'ended') startReplay();
});

renderAll();
