// A small i18n table for the pages: zh-CN by default, English on request.
// The choice is kept in localStorage ('liveroom.lang'). Elements carry
// data-i18n="key" (textContent), data-i18n-placeholder, data-i18n-title and
// data-i18n-aria-label; apply() fills them. Values are plain text (never HTML);
// {name} placeholders are filled by t(key, {name: ...}).

const TABLE = {
    zh: {
        'lang.switch': 'EN',
        'lang.switch.title': 'Switch to English',
        'large.on': '大字',
        'large.title': '大字模式（放大文字和按钮）',
        'conn.connecting': '连接中…',
        'conn.live': '已连接',
        'conn.reconnecting': '重新连接中…',
        'conn.reconnecting.in': '{s} 秒后重连…',
        'conn.offline': '已断开',
        'conn.offline.network': '网络已断开，恢复后自动重连',
        'conn.denied': '无法进入：{reason}',
        'conn.retry': '立即重连',
        'conn.noroom': '没有这个直播间',
        'conn.forbidden': '这个直播间需要邀请',
        'status.scheduled': '未开始',
        'status.live': '直播中',
        'status.ended': '已结束',
        'status.ends_at': '{time} 结束',
        'status.ended_at': '已于 {time} 结束',
        'status.left': '剩余 {m} 分钟',
        'status.extended': '已延长',
        'online': '在线 {n}',
        'likes': '点赞',
        'like.button': '点赞',
        'notice.label': '公告',
        'card.segment': '第 {n} 部分',
        'card.none': '讲解卡片将在直播开始后显示',
        'card.link': '查看详情',
        'tab.comments': '评论',
        'tab.qa': '问答',
        'comments.empty': '还没有评论，来说第一句吧',
        'comment.placeholder': '说点什么…',
        'comment.send': '发送',
        'comment.held': '已提交，审核通过后显示',
        'comment.mine': '我',
        'ask.placeholder': '向主讲人提问…（最多 300 字）',
        'ask.anonymous': '匿名提问',
        'ask.send': '提问',
        'ask.sent': '提问成功',
        'ask.held': '已提交，审核通过后显示',
        'ask.similar': '有一个相似的问题已经回答过：',
        'qa.empty': '还没有问题，欢迎提问',
        'qa.answering': '正在回答',
        'qa.answered': '已回答',
        'qa.visible': '待回答',
        'qa.held': '待审核',
        'qa.dismissed': '已关闭',
        'qa.merged': '已合并',
        'qa.anonymous': '匿名',
        'qa.answer': '答：',
        'qa.card': '相关卡片：{title}',
        'qa.card.unknown': '答案附有讲解卡片（稍后在直播中展示）',
        'qa.vote': '赞同',
        'qa.votes': '{n} 人赞同',
        'qa.mine': '我的提问',
        'qa.now': '现在正在回答',
        'quiz.title': '有奖答题',
        'quiz.submit': '提交答案',
        'quiz.multi': '多选题',
        'quiz.single': '单选题',
        'quiz.left': '剩余 {s} 秒',
        'quiz.closed': '答题已结束',
        'quiz.answered': '已提交，等待揭晓',
        'quiz.pick': '请先选择答案',
        'quiz.correct': '回答正确！',
        'quiz.wrong': '回答错误',
        'quiz.noanswer': '你没有作答',
        'quiz.total': '{n} 人作答，{c} 人答对',
        'quiz.answer_is': '正确答案',
        'quiz.untimed': '不限时',
        'draw.title': '抽奖结果',
        'draw.winners': '中奖者（{n} 人）',
        'draw.none': '本次没有中奖者',
        'draw.you': '恭喜你中奖了！',
        'draw.verify': '验证',
        'draw.verifying': '验证中…',
        'draw.seed': '种子',
        'draw.seed_hash': '种子哈希',
        'draw.ok': '✓ 种子哈希一致（SHA-256）',
        'draw.ok_commit': '✓ 与答题开始时公布的哈希一致',
        'draw.bad': '✗ 种子与哈希不一致',
        'draw.bad_commit': '✗ 与答题开始时公布的哈希不一致',
        'draw.nocrypto': '此浏览器无法验证（需要 HTTPS）',
        'draw.algo': '中奖者的计算方法将另行公布；目前只验证种子。',
        'name.label': '昵称：',
        'name.edit': '修改',
        'name.save': '保存',
        'name.cancel': '取消',
        'name.placeholder': '你的昵称（最多 32 字）',
        'ended.banner': '直播已结束，感谢观看',
        'replay.title': '回放',
        'replay.unavailable': '回放稍后提供',
        'replay.loading': '正在加载回放…',
        'replay.play': '播放',
        'replay.pause': '暂停',
        'err.offline': '未连接，请稍候再试',
        'err.timeout': '服务器没有响应，请重试',
        'err.disconnected': '连接中断，请确认是否已发送',
        'err.rate_limited': '操作太快了，请稍后再试',
        'err.too_large': '内容太长了',
        'err.blocked': '内容包含不允许的词语，未发送',
        'err.muted': '你已被禁言',
        'err.banned': '你已被移出直播间',
        'err.closed': '已关闭',
        'err.duplicate': '已经提交过了',
        'err.forbidden': '没有权限',
        'err.not_found': '找不到',
        'err.bad_request': '请求无效：{message}',
        'err.unsupported': '服务器暂不支持此功能',
        'err.empty': '请输入内容',
        'index.title': '直播间',
        'room.title': '直播间',
        'index.lead': '进入直播间，参与互动问答和有奖答题',
        'index.demo': '进入演示直播间',
        'index.enter': '输入直播间号',
        'index.go': '进入',
        'index.rooms': '直播列表',
        'index.rooms.none': '暂无直播',
        'index.staff': '工作人员',
        'index.console': '主持控制台',
        'index.dashboard': '数据大屏',
        'index.room_id': '直播间号',
    },
    en: {
        'lang.switch': '中文',
        'lang.switch.title': '切换到中文',
        'large.on': 'A+',
        'large.title': 'Large text (bigger text and buttons)',
        'conn.connecting': 'Connecting…',
        'conn.live': 'Connected',
        'conn.reconnecting': 'Reconnecting…',
        'conn.reconnecting.in': 'Reconnecting in {s} s…',
        'conn.offline': 'Offline',
        'conn.offline.network': 'No network; will reconnect when it is back',
        'conn.denied': 'Cannot join: {reason}',
        'conn.retry': 'Retry now',
        'conn.noroom': 'there is no such room',
        'conn.forbidden': 'this room is by invitation only',
        'status.scheduled': 'Upcoming',
        'status.live': 'Live',
        'status.ended': 'Ended',
        'status.ends_at': 'ends {time}',
        'status.ended_at': 'ended {time}',
        'status.left': '{m} min left',
        'status.extended': 'Extended',
        'online': '{n} online',
        'likes': 'likes',
        'like.button': 'Like',
        'notice.label': 'Notice',
        'card.segment': 'Part {n}',
        'card.none': 'The explainer card appears once the live starts',
        'card.link': 'More',
        'tab.comments': 'Comments',
        'tab.qa': 'Q&A',
        'comments.empty': 'No comments yet',
        'comment.placeholder': 'Say something…',
        'comment.send': 'Send',
        'comment.held': 'Sent; it shows once approved',
        'comment.mine': 'me',
        'ask.placeholder': 'Ask the presenter… (300 characters)',
        'ask.anonymous': 'Ask anonymously',
        'ask.send': 'Ask',
        'ask.sent': 'Question sent',
        'ask.held': 'Sent; it shows once approved',
        'ask.similar': 'A similar question was already answered:',
        'qa.empty': 'No questions yet',
        'qa.answering': 'Answering now',
        'qa.answered': 'Answered',
        'qa.visible': 'Open',
        'qa.held': 'Awaiting review',
        'qa.dismissed': 'Closed',
        'qa.merged': 'Merged',
        'qa.anonymous': 'Anonymous',
        'qa.answer': 'A: ',
        'qa.card': 'Card: {title}',
        'qa.card.unknown': 'The answer comes with an explainer card (shown later in the live)',
        'qa.vote': 'Vote',
        'qa.votes': '{n} votes',
        'qa.mine': 'My question',
        'qa.now': 'Being answered now',
        'quiz.title': 'Prize quiz',
        'quiz.submit': 'Submit',
        'quiz.multi': 'Choose all that apply',
        'quiz.single': 'Choose one',
        'quiz.left': '{s} s left',
        'quiz.closed': 'Answers closed',
        'quiz.answered': 'Answer sent; wait for the reveal',
        'quiz.pick': 'Pick an answer first',
        'quiz.correct': 'Correct!',
        'quiz.wrong': 'Not quite',
        'quiz.noanswer': 'You did not answer',
        'quiz.total': '{n} answered, {c} correct',
        'quiz.answer_is': 'correct',
        'quiz.untimed': 'untimed',
        'draw.title': 'Prize draw',
        'draw.winners': 'Winners ({n})',
        'draw.none': 'No winners this time',
        'draw.you': 'Congratulations, you won!',
        'draw.verify': 'Verify',
        'draw.verifying': 'Verifying…',
        'draw.seed': 'seed',
        'draw.seed_hash': 'seed hash',
        'draw.ok': '✓ the seed matches its hash (SHA-256)',
        'draw.ok_commit': '✓ matches the hash published when the quiz opened',
        'draw.bad': '✗ the seed does not match its hash',
        'draw.bad_commit': '✗ differs from the hash published when the quiz opened',
        'draw.nocrypto': 'This browser cannot verify (needs HTTPS)',
        'draw.algo': 'How winners follow from the seed will be published; only the seed is checked for now.',
        'name.label': 'Name:',
        'name.edit': 'Edit',
        'name.save': 'Save',
        'name.cancel': 'Cancel',
        'name.placeholder': 'Your name (32 characters)',
        'ended.banner': 'The live has ended. Thank you for watching',
        'replay.title': 'Replay',
        'replay.unavailable': 'The replay will be available later',
        'replay.loading': 'Loading the replay…',
        'replay.play': 'Play',
        'replay.pause': 'Pause',
        'err.offline': 'Not connected; try again in a moment',
        'err.timeout': 'No answer from the server; try again',
        'err.disconnected': 'The connection dropped; check whether it was sent',
        'err.rate_limited': 'Too fast; try again in a moment',
        'err.too_large': 'Too long',
        'err.blocked': 'Contains a word that is not allowed; not sent',
        'err.muted': 'You are muted',
        'err.banned': 'You were removed from the room',
        'err.closed': 'Closed',
        'err.duplicate': 'Already sent',
        'err.forbidden': 'Not allowed',
        'err.not_found': 'Not found',
        'err.bad_request': 'Invalid request: {message}',
        'err.unsupported': 'The server does not support this yet',
        'err.empty': 'Type something first',
        'index.title': 'Live rooms',
        'room.title': 'Live room',
        'index.lead': 'Join a live room: ask, vote and answer prize quizzes',
        'index.demo': 'Enter the demo room',
        'index.enter': 'Room id',
        'index.go': 'Enter',
        'index.rooms': 'Rooms',
        'index.rooms.none': 'No rooms',
        'index.staff': 'Staff',
        'index.console': 'Console',
        'index.dashboard': 'Dashboard',
        'index.room_id': 'Room id',
    },
};

