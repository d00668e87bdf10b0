// The host and moderator console: /console/{id}.
// Token from #token=<jwt> (then removed from the address bar) or the token form.
// Connects with resume:false so every (re)join brings the full state, including
// the moderators' part (held questions, mode, backlog).

import { connect } from './liveroom.js';
import './console_strings.js';
import { t, apply as applyI18n, setLang, getLang, onLangChange, errorText, clock } from './i18n.js';
import { el, $, $$, setText, setLines, batched, roomFromPath, storeGet, storeSet } from './dom.js';
import { takeToken, saveToken, forgetToken, describeToken, isStaffRole, api } from './staff.js';
import { createModerationPanel } from './moderation_panel.js';
import { createModePanel } from './mode_panel.js';
import { createQuizBuilder } from './quiz_builder.js';
import { createExportLinks } from './export_links.js';


const roomId = roomFromPath();
const html = document.documentElement;
applyI18n();

// ---- token -------------------------------------------------------------------------

function showLogin(message) {
    $('#login').hidden = false;
    $('#app').hidden = true;
    setText($('#login-msg'), message || '');
    $('#login-token').focus();
}

$('#login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('#login-token').value.trim();
    if (!token) return;
    const info = describeToken(token);
    if (!info) return showLogin(t('c.login.bad', { reason: 'JWT' }));
    if (info.expired) return showLogin(t('c.login.expired'));
    if (!isStaffRole(info.role)) return showLogin(t('c.login.role', { role: info.role }));
    saveToken(roomId, token, $('#login-remember').checked);
    $('#login-token').value = '';
    start(token);
});

$('#btn-logout').addEventListener('click', () => {
    forgetToken(roomId);
    if (client) client.close();
    client = null;
    showLogin('');
});

$('#btn-lang').addEventListener('click', () => setLang(getLang() === 'zh' ? 'en' : 'zh'));

// ---- state -----------------------------------------------------------------------------

let client = null;
let token = null;
let deck = []; // cards from GET /api/rooms/{id}
let segments = [];
let current = {
    status: 'scheduled',
    endsAt: 0,
    extended: false,
    card: null,
    notice: '',
    counters: {},
    backlog: null,
    presence: {},
};
const questions = new Map(); // id → {q, similar: [], answered_match}
let bucket = 'held';
const openForms = new Map(); // qid → {text, card}: answer forms being typed into

function start(tok) {
    token = tok;
    const info = describeToken(tok);
    $('#login').hidden = true;
    $('#app').hidden = false;
    setText($('#who'), info ? t('c.who', { name: info.name, role: info.role }) : '');
    $('#link-room').href = '/room/' + encodeURIComponent(roomId);
    $('#link-dash').href = '/dashboard/' + encodeURIComponent(roomId) + '#token=' + encodeURIComponent(tok);
    client = connect('/ws', { room: roomId, token: tok, resume: false });
    window.liveroom = client;
    wire(client);
    loadDeck();
}

function renderConn() {
    const s = client ? client.state : 'offline';
    $('#conn').className = 'conn conn-' + s;
    setText($('#conn-text'), t('conn.' + s));
    html.dataset.conn = s;
}

