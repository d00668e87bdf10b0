// The host and moderator console: /console/{id}.
// Token from #token=<jwt> (then removed from the address bar) or the token form.
// Connects with resume:false so every (re)join brings the full state, including
// the moderators' part (held questions, mode, backlog).

import { connect } from './liveroom.js';
import { t, extend, apply as applyI18n, setLang, getLang, onLangChange, errorText, clock } from './i18n.js';
import { el, $, $$, setText, setLines, batched, roomFromPath, storeGet, storeSet } from './dom.js';
import { takeToken, saveToken, forgetToken, describeToken, isStaffRole, api } from './staff.js';

extend({
    zh: {
        'c.title': '主持控制台',
        'c.link.room': '观众页',
        'c.link.dash': '数据大屏',
        'c.logout': '退出',
        'c.login.title': '输入主持人或管理员令牌',
        'c.login.placeholder': '粘贴令牌（JWT）',
        'c.login.remember': '在此设备上记住（共用电脑请勿勾选）',
        'c.login.go': '进入控制台',
        'c.login.expired': '这个令牌已过期',
        'c.login.role': '这个令牌的角色是“{role}”，控制台需要主持人或管理员',
        'c.login.bad': '令牌无效：{reason}',
        'c.who': '{name}（{role}）',
        'c.cnt.online': '在线',
        'c.cnt.peak': '峰值',
        'c.cnt.views': '观看',
        'c.cnt.likes': '点赞',
        'c.cnt.questions': '提问',
        'c.cnt.comments': '评论',
        'c.cnt.backlog': '待答积压',
        'c.cnt.peak_at': '于 {time}',
        'c.cnt.unique': '独立 {n}',
        'c.cnt.answered': '已答 {n}',
        'c.cnt.backlog.v': '{n} 题',
        'c.cnt.backlog.sub': '≥{t} 票 {above} 题 · 约需 {m} 分钟 · {pace}/分钟',
        'c.cnt.backlog.nopace': '≥{t} 票 {above} 题 · 尚无回答速度',
        'c.room.title': '直播状态',
        'c.room.start': '开始直播',
        'c.room.end': '结束直播',
        'c.room.end.confirm': '确认结束？再点一次',
        'c.room.ends': '计划 {time} 结束',
        'c.room.extended': '已延长至 {time}',
        'c.room.ended': '直播已结束',
        'c.notice.title': '置顶公告',
        'c.notice.placeholder': '公告内容（最多 500 字）',
        'c.notice.set': '发布公告',
        'c.notice.clear': '清除',
        'c.notice.current': '当前：{text}',
        'c.notice.none': '当前没有公告',
        'c.deck.title': '讲解卡片',
        'c.deck.show': '显示',
        'c.deck.showing': '正在显示',
        'c.deck.forbidden': '卡片库需要主持人令牌；可在下方新建卡片',
        'c.deck.failed': '无法读取卡片库：{reason}',
        'c.deck.empty': '卡片库是空的',
        'c.card.new': '新建卡片并显示',
        'c.card.title': '标题（最多 100 字）',
        'c.card.body': '正文（最多 2000 字，可换行）',
        'c.card.segment': '段落',
        'c.card.image': '图片地址（https://…，可不填）',
        'c.card.link': '链接（https://…，可不填）',
        'c.card.show': '显示此卡片',
        'c.seg': '第 {n} 部分',
        'c.qa.title': '问答队列',
        'c.qa.resync': '刷新',
        'c.qa.resync.title': '重新取得完整状态（待审问题、设置、积压）',
        'c.qa.held': '待审核',
        'c.qa.visible': '待回答',
        'c.qa.answering': '正在回答',
        'c.qa.answered': '已回答',
        'c.qa.empty': '这里没有问题',
        'c.qa.approve': '通过',
        'c.qa.dismiss': '关闭',
        'c.qa.answering.btn': '正在回答',
        'c.qa.answer.btn': '回答',
        'c.qa.answer.placeholder': '回答内容（可不填，只关联卡片）',
        'c.qa.answer.send': '提交回答',
        'c.qa.answer.card': '关联卡片',
        'c.qa.answer.nocard': '不关联',
        'c.qa.votes': '{n} 票',
        'c.qa.anonymous': '匿名',
        'c.qa.similar': '相似问题：',
        'c.qa.merge_into': '合并到此题 →',
        'c.qa.answered_match': '已有相似的已答问题：',
        'c.qa.merge': '合并',
        'c.qa.merge.pick': '合并到…',
        'c.qa.more': '更多',
        'c.qa.done': '已完成',
        'c.qa.answer.label': '答：',
        'c.qa.card.label': '卡片：{title}',
        'c.cm.title': '评论',
        'c.cm.held': '待审评论',
        'c.cm.remove': '删除',
        'c.cm.mute': '禁言 5 分钟',
        'c.cm.ban': '封禁',
        'c.cm.ban.confirm': '确认封禁？',
        'c.cm.approve': '通过',
        'c.cm.done': '已处理',
        'c.mode.title': '互动设置',
        'c.mode.slow': '慢速模式（秒，0 = 关）',
        'c.mode.hold_comments': '评论先审后发',
        'c.mode.hold_questions': '提问先审后发',
        'c.mode.words': '屏蔽词（每行一个；可写“词 | mask”或“词 | hold”）',
        'c.mode.words.count': '服务器上有 {n} 个屏蔽词',
        'c.mode.apply': '应用设置',
        'c.mode.applied': '设置已生效',
        'c.quiz.title': '有奖答题',
        'c.quiz.question': '题目',
        'c.quiz.option': '选项 {k}',
        'c.quiz.correct': '正确',
        'c.quiz.remove': '删除选项',
        'c.quiz.add': '添加选项',
        'c.quiz.seconds': '限时（秒，0 = 不限时）',
        'c.quiz.scoring': '计分',
        'c.quiz.accuracy': '准确率',
        'c.quiz.speed': '速度',
        'c.quiz.open': '开始答题',
        'c.quiz.opened': '答题已开始',
        'c.quiz.close': '结束答题并揭晓',
        'c.quiz.need': '请填写题目、至少两个选项，并勾选正确答案',
        'c.quiz.state.open': '进行中 · {n} 人作答',
        'c.quiz.state.left': '进行中 · 剩余 {s} 秒 · {n} 人作答',
        'c.quiz.state.closed': '已揭晓 · {n} 人作答，{c} 人答对',
        'c.draw.count': '抽奖人数',
        'c.draw.scope': '范围',
        'c.draw.all': '所有答题者',
        'c.draw.quiz': '本题：{q}',
        'c.draw.go': '抽奖',
        'c.draw.result': '中奖：{names}',
        'c.draw.none': '没有中奖者',
        'c.log.title': '其他管理消息',
        'c.ok': '已完成',
    },
    en: {
        'c.title': 'Console',
        'c.link.room': 'Viewer page',
        'c.link.dash': 'Dashboard',
        'c.logout': 'Sign out',
        'c.login.title': 'Enter a host or moderator token',
        'c.login.placeholder': 'Paste the token (JWT)',
        'c.login.remember': 'Remember on this device (not on a shared computer)',
        'c.login.go': 'Open the console',
        'c.login.expired': 'This token has expired',
        'c.login.role': 'This token is for a “{role}”; the console needs a moderator or host',
        'c.login.bad': 'Token refused: {reason}',
        'c.who': '{name} ({role})',
        'c.cnt.online': 'Online',
        'c.cnt.peak': 'Peak',
        'c.cnt.views': 'Views',
        'c.cnt.likes': 'Likes',
        'c.cnt.questions': 'Questions',
        'c.cnt.comments': 'Comments',
        'c.cnt.backlog': 'Q&A backlog',
        'c.cnt.peak_at': 'at {time}',
        'c.cnt.unique': '{n} unique',
        'c.cnt.answered': '{n} answered',
        'c.cnt.backlog.v': '{n} open',
        'c.cnt.backlog.sub': '{above} with ≥{t} votes · about {m} min · {pace}/min',
        'c.cnt.backlog.nopace': '{above} with ≥{t} votes · no answer pace yet',
        'c.room.title': 'Room',
        'c.room.start': 'Start',
        'c.room.end': 'End the live',
        'c.room.end.confirm': 'Sure? Click again to end',
        'c.room.ends': 'ends {time}',
        'c.room.extended': 'extended to {time}',
        'c.room.ended': 'The live has ended',
        'c.notice.title': 'Pinned notice',
        'c.notice.placeholder': 'Notice (500 characters)',
        'c.notice.set': 'Pin',
        'c.notice.clear': 'Clear',
        'c.notice.current': 'Now: {text}',
        'c.notice.none': 'No notice now',
        'c.deck.title': 'Card deck',
        'c.deck.show': 'Show',
        'c.deck.showing': 'Showing',
        'c.deck.forbidden': 'The deck needs a host token; you can still make a new card below',
        'c.deck.failed': 'Cannot read the deck: {reason}',
        'c.deck.empty': 'The deck is empty',
        'c.card.new': 'New card, shown at once',
        'c.card.title': 'Title (100 characters)',
        'c.card.body': 'Body (2,000 characters; line breaks kept)',
        'c.card.segment': 'Segment',
        'c.card.image': 'Image URL (https://…, optional)',
        'c.card.link': 'Link (https://…, optional)',
        'c.card.show': 'Show this card',
        'c.seg': 'Part {n}',
        'c.qa.title': 'Q&A queue',
        'c.qa.resync': 'Refresh',
        'c.qa.resync.title': 'Fetch the full state again (held questions, mode, backlog)',
        'c.qa.held': 'Held',
        'c.qa.visible': 'Open',
        'c.qa.answering': 'Answering',
        'c.qa.answered': 'Answered',
        'c.qa.empty': 'No questions here',
        'c.qa.approve': 'Approve',
        'c.qa.dismiss': 'Dismiss',
        'c.qa.answering.btn': 'Answering now',
        'c.qa.answer.btn': 'Answer',
        'c.qa.answer.placeholder': 'Answer (optional when a card is linked)',
        'c.qa.answer.send': 'Send answer',
        'c.qa.answer.card': 'Card',
        'c.qa.answer.nocard': 'none',
        'c.qa.votes': '{n} votes',
        'c.qa.anonymous': 'anonymous',
        'c.qa.similar': 'Similar:',
        'c.qa.merge_into': 'Merge into this →',
        'c.qa.answered_match': 'A similar question was answered:',
        'c.qa.merge': 'Merge',
        'c.qa.merge.pick': 'Merge into…',
        'c.qa.more': 'More',
        'c.qa.done': 'Done',
        'c.qa.answer.label': 'A: ',
        'c.qa.card.label': 'Card: {title}',
        'c.cm.title': 'Comments',
        'c.cm.held': 'Held comments',
        'c.cm.remove': 'Remove',
        'c.cm.mute': 'Mute 5 min',
        'c.cm.ban': 'Ban',
        'c.cm.ban.confirm': 'Sure? Ban',
        'c.cm.approve': 'Approve',
        'c.cm.done': 'Done',
        'c.mode.title': 'Mode',
        'c.mode.slow': 'Slow mode (seconds, 0 = off)',
        'c.mode.hold_comments': 'Hold comments for review',
        'c.mode.hold_questions': 'Hold questions for review',
        'c.mode.words': 'Blocked words (one a line; “word | mask” or “word | hold”)',
        'c.mode.words.count': '{n} blocked words on the server',
        'c.mode.apply': 'Apply',
        'c.mode.applied': 'Applied',
        'c.quiz.title': 'Prize quiz',
        'c.quiz.question': 'Question',
        'c.quiz.option': 'Option {k}',
        'c.quiz.correct': 'correct',
        'c.quiz.remove': 'Remove option',
        'c.quiz.add': 'Add option',
        'c.quiz.seconds': 'Time limit (s, 0 = none)',
        'c.quiz.scoring': 'Scoring',
        'c.quiz.accuracy': 'accuracy',
        'c.quiz.speed': 'speed',
        'c.quiz.open': 'Open the quiz',
        'c.quiz.opened': 'Quiz open',
        'c.quiz.close': 'Close and reveal',
        'c.quiz.need': 'A question, at least two options and a correct one are needed',
        'c.quiz.state.open': 'open · {n} answers',
        'c.quiz.state.left': 'open · {s} s left · {n} answers',
        'c.quiz.state.closed': 'revealed · {n} answers, {c} correct',
        'c.draw.count': 'Winners',
        'c.draw.scope': 'Among',
        'c.draw.all': 'everyone who answered',
        'c.draw.quiz': 'this quiz: {q}',
        'c.draw.go': 'Draw',
        'c.draw.result': 'Winners: {names}',
        'c.draw.none': 'No winners',
        'c.log.title': 'Other moderation messages',
        'c.ok': 'Done',
    },
});

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
    mode: null,
    counters: {},
    backlog: null,
    presence: {},
};
const questions = new Map(); // id → {q, similar: [], answered_match}
let comments = []; // recent published comments
const heldComments = new Map();
const quizzes = new Map();
let liveQuiz = null;
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
            if (state.mod.mode) current.mode = state.mod.mode;
            if (state.mod.backlog) current.backlog = state.mod.backlog;
        }
        comments = (state.comments || []).slice(-100);
        if (state.quiz) {
            liveQuiz = { ...state.quiz, closed: false };
            quizzes.set(liveQuiz.id, liveQuiz);
        }
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
                comments.push(ev.comment);
                if (comments.length > 100) comments.shift();
                heldComments.delete(ev.comment.id);
                renderCommentsSoon();
                break;
            case 'comment.removed':
                comments = comments.filter((x) => x.id !== ev.id);
                renderCommentsSoon();
                break;
            case 'presence':
                current.presence = ev;
                renderCounters();
                break;
            case 'quiz.open':
                liveQuiz = { ...ev.quiz, closed: false };
                quizzes.set(liveQuiz.id, liveQuiz);
                renderQuiz();
                break;
            case 'quiz.tally':
            case 'quiz.close': {
                const q = quizzes.get(ev.id) || { id: ev.id, question: '', options: [] };
                Object.assign(q, { counts: ev.counts, total: ev.total });
                if (ev.type === 'quiz.close') Object.assign(q, { closed: true, correct: ev.correct, correct_count: ev.correct_count });
                quizzes.set(q.id, q);
                liveQuiz = q;
                renderQuiz();
                break;
            }
            case 'draw.result':
                addDraw(ev);
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
    c.on('mod.mode', (ev) => {
        current.mode = ev.mode || ev; // the mode's fields, inline or under "mode"
        renderMode(false);
    });
    c.on('mod', (ev) => {
        if (['mod.question', 'mod.counters', 'mod.mode'].includes(ev.type)) return;
        if (ev.type === 'mod.comment' && ev.comment) {
            // Held comments (the server will send them when comment moderation lands).
            if (ev.held === false || ev.status === 'published' || ev.status === 'removed') heldComments.delete(ev.comment.id);
            else heldComments.set(ev.comment.id, ev.comment);
            renderHeldComments();
            return;
        }
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

// ---- comments stream with moderation ------------------------------------------------------------

const renderCommentsSoon = batched(renderComments);

function commentItem(c, held) {
    const li = el('li', { class: 'cm', 'data-cid': c.id });
    li.append(el('span', { class: 'author' }, (c.author && c.author.name) || '?'), el('span', { class: 'text' }, c.text || ''));
    const actions = el('span', { class: 'cm-actions' });
    const btn = (action, label, cls) => el('button', { type: 'button', class: 'tiny ' + (cls || ''), 'data-action': action, 'data-cid': c.id, 'data-user': c.author ? c.author.id : '' }, label);
    if (held) actions.append(btn('approve', t('c.cm.approve')));
    actions.append(btn('remove', t('c.cm.remove')), btn('mute', t('c.cm.mute')), btn('ban', t('c.cm.ban'), 'danger-soft'));
    li.appendChild(actions);
    return li;
}

function renderComments() {
    const list = $('#cstream');
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(...comments.map((c) => commentItem(c, false)));
    if (nearBottom) list.scrollTop = list.scrollHeight;
}

function renderHeldComments() {
    $('#held-comments-box').hidden = heldComments.size === 0;
    $('#held-comments').replaceChildren(...[...heldComments.values()].map((c) => commentItem(c, true)));
}

async function onCommentAction(e) {
    const b = e.target.closest('button[data-action]');
    if (!b) return;
    const msg = $('#cm-msg');
    const { cid, user } = b.dataset;
    switch (b.dataset.action) {
        case 'approve':
            if (await act(msg, 'comment.approve', { cid })) heldComments.delete(cid);
            renderHeldComments();
            break;
        case 'remove':
            if (await act(msg, 'comment.remove', { cid })) heldComments.delete(cid);
            renderHeldComments();
            break;
        case 'mute':
            await act(msg, 'user.mute', { user, seconds: 300 });
            break;
        case 'ban':
            if (!b.classList.contains('armed')) {
                b.classList.add('armed');
                setText(b, t('c.cm.ban.confirm'));
                setTimeout(() => {
                    b.classList.remove('armed');
                    setText(b, t('c.cm.ban'));
                }, 4000);
                return;
            }
            await act(msg, 'user.ban', { user });
            break;
        default:
            break;
    }
}
$('#cstream').addEventListener('click', onCommentAction);
$('#held-comments').addEventListener('click', onCommentAction);

// ---- mode --------------------------------------------------------------------------------

const wordsKey = 'liveroom.words.' + roomId;

function renderMode(fillForm) {
    const m = current.mode;
    if (!m) return;
    if (fillForm) {
        $('#mode-slow').value = String(m.slow_seconds || 0);
        $('#mode-hold-comments').checked = !!m.hold_comments;
        $('#mode-words').value = storeGet('session', wordsKey) || '';
    }
    $('#mode-hold-questions').checked = !!m.hold_questions;
    $('#qa-hold-quick').checked = !!m.hold_questions;
    setText($('#mode-words-count'), t('c.mode.words.count', { n: typeof m.blocked_words === 'number' ? m.blocked_words : (m.blocked_words || []).length }));
}

function parseWords(text) {
    const out = [];
    for (const line of text.split('\n')) {
        const [word, action] = line.split('|').map((s) => s.trim());
        if (!word) continue;
        if (action && ['block', 'mask', 'hold'].includes(action)) out.push({ word, action });
        else out.push(word);
    }
    return out;
}

$('#mode-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const words = $('#mode-words').value;
    const fields = {
        slow_seconds: Math.max(0, Number($('#mode-slow').value) || 0),
        hold_comments: $('#mode-hold-comments').checked,
        hold_questions: $('#mode-hold-questions').checked,
        blocked_words: parseWords(words),
    };
    const ack = await act($('#mode-msg'), 'room.mode', fields, t('c.mode.applied'));
    if (ack) {
        storeSet('session', wordsKey, words);
        if (ack.mode) current.mode = ack.mode;
        renderMode(false);
    }
});

$('#qa-hold-quick').addEventListener('change', async (e) => {
    const want = e.target.checked;
    const ack = await act($('#qa-msg'), 'room.mode', { hold_questions: want }, t('c.mode.applied'));
    if (ack && ack.mode) current.mode = ack.mode;
    renderMode(false);
});

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

// ---- quiz and draw -------------------------------------------------------------------------------

function optionRow(i, text = '', correct = false) {
    const input = el('input', { class: 'opt-text', maxlength: '100', placeholder: t('c.quiz.option', { k: String.fromCharCode(65 + i) }), 'aria-label': t('c.quiz.option', { k: String.fromCharCode(65 + i) }) });
    input.value = text;
    const box = el('input', { type: 'checkbox', class: 'opt-correct' });
    box.checked = correct;
    return el(
        'li',
        null,
        el('span', { class: 'opt-key' }, String.fromCharCode(65 + i)),
        input,
        el('label', { class: 'check small' }, box, ' ' + t('c.quiz.correct')),
        el('button', { type: 'button', class: 'tiny', 'data-action': 'remove-opt', 'aria-label': t('c.quiz.remove') }, '×'),
    );
}

function quizOptions() {
    return $$('#quiz-options li').map((li) => ({ text: li.querySelector('.opt-text').value.trim(), correct: li.querySelector('.opt-correct').checked }));
}

function renderQuizOptions(opts) {
    $('#quiz-options').replaceChildren(...opts.map((o, i) => optionRow(i, o.text, o.correct)));
}

renderQuizOptions([{ text: '', correct: true }, { text: '', correct: false }, { text: '', correct: false }]);

$('#quiz-add').addEventListener('click', () => {
    const opts = quizOptions();
    if (opts.length >= 8) return;
    opts.push({ text: '', correct: false });
    renderQuizOptions(opts);
    $$('#quiz-options .opt-text').at(-1).focus();
});
$('#quiz-options').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action=remove-opt]');
    if (!b) return;
    const opts = quizOptions();
    if (opts.length <= 2) return;
    const i = $$('#quiz-options li').indexOf(b.closest('li'));
    opts.splice(i, 1);
    renderQuizOptions(opts);
});