const KEY = 'liveroom.lang';
let lang = 'zh';
try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'en' || saved === 'zh') lang = saved;
} catch {
    /* storage disabled */
}

const listeners = new Set();

export function getLang() {
    return lang;
}

/** Adds strings for a page (e.g. the console's); later tables win. */
export function extend(more) {
    for (const l of Object.keys(more)) Object.assign((TABLE[l] ||= {}), more[l]);
}

export function t(key, params) {
    let s = (TABLE[lang] && TABLE[lang][key]) ?? TABLE.zh[key] ?? key;
    if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
    return s;
}

/** Fills every data-i18n* element under root. */
export function apply(root = document) {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
    for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
    for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
        el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
    }
}

export function setLang(next) {
    lang = next === 'en' ? 'en' : 'zh';
    try {
        localStorage.setItem(KEY, lang);
    } catch {
        /* ignore */
    }
    apply();
    for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
    listeners.add(fn);
}

/** Text for a LiveroomError (or any error with a code). */
export function errorText(err) {
    if (!err) return '';
    if (err.code === 'bad_request' && /not supported/i.test(err.message || '')) return t('err.unsupported');
    const key = 'err.' + err.code;
    if (TABLE.zh[key]) return t(key, { message: err.message || '' });
    return err.message || String(err);
}

/** hh:mm in the viewer's zone. */
export function clock(ms) {
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
}