function wire(c) {
    c.on('connection', (s) => {
        renderConn();
        if (s.fatal) showLogin(t('c.login.bad', { reason: s.reason || s.code || '' }));
    });
    c.on('denied', (d) => showLogin(t('c.login.bad', { reason: d.message || d.code })));
    c.on('snapshot', (state) => {
        current.status = state.status;
        current.endsAt = state.ends_at;
        current.card = state.card;
        current.notice = state.notice || '';
        current.presence = state.presence || {};
        const keep = new Map();
        for (const [id, e] of questions) if (e.similar?.length || e.answered_match) keep.set(id, e);
        questions.clear();
        for (const q of state.questions || []) questions.set(q.id, { q, ...pick(keep.get(q.id)) });
        if (state.mod) {
            for (const q of state.mod.held_questions || []) questions.set(q.id, { q, ...pick(keep.get(q.id)) });
            if (state.mod.mode) mode.set(state.mod.mode, true);
            if (state.mod.backlog) current.backlog = state.mod.backlog;
        }
        moderation.snapshot(state);
        quiz.snapshot(state);
        renderEverything();
        html.dataset.seq = String(c.seq);
    });
    c.on('event', (ev) => {
        html.dataset.seq = String(c.seq);
        switch (ev.type) {
            case 'room.status':
                current.status = ev.status;
                current.endsAt = ev.ends_at;
                if (ev.reason === 'extended') current.extended = true;
                renderRoom();
                break;
            case 'card':
                current.card = ev.card;
                renderDeck();
                break;
            case 'notice':
                current.notice = ev.text || '';
                renderNotice();
                break;
            case 'question':
                upsertQuestion(ev.question);
                break;
            case 'comment':
            case 'comment.removed':
                moderation.event(ev);
                break;
            case 'presence':
                current.presence = ev;
                renderCounters();
                break;
            case 'quiz.open':
            case 'quiz.tally':
            case 'quiz.close':
            case 'leaderboard':
            case 'draw.result':
                quiz.event(ev);
                break;
            default:
                break;
        }
    });
    c.on('mod.question', (ev) => {
        if (!ev.question) return;
        upsertQuestion(ev.question, { similar: ev.similar || [], answered_match: ev.answered_match || null, author_id: ev.author_id });
    });
    c.on('mod.counters', (ev) => {
        current.counters = ev;
        if (ev.backlog) current.backlog = ev.backlog;
        renderCounters();
    });
    c.on('mod.mode', (ev) => mode.set(ev.mode || ev, false)); // the mode's fields, under "mode"
    c.on('mod', (ev) => {
        if (['mod.question', 'mod.counters', 'mod.mode'].includes(ev.type)) return;
        if (moderation.mod(ev)) return;
        logMod(ev);
    });
}

function pick(e) {
    return e ? { similar: e.similar, answered_match: e.answered_match } : { similar: [], answered_match: null };
}

function upsertQuestion(q, extra) {
    if (!q) return;
    const old = questions.get(q.id) || { similar: [], answered_match: null };
    const entry = { ...old, q };
    if (extra) Object.assign(entry, extra);
    questions.set(q.id, entry);
    if (q.status === 'answered' || q.status === 'dismissed' || q.status === 'merged') openForms.delete(q.id);
    renderQueueSoon();
}

// ---- requests ----------------------------------------------------------------------------

function showMsg(node, text, bad = false) {
    node.className = 'msg' + (bad ? ' bad' : ' good');
    setText(node, text);
    clearTimeout(node._timer);
    if (!bad && text) node._timer = setTimeout(() => setText(node, ''), 4000);
}

async function act(msgNode, type, fields, okText) {
    try {
        const ack = await client.request(type, fields);
        if (msgNode) showMsg(msgNode, okText ?? t('c.ok'));
        return ack;
    } catch (err) {
        if (msgNode) showMsg(msgNode, errorText(err) + (err.message && err.code !== 'offline' ? ' (' + err.code + ': ' + err.message + ')' : ''), true);
        return null;
    }
}

// ---- panels in their own modules ---------------------------------------------------------------

const moderation = createModerationPanel({ act });
const mode = createModePanel({ roomId, act });
const quiz = createQuizBuilder({ act, showMsg, serverNow: () => (client ? client.serverNow() : Date.now()) });
createExportLinks({ roomId, getToken: () => token });

// ---- room: status, extend, end ---------------------------------------------------------------

function renderRoom() {
    const badge = $('#room-status');
    badge.className = 'badge status-' + current.status;
    setText(badge, t('status.' + current.status));
    let text = '';
    if (current.status === 'ended') text = t('c.room.ended');
    else if (current.endsAt) {
        text = current.extended ? t('c.room.extended', { time: clock(current.endsAt) }) : t('c.room.ends', { time: clock(current.endsAt) });
    }
    setText($('#room-ends'), text);
    const ended = current.status === 'ended';
    $('#btn-start').hidden = current.status !== 'scheduled';
    for (const b of $$('.extend')) b.disabled = ended;
    $('#btn-end').disabled = ended;
}

