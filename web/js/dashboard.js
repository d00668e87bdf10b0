// The big-screen counters dashboard: /dashboard/{id}. Needs a moderator or
// host token (#token=… or the form) because the counters it charts come from
// mod.counters. Rates per minute are computed here from the cumulative counts.

import { connect } from './liveroom.js';
import { t, extend, apply as applyI18n, setLang, getLang, onLangChange, clock } from './i18n.js';
import { el, $, setText, roomFromPath } from './dom.js';
import { takeToken, saveToken, describeToken, isStaffRole, api } from './staff.js';
import { lineChart, barChart } from './charts.js';

extend({
    zh: {
        'd.title': '数据大屏',
        'd.login': '输入主持人或管理员令牌',
        'd.login.go': '打开大屏',
        'd.login.bad': '令牌无效：{reason}',
        'd.online': '当前在线',
        'd.peak': '峰值',
        'd.views': '累计观看',
        'd.likes': '点赞',
        'd.qpm': '提问 / 分钟',
        'd.cpm': '评论 / 分钟',
        'd.peak_at': '于 {time}',
        'd.unique': '独立观众 {n}',
        'd.total': '累计 {n}',
        'd.chart.online': '在线人数（最近 30 分钟）',
        'd.chart.questions': '每分钟提问',
        'd.chart.comments': '每分钟评论',
        'd.chart.likes': '每分钟点赞',
        'd.quiz.open': '答题进行中 · {n} 人作答',
        'd.quiz.closed': '已揭晓 · {n} 人作答，{c} 人答对',
    },
    en: {
        'd.title': 'Dashboard',
        'd.login': 'Enter a host or moderator token',
        'd.login.go': 'Open the dashboard',
        'd.login.bad': 'Token refused: {reason}',
        'd.online': 'Online now',
        'd.peak': 'Peak',
        'd.views': 'Views',
        'd.likes': 'Likes',
        'd.qpm': 'Questions / min',
        'd.cpm': 'Comments / min',
        'd.peak_at': 'at {time}',
        'd.unique': '{n} unique viewers',
        'd.total': '{n} in all',
        'd.chart.online': 'Online (last 30 minutes)',
        'd.chart.questions': 'Questions per minute',
        'd.chart.comments': 'Comments per minute',
        'd.chart.likes': 'Likes per minute',
        'd.quiz.open': 'Quiz open · {n} answers',
        'd.quiz.closed': 'Revealed · {n} answers, {c} correct',
    },
});

const roomId = roomFromPath();
const html = document.documentElement;
const WINDOW = 30 * 60000;
applyI18n();

let client = null;
let latest = {}; // the newest values: online, peak, peak_at, views, unique, likes, questions, comments
let status = '';
const samples = []; // {t, online, likes, questions, comments} once a second
let history = []; // per-minute timeline from the export API, when it exists
let quiz = null;

function showLogin(message) {
    $('#login').hidden = false;
    $('#app').hidden = true;
    setText($('#login-msg'), message || '');
}

$('#login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('#login-token').value.trim();
    const info = describeToken(token);
    if (!info || info.expired || !isStaffRole(info.role)) return showLogin(t('d.login.bad', { reason: info ? info.role || 'exp' : 'JWT' }));
    saveToken(roomId, token, false);
    start(token);
});
$('#btn-lang').addEventListener('click', () => setLang(getLang() === 'zh' ? 'en' : 'zh'));