$('#quiz-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const question = $('#quiz-question').value.trim();
    const opts = quizOptions().filter((o) => o.text);
    const correct = opts.map((o, i) => (o.correct ? i : -1)).filter((i) => i >= 0);
    if (!question || opts.length < 2 || !correct.length) return showMsg($('#quiz-msg'), t('c.quiz.need'), true);
    const ack = await act($('#quiz-msg'), 'quiz.open', {
        question,
        options: opts.map((o) => o.text),
        correct,
        seconds: Math.max(0, Number($('#quiz-seconds').value) || 0),
        scoring: $('#quiz-scoring').value,
    }, t('c.quiz.opened'));
    if (ack) $('#quiz-question').value = '';
});

$('#quiz-close').addEventListener('click', () => {
    if (liveQuiz) act($('#quiz-msg'), 'quiz.close', { quiz: liveQuiz.id });
});

$('#draw-go').addEventListener('click', async () => {
    const fields = { count: Math.max(1, Number($('#draw-count').value) || 1) };
    const scope = $('#draw-scope').value;
    if (scope) fields.quiz = scope;
    await act($('#quiz-msg'), 'draw', fields);
});

function renderQuiz() {
    const q = liveQuiz;
    $('#quiz-live').hidden = !q;
    // draw scope choices
    const sel = $('#draw-scope');
    const keep = sel.value;
    sel.replaceChildren(el('option', { value: '' }, t('c.draw.all')));
    for (const z of quizzes.values()) sel.appendChild(el('option', { value: z.id }, t('c.draw.quiz', { q: (z.question || z.id).slice(0, 30) })));
    sel.value = keep && quizzes.has(keep) ? keep : q ? q.id : '';
    if (!q) return;
    setText($('#quiz-live-q'), q.question || q.id);
    tickQuiz();
    const counts = q.counts || [];
    const total = Math.max(1, q.total || counts.reduce((a, b) => a + b, 0));
    $('#quiz-live-counts').replaceChildren(
        ...(q.options || counts).map((text, i) => {
            const fill = el('span', { class: 'fill' });
            fill.style.width = Math.round((100 * (counts[i] || 0)) / total) + '%';
            const correct = q.closed && (q.correct || []).includes(i);
            return el('li', { class: correct ? 'correct' : '' }, el('span', { class: 'lbl' }, String.fromCharCode(65 + i) + ' ' + (typeof text === 'string' ? text : '')), el('span', { class: 'bar' }, fill), el('span', { class: 'num' }, String(counts[i] || 0)));
        }),
    );
    $('#quiz-close').hidden = !!q.closed;
}