$('#btn-start').addEventListener('click', () => act($('#room-msg'), 'room.start', {}));
for (const b of $$('.extend')) {
    b.addEventListener('click', async () => {
        const ack = await act($('#room-msg'), 'room.extend', { minutes: Number(b.dataset.minutes) });
        if (ack && ack.ends_at) showMsg($('#room-msg'), t('c.room.extended', { time: clock(ack.ends_at) }));
    });
}
let endArmed = null;
$('#btn-end').addEventListener('click', async () => {
    const btn = $('#btn-end');
    if (!endArmed) {
        btn.classList.add('armed');
        setText(btn, t('c.room.end.confirm'));
        endArmed = setTimeout(disarmEnd, 5000);
        return;
    }
    disarmEnd();
    await act($('#room-msg'), 'room.end', {});
});
function disarmEnd() {
    clearTimeout(endArmed);
    endArmed = null;
    const btn = $('#btn-end');
    btn.classList.remove('armed');
    setText(btn, t('c.room.end'));
}

// ---- notice -------------------------------------------------------------------------------

function renderNotice() {
    setText($('#notice-current'), current.notice ? t('c.notice.current', { text: current.notice }) : t('c.notice.none'));
}
$('#notice-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('#notice-input').value.trim();
    if (!text) return showMsg($('#notice-msg'), t('err.empty'), true);
    if (await act($('#notice-msg'), 'notice.set', { text })) $('#notice-input').value = '';
});
$('#notice-clear').addEventListener('click', () => act($('#notice-msg'), 'notice.set', { text: '' }));

// ---- deck and new cards --------------------------------------------------------------------

async function loadDeck() {
    const res = await api('/api/rooms/' + encodeURIComponent(roomId), token);
    if (res.ok && res.body) {
        deck = res.body.cards || [];
        segments = res.body.segments || [];
        if (res.body.title) {
            setText($('#title'), t('c.title') + ' · ' + res.body.title);
            document.title = t('c.title') + ' · ' + res.body.title;
        }
        setText($('#deck-msg'), deck.length ? '' : t('c.deck.empty'));
    } else if (res.status === 403) {
        showMsg($('#deck-msg'), t('c.deck.forbidden'), true);
    } else {
        showMsg($('#deck-msg'), t('c.deck.failed', { reason: res.body?.error?.message || 'HTTP ' + res.status }), true);
    }
    renderDeck();
    renderSegments();
}

function segLabel(i) {
    if (!Number.isInteger(i)) return '';
    return t('c.seg', { n: i + 1 }) + (segments[i]?.title ? ' · ' + segments[i].title : '');
}

function renderSegments() {
    const sel = $('#card-segment');
    const keep = sel.value;
    sel.replaceChildren();
    const n = Math.max(1, segments.length);
    for (let i = 0; i < n; i++) sel.appendChild(el('option', { value: String(i) }, segLabel(i)));
    if (keep) sel.value = keep;
}

function allCards() {
    const cards = [...deck];
    if (current.card && !cards.some((c) => c.id === current.card.id)) cards.push(current.card);
    return cards;
}

function renderDeck() {
    const list = $('#deck');
    list.replaceChildren();
    const showing = current.card ? current.card.id : null;
    let lastSeg = null;
    for (const c of allCards()) {
        if (c.segment !== lastSeg && Number.isInteger(c.segment)) {
            list.appendChild(el('li', { class: 'seg-head' }, segLabel(c.segment)));
            lastSeg = c.segment;
        }
        const on = c.id === showing;
        const body = el('p', { class: 'deck-body' }, (c.body || '').split('\n')[0]);
        list.appendChild(
            el(
                'li',
                { class: 'deck-card' + (on ? ' showing' : ''), 'data-card': c.id },
                el('div', { class: 'deck-text' }, el('p', { class: 'deck-title' }, c.title || c.id), body),
                on
                    ? el('span', { class: 'badge on' }, t('c.deck.showing'))
                    : el('button', { type: 'button', class: 'show', 'data-card': c.id }, t('c.deck.show')),
            ),
        );
    }
    renderQueueSoon(); // card choices in answer forms
}

$('#deck').addEventListener('click', (e) => {
    const b = e.target.closest('button.show');
    if (!b) return;
    const id = b.dataset.card;
    const inDeck = deck.some((c) => c.id === id);
    if (inDeck) act($('#deck-msg'), 'card.show', { card: id }, '');
    else if (current.card && current.card.id === id) act($('#deck-msg'), 'card.show', { card: stripId(current.card) }, '');
});

function stripId(c) {
    const { id, ...rest } = c;
    return rest;
}