function start(token) {
    $('#login').hidden = true;
    $('#app').hidden = false;
    client = connect('/ws', { room: roomId, token, resume: false });
    window.liveroom = client;
    client.on('connection', (c) => {
        $('#conn').className = 'conn conn-' + c.state;
        setText($('#conn-text'), t('conn.' + c.state));
        html.dataset.conn = c.state;
        if (c.fatal) showLogin(t('d.login.bad', { reason: c.reason || '' }));
    });
    client.on('denied', (d) => showLogin(t('d.login.bad', { reason: d.message || d.code })));
    client.on('snapshot', (state) => {
        Object.assign(latest, state.presence || {});
        status = state.status;
        if (state.quiz) quiz = { ...state.quiz, closed: false };
        renderTiles();
        renderQuiz();
    });
    client.on('presence', (ev) => {
        Object.assign(latest, { online: ev.online, peak: ev.peak, views: ev.views, likes: ev.likes });
        renderTiles();
    });
    client.on('mod.counters', (ev) => {
        const { type, ts, backlog, ...rest } = ev;
        Object.assign(latest, rest);
        renderTiles();
    });
    client.on('room.status', (ev) => {
        status = ev.status;
        renderTiles();
    });
    client.on('quiz.open', (ev) => {
        quiz = { ...ev.quiz, closed: false };
        renderQuiz();
    });
    for (const type of ['quiz.tally', 'quiz.close']) {
        client.on(type, (ev) => {
            if (!quiz || quiz.id !== ev.id) quiz = { id: ev.id, question: '', options: [] };
            Object.assign(quiz, { counts: ev.counts, total: ev.total });
            if (type === 'quiz.close') Object.assign(quiz, { closed: true, correct: ev.correct, correct_count: ev.correct_count });
            renderQuiz();
        });
    }
    api('/api/rooms/' + encodeURIComponent(roomId), token).then((r) => {
        if (r.ok && r.body && r.body.title) {
            setText($('#title'), r.body.title);
            document.title = t('d.title') + ' · ' + r.body.title;
        }
    });
    // The per-minute timeline before this page opened (arrives with the export API).
    api('/api/rooms/' + encodeURIComponent(roomId) + '/export?format=json', token).then((r) => {
        if (r.ok && r.body && Array.isArray(r.body.timeline)) history = r.body.timeline;
    });
    setInterval(sample, 1000);
    setInterval(renderCharts, 2000);
    window.addEventListener('resize', renderCharts);
}

function sample() {
    const now = client.serverNow();
    setText($('#clock'), clock(now) + ':' + String(new Date(now).getSeconds()).padStart(2, '0'));
    if (latest.online === undefined) return;
    samples.push({ t: now, online: latest.online, likes: latest.likes, questions: latest.questions, comments: latest.comments });
    while (samples.length && samples[0].t < now - WINDOW - 120000) samples.shift();
    renderRates();
}

const fmt = (v) => (v === undefined || v === null ? '–' : Number(v).toLocaleString());

function renderTiles() {
    setText($('#v-online'), fmt(latest.online));
    setText($('#v-peak'), fmt(latest.peak));
    setText($('#v-peak-at'), latest.peak_at ? t('d.peak_at', { time: clock(latest.peak_at) }) : '');
    setText($('#v-views'), fmt(latest.views));
    setText($('#v-unique'), latest.unique !== undefined ? t('d.unique', { n: fmt(latest.unique) }) : '');
    setText($('#v-likes'), fmt(latest.likes));
    setText($('#v-questions'), latest.questions !== undefined ? t('d.total', { n: fmt(latest.questions) }) : '');
    setText($('#v-comments'), latest.comments !== undefined ? t('d.total', { n: fmt(latest.comments) }) : '');
    const b = $('#room-status');
    b.className = 'badge status-' + status;
    setText(b, status ? t('status.' + status) : '');
}

/** Increase of a cumulative counter over the last 60 s of samples. */
function lastMinute(key) {
    if (samples.length < 2) return null;
    const now = samples[samples.length - 1];
    if (now[key] === undefined) return null;
    let from = samples[0];
    for (const s of samples) {
        if (s.t >= now.t - 60000) {
            from = s;
            break;
        }
    }
    if (from[key] === undefined) return null;
    return Math.max(0, now[key] - from[key]);
}

function renderRates() {
    const q = lastMinute('questions');
    const c = lastMinute('comments');
    setText($('#v-qpm'), q === null ? '–' : fmt(q));
    setText($('#v-cpm'), c === null ? '–' : fmt(c));
}