function tickQuiz() {
    const q = liveQuiz;
    if (!q) return;
    let s;
    if (q.closed) s = t('c.quiz.state.closed', { n: q.total || 0, c: q.correct_count ?? '?' });
    else if (q.closes_at) s = t('c.quiz.state.left', { s: Math.max(0, Math.ceil((q.closes_at - client.serverNow()) / 1000)), n: q.total || 0 });
    else s = t('c.quiz.state.open', { n: q.total || 0 });
    setText($('#quiz-live-state'), s);
}

function addDraw(ev) {
    const names = (ev.winners || []).map((w) => w.name || w.id).join('、');
    $('#draw-results').prepend(
        el('li', null, el('p', { class: 'strong' }, names ? t('c.draw.result', { names }) : t('c.draw.none')), el('p', { class: 'mono muted' }, 'seed_hash ' + (ev.seed_hash || '')), el('p', { class: 'mono muted' }, 'seed ' + (ev.seed || ''))),
    );
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
    renderComments();
    renderHeldComments();
    renderMode(true);
    renderCounters();
    renderQuiz();
    renderConn();
}

onLangChange(() => {
    const opts = quizOptions();
    renderQuizOptions(opts);
    renderSegments();
    if (client) renderEverything();
    if (token) {
        const info = describeToken(token);
        setText($('#who'), info ? t('c.who', { name: info.name, role: info.role }) : '');
    }
});

setInterval(() => {
    if (!client) return;
    tickQuiz();
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