$('#card-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const card = { title: $('#card-title').value.trim(), body: $('#card-body').value.trim(), segment: Number($('#card-segment').value || 0) };
    const image = $('#card-image').value.trim();
    const link = $('#card-link').value.trim();
    if (image) card.image = image;
    if (link) card.link = link;
    if (!card.title) return showMsg($('#deck-msg'), t('err.empty'), true);
    if (await act($('#deck-msg'), 'card.show', { card })) {
        for (const id of ['#card-title', '#card-body', '#card-image', '#card-link']) $(id).value = '';
        $('#newcard').open = false;
    }
});

// ---- Q&A queue ----------------------------------------------------------------------------

function bucketOf(q) {
    return q.status; // held, visible, answering, answered (dismissed and merged are not shown)
}

function sortQueue(a, b) {
    return (b.q.votes || 0) - (a.q.votes || 0) || (a.q.ts || 0) - (b.q.ts || 0);
}

const renderQueueSoon = batched(renderQueue);

function questionText(id) {
    const e = questions.get(id);
    return e ? e.q.text : id;
}

function renderQueue() {
    const counts = { held: 0, visible: 0, answering: 0, answered: 0 };
    for (const e of questions.values()) if (counts[bucketOf(e.q)] !== undefined) counts[bucketOf(e.q)]++;
    for (const n of $$('[data-count]')) setText(n, String(counts[n.dataset.count]));
    for (const tab of $$('.qtab')) tab.setAttribute('aria-selected', tab.dataset.bucket === bucket ? 'true' : 'false');

    // Keep what is being typed into answer forms across re-renders.
    for (const form of $$('#queue form.answer-form')) {
        if (!openForms.has(form.dataset.qid)) continue; // closed meanwhile (answered)
        openForms.set(form.dataset.qid, { text: form.querySelector('textarea').value, card: form.querySelector('select').value });
    }
    const focusedQid = document.activeElement?.closest?.('#queue form.answer-form')?.dataset.qid;
    const focusedTag = document.activeElement?.tagName;

    const list = $('#queue');
    list.replaceChildren();
    const items = [...questions.values()].filter((e) => bucketOf(e.q) === bucket).sort(sortQueue);
    const open = [...questions.values()].filter((e) => ['held', 'visible', 'answering', 'answered'].includes(e.q.status));
    for (const e of items) list.appendChild(queueItem(e, open));
    $('#queue-empty').hidden = items.length > 0;
    if (focusedQid) {
        const f = list.querySelector('form.answer-form[data-qid="' + CSS.escape(focusedQid) + '"] ' + (focusedTag === 'SELECT' ? 'select' : 'textarea'));
        f?.focus();
    }
}