/** Per-minute increases of a cumulative counter over the window (history first, then samples). */
function perMinute(key, now) {
    const first = Math.floor((now - WINDOW) / 60000) * 60000;
    const buckets = new Map();
    for (const h of history) {
        const v = h[key];
        const m = minuteOf(h);
        if (typeof m === 'number' && typeof v === 'number' && m >= first) buckets.set(m, v);
    }
    // From samples: the last value in each minute minus the last value of the minute before.
    // The first minute seen counts from its first sample.
    const lastIn = new Map();
    let prev = null;
    for (const s of samples) {
        if (s[key] === undefined) continue;
        if (prev === null) prev = s[key];
        lastIn.set(Math.floor(s.t / 60000) * 60000, s[key]);
    }
    for (const [m, v] of [...lastIn.entries()].sort((a, b) => a[0] - b[0])) {
        if (m >= first) buckets.set(m, Math.max(0, v - prev));
        prev = v;
    }
    const out = [];
    const startAt = Math.min(...[...buckets.keys(), Math.floor(now / 60000) * 60000]);
    for (let m = Math.max(first, startAt - 60000 * 4); m <= now; m += 60000) out.push({ t: m, v: buckets.get(m) || 0 });
    return out;
}

const minuteOf = (h) => h.minute ?? h.t ?? h.ts;

function renderCharts() {
    if (!client || $('#app').hidden) return;
    const now = client.serverNow();
    const firstSample = samples.length ? samples[0].t : now;
    const past = history
        .filter((h) => typeof minuteOf(h) === 'number' && minuteOf(h) < firstSample)
        .map((h) => ({ t: minuteOf(h), v: h.online || 0 }));
    const points = [...past, ...samples.map((s) => ({ t: s.t, v: s.online }))];
    const earliest = points.length ? points[0].t : now;
    const t0 = Math.min(now - 2 * 60000, Math.max(now - WINDOW, earliest));
    lineChart($('#chart-online'), points, t0, now);
    barChart($('#chart-questions'), perMinute('questions', now));
    barChart($('#chart-comments'), perMinute('comments', now));
    barChart($('#chart-likes'), perMinute('likes', now));
}

function renderQuiz() {
    $('#quiz').hidden = !quiz;
    if (!quiz) return;
    setText($('#quiz-q'), quiz.question || '');
    setText($('#quiz-state'), quiz.closed ? t('d.quiz.closed', { n: quiz.total || 0, c: quiz.correct_count ?? '?' }) : t('d.quiz.open', { n: quiz.total || 0 }));
    const counts = quiz.counts || [];
    const total = Math.max(1, quiz.total || counts.reduce((a, b) => a + b, 0));
    $('#quiz-bars').replaceChildren(
        ...(quiz.options.length ? quiz.options : counts).map((text, i) => {
            const fill = el('span', { class: 'fill' });
            fill.style.width = Math.round((100 * (counts[i] || 0)) / total) + '%';
            const correct = quiz.closed && (quiz.correct || []).includes(i);
            return el(
                'li',
                { class: correct ? 'correct' : '' },
                el('span', { class: 'lbl' }, String.fromCharCode(65 + i) + (typeof text === 'string' ? ' ' + text : '') + (correct ? ' ✓' : '')),
                el('span', { class: 'bar' }, fill),
                el('span', { class: 'num' }, fmt(counts[i] || 0)),
            );
        }),
    );
}

onLangChange(() => {
    renderTiles();
    renderQuiz();
    if (client) setText($('#conn-text'), t('conn.' + client.state));
});

setText($('#title'), t('d.title') + ' · ' + roomId);
const initial = takeToken(roomId);
const info = initial ? describeToken(initial) : null;
if (!initial) showLogin('');
else if (!info || info.expired || !isStaffRole(info.role)) showLogin(t('d.login.bad', { reason: info ? info.role || 'exp' : 'JWT' }));
else start(initial);