function queueItem(e, open) {
    const q = e.q;
    const li = el('li', { class: 'cq cq-' + q.status, 'data-qid': q.id });
    const head = el(
        'div',
        { class: 'cq-head' },
        el('span', { class: 'votes' }, t('c.qa.votes', { n: q.votes || 0 })),
        el('span', { class: 'author' }, q.author && q.author.name ? q.author.name : t('c.qa.anonymous')),
        q.ts ? el('span', { class: 'muted small' }, clock(q.ts)) : null,
    );
    li.append(head, el('p', { class: 'cq-text' }, q.text || ''));
    if (q.status === 'answered') {
        if (q.answer) {
            const p = el('p', { class: 'cq-answer' }, el('strong', null, t('c.qa.answer.label')));
            const span = el('span');
            setLines(span, q.answer);
            p.appendChild(span);
            li.appendChild(p);
        }
        if (q.card_id) {
            const card = allCards().find((c) => c.id === q.card_id);
            li.appendChild(el('p', { class: 'muted small' }, t('c.qa.card.label', { title: card ? card.title : q.card_id })));
        }
    }
    // merge suggestions (from mod.question): one click merges this question into the other
    const similar = (e.similar || []).filter((s) => {
        const other = questions.get(s.id);
        return other && other.q.id !== q.id && !['merged', 'dismissed'].includes(other.q.status);
    });
    if (q.status !== 'answered' && (similar.length || e.answered_match)) {
        const box = el('div', { class: 'similar' });
        if (similar.length) {
            box.appendChild(el('p', { class: 'small strong' }, t('c.qa.similar')));
            for (const s of similar.slice(0, 3)) {
                box.appendChild(
                    el(
                        'div',
                        { class: 'sim-row' },
                        el('span', { class: 'sim-text' }, questionText(s.id)),
                        el('span', { class: 'muted small' }, Math.round((s.score || 0) * 100) + '%'),
                        el('button', { type: 'button', 'data-action': 'merge', 'data-qid': q.id, 'data-into': s.id }, t('c.qa.merge_into')),
                    ),
                );
            }
        }
        if (e.answered_match && questions.has(e.answered_match) && e.answered_match !== q.id) {
            box.appendChild(el('p', { class: 'small strong' }, t('c.qa.answered_match')));
            box.appendChild(
                el(
                    'div',
                    { class: 'sim-row' },
                    el('span', { class: 'sim-text' }, questionText(e.answered_match)),
                    el('button', { type: 'button', 'data-action': 'merge', 'data-qid': q.id, 'data-into': e.answered_match }, t('c.qa.merge_into')),
                ),
            );
        }
        li.appendChild(box);
    }
    const actions = el('div', { class: 'cq-actions' });
    const btn = (action, label, cls) => el('button', { type: 'button', class: cls || '', 'data-action': action, 'data-qid': q.id }, label);
    if (q.status === 'held') actions.append(btn('approve', t('c.qa.approve'), 'primary'));
    if (q.status === 'held' || q.status === 'visible') actions.append(btn('answering', t('c.qa.answering.btn')));
    if (q.status !== 'answered') actions.append(btn('answer', t('c.qa.answer.btn'), q.status === 'answering' ? 'primary' : ''));
    if (q.status === 'answered') actions.append(btn('answer', t('c.qa.answer.btn')));
    actions.append(btn('dismiss', t('c.qa.dismiss'), 'danger-soft'));
    // manual merge
    const others = open.filter((o) => o.q.id !== q.id);
    if (others.length && q.status !== 'answered') {
        const sel = el('select', { class: 'merge-pick', 'data-qid': q.id, 'aria-label': t('c.qa.merge.pick') }, el('option', { value: '' }, t('c.qa.merge.pick')));
        for (const o of others.slice(0, 50)) sel.appendChild(el('option', { value: o.q.id }, (o.q.text || '').slice(0, 40)));
        actions.append(sel);
    }
    li.appendChild(actions);
    if (openForms.has(q.id)) li.appendChild(answerForm(q));
    return li;
}

function answerForm(q) {
    const saved = openForms.get(q.id) || {};
    const text = el('textarea', { rows: '3', maxlength: '2000', placeholder: t('c.qa.answer.placeholder'), 'aria-label': t('c.qa.answer.placeholder'), class: 'answer-text' });
    text.value = saved.text ?? q.answer ?? '';
    const sel = el('select', { class: 'answer-card', 'aria-label': t('c.qa.answer.card') }, el('option', { value: '' }, t('c.qa.answer.nocard')));
    for (const c of allCards()) sel.appendChild(el('option', { value: c.id }, (c.title || c.id).slice(0, 40)));
    sel.value = saved.card ?? q.card_id ?? '';
    return el(
        'form',
        { class: 'answer-form', 'data-qid': q.id },
        text,
        el('div', { class: 'row wrap' }, el('label', null, t('c.qa.answer.card') + ' ', sel), el('button', { type: 'submit', class: 'primary', 'data-action': 'send-answer' }, t('c.qa.answer.send'))),
    );
}

$('#queue').addEventListener('click', async (e) => {
    const b = e.target.closest('button[data-action]');
    if (!b || b.type === 'submit') return;
    const qid = b.dataset.qid;
    const msg = $('#qa-msg');
    switch (b.dataset.action) {
        case 'approve':
            b.disabled = true;
            await act(msg, 'question.approve', { qid }, '');
            break;
        case 'dismiss':
            b.disabled = true;
            await act(msg, 'question.dismiss', { qid }, '');
            break;
        case 'answering':
            b.disabled = true;
            await act(msg, 'question.answering', { qid }, '');
            break;
        case 'answer':
            if (openForms.has(qid)) openForms.delete(qid);
            else openForms.set(qid, {});
            renderQueue();
            $('#queue form.answer-form[data-qid="' + CSS.escape(qid) + '"] textarea')?.focus();
            break;
        case 'merge':
            b.disabled = true;
            await act(msg, 'question.merge', { qid, into: b.dataset.into }, '');
            break;
        default:
            break;
    }
});

$('#queue').addEventListener('change', (e) => {
    const sel = e.target.closest('select.merge-pick');
    if (!sel || !sel.value) return;
    act($('#qa-msg'), 'question.merge', { qid: sel.dataset.qid, into: sel.value }, '');
});

$('#queue').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target.closest('form.answer-form');
    if (!form) return;
    const qid = form.dataset.qid;
    const answer = form.querySelector('textarea').value.trim();
    const card = form.querySelector('select').value;
    const fields = { qid };
    if (answer) fields.answer = answer;
    if (card) fields.card_id = card;
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    const ack = await act($('#qa-msg'), 'question.answer', fields, '');
    btn.disabled = false;
    if (ack) {
        openForms.delete(qid);
        renderQueue();
    }
});

// A fresh snapshot on demand (held questions, mode, backlog come with it).
$('#qa-resync').addEventListener('click', () => client && client.reconnect());

for (const tab of $$('.qtab')) {
    tab.addEventListener('click', () => {
        bucket = tab.dataset.bucket;
        renderQueue();
    });
}

// ---- counters -------------------------------------------------------------------------------

function renderCounters() {
    const c = current.counters || {};
    const p = current.presence || {};
    const v = (k) => c[k] ?? p[k];
    const n = (x) => (x === undefined || x === null ? '–' : Number(x).toLocaleString());
    setText($('#cnt-online'), n(v('online')));
    setText($('#cnt-peak'), n(v('peak')));
    setText($('#cnt-peak-at'), c.peak_at ? t('c.cnt.peak_at', { time: clock(c.peak_at) }) : '');
    setText($('#cnt-views'), n(v('views')));
    setText($('#cnt-unique'), c.unique !== undefined ? t('c.cnt.unique', { n: c.unique }) : '');
    setText($('#cnt-likes'), n(v('likes')));
    setText($('#cnt-questions'), n(c.questions));
    setText($('#cnt-answered'), c.answered !== undefined ? t('c.cnt.answered', { n: c.answered }) : '');
    setText($('#cnt-comments'), n(c.comments));
    const b = current.backlog;
    if (b) {
        setText($('#cnt-backlog'), t('c.cnt.backlog.v', { n: b.open ?? 0 }));
        const sub =
            b.minutes_needed !== null && b.minutes_needed !== undefined
                ? t('c.cnt.backlog.sub', { t: b.threshold, above: b.above_threshold, m: Math.ceil(b.minutes_needed), pace: Number(b.pace_per_min || 0).toFixed(1) })
                : t('c.cnt.backlog.nopace', { t: b.threshold, above: b.above_threshold });
        setText($('#cnt-backlog-sub'), sub);
        const late = b.minutes_needed && current.endsAt && b.minutes_needed * 60000 > current.endsAt - client.serverNow();
        $('#cnt-backlog').closest('.counter').classList.toggle('alert', !!late);
    }
}

// ---- other mod events ---------------------------------------------------------------------

function logMod(ev) {
    $('#modlog-box').hidden = false;
    const { type, ts, ...rest } = ev;
    const list = $('#modlog');
    list.prepend(el('li', null, el('span', { class: 'muted small' }, clock(ts || Date.now()) + ' '), el('strong', null, type + ' '), el('span', { class: 'mono' }, JSON.stringify(rest).slice(0, 300))));
    while (list.children.length > 50) list.lastChild.remove();
}

// ---- everything ------------------------------------------------------------------------------

function renderEverything() {
    renderRoom();
    renderNotice();
    renderDeck();
    renderQueue();
    moderation.render();
    mode.render(false);
    renderCounters();
    quiz.render();
    renderConn();
}

onLangChange(() => {
    quiz.relabel();
    renderSegments();
    if (client) renderEverything();
    if (token) {
        const info = describeToken(token);
        setText($('#who'), info ? t('c.who', { name: info.name, role: info.role }) : '');
    }
});

setInterval(() => {
    if (!client) return;
    quiz.tick();
    renderRoom();
}, 1000);

// ---- boot -------------------------------------------------------------------------------------

setText($('#title'), t('c.title') + ' · ' + roomId);
document.title = t('c.title') + ' · ' + roomId;
renderSegments();
const initial = takeToken(roomId);
const info = initial ? describeToken(initial) : null;
if (!initial) showLogin('');
else if (!info) showLogin(t('c.login.bad', { reason: 'JWT' }));
else if (info.expired) showLogin(t('c.login.expired'));
else if (!isStaffRole(info.role)) showLogin(t('c.login.role', { role: info.role }));
else start(initial);
