// The viewer's quiz panel: the open quiz with a countdown in server time,
// answer buttons (single or multi), "your answer", live tally bars, the reveal
// (correct options, distribution), the leaderboard's top 10 and the viewer's
// own rank (the `rank` request after each close).

import { t, errorText } from './i18n.js';
import { el, $, setText, storeGet, storeSet } from './dom.js';

const letter = (i) => String.fromCharCode(65 + i);

/**
 * client: the liveroom client; getView(): the room being shown (live or the
 * replay's position); isReplaying(): true while the replay shows the past.
 */
export function createQuizPanel({ client, roomId, getView, isReplaying, showMsg }) {
    const answersKey = 'liveroom.quiz.' + roomId;
    const myAnswers = new Map(Object.entries(JSON.parse(storeGet('session', answersKey) || '{}')));
    let shown = null; // id of the quiz whose options are built
    let myRank = null; // the last `rank` ack
    let rankFor = null; // the quiz id it was asked after

    const save = () => storeSet('session', answersKey, JSON.stringify(Object.fromEntries(myAnswers)));
    const picked = (q) => {
        const a = myAnswers.get(q.id);
        return a === undefined ? null : [].concat(a).map(Number);
    };

    function isClosed(q) {
        return q.closed || (q.closes_at && client.serverNow() >= q.closes_at);
    }

    function buildOptions(q) {
        const mine = picked(q) || [];
        const opts = $('#quiz-options');
        opts.replaceChildren();
        (q.options || []).forEach((text, i) => {
            const input = el('input', { type: q.multi ? 'checkbox' : 'radio', name: 'quiz-opt', value: String(i) });
            if (mine.includes(i)) input.checked = true;
            opts.appendChild(el('label', { class: 'opt', 'data-index': i }, input, el('span', { class: 'opt-key' }, letter(i)), el('span', { class: 'opt-text' }, text)));
        });
    }

    function render(full) {
        const view = getView();
        const q = view.quiz;
        const box = $('#quiz');
        renderLeaderboard();
        if (!q) {
            box.hidden = true;
            shown = null;
            return;
        }
        box.hidden = false;
        const replaying = isReplaying();
        const mine = replaying ? null : picked(q);
        if (shown !== q.id || full === true) {
            shown = q.id;
            setText($('#quiz-question'), q.question || '');
            setText($('#quiz-kind'), q.multi ? t('quiz.multi') : t('quiz.single'));
            buildOptions(q);
            setText($('#quiz-msg'), '');
        }
        const closed = isClosed(q);
        const locked = closed || mine !== null || replaying;
        for (const input of $('#quiz-options').querySelectorAll('input')) input.disabled = locked;
        $('#quiz-submit').hidden = locked;
        // Mark my answer and, at the reveal, the correct options.
        const correct = q.closed ? q.correct || [] : [];
        for (const label of $('#quiz-options').querySelectorAll('label.opt')) {
            const i = Number(label.dataset.index);
            label.classList.toggle('mine', !!mine && mine.includes(i));
            label.classList.toggle('right', correct.includes(i));
        }
        const yours = $('#quiz-yours');
        yours.hidden = !mine;
        if (mine) setText(yours, t('quiz.yours', { a: mine.map(letter).join('、') }));
        const msg = $('#quiz-msg');
        html().dataset.quiz = q.closed ? 'closed' : mine ? 'answered' : closed ? 'timeout' : 'open';
        if (q.closed) {
            const right = [...correct].sort().join(',');
            if (replaying) showMsg(msg, t('quiz.answer_was', { a: correct.map(letter).join('、') }));
            else if (!mine) showMsg(msg, t('quiz.noanswer') + ' · ' + t('quiz.answer_was', { a: correct.map(letter).join('、') }));
            else if ([...mine].sort().join(',') === right) showMsg(msg, t('quiz.correct'), false, 'good');
            else showMsg(msg, t('quiz.wrong') + ' · ' + t('quiz.answer_was', { a: correct.map(letter).join('、') }), true);
        } else if (mine) showMsg(msg, t('quiz.answered'));
        else if (closed) showMsg(msg, t('quiz.closed'));
        renderBars(q, mine);
        tick();
    }

    // The distribution: live once you answered (or watch the replay), and at the reveal.
    function renderBars(q, mine) {
        const result = $('#quiz-result');
        const counts = q.counts;
        if (!counts || !(q.closed || mine || isReplaying())) {
            result.hidden = true;
            return;
        }
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
                    el('span', { class: 'r-label' }, letter(i) + (correct ? ' ✓' : '')),
                    el('span', { class: 'bar' }, fill),
                    el('span', { class: 'r-num' }, String(n)),
                ),
            );
        });
        const sum = q.closed ? t('quiz.total', { n: q.total || 0, c: q.correct_count ?? '?' }) : t('quiz.so_far', { n: q.total || 0 });
        result.appendChild(el('li', { class: 'r-total' }, sum));
    }

    function renderLeaderboard() {
        const view = getView();
        const lb = view.leaderboard;
        const box = $('#leaderboard');
        const top = (lb && lb.top) || [];
        box.hidden = top.length === 0;
        const me = client.you ? client.you.id : null;
        $('#lb-list').replaceChildren(
            ...top.map((r) =>
                el(
                    'li',
                    { class: r.id === me ? 'me' : '' },
                    el('span', { class: 'lb-rank' }, String(r.rank)),
                    el('span', { class: 'lb-name' }, r.name || r.id),
                    el('span', { class: 'lb-score' }, t('lb.score', { s: r.score, r: r.right })),
                ),
            ),
        );
        const rank = $('#my-rank');
        if (isReplaying() || !myRank) setText(rank, '');
        else if (myRank.rank > 0) setText(rank, t('lb.mine', { rank: myRank.rank, of: myRank.of ?? '?', s: myRank.score ?? 0, r: myRank.right ?? 0 }));
        else setText(rank, t('lb.unranked'));
        html().dataset.rank = myRank ? String(myRank.rank) : '';
    }

    async function askRank(quizId) {
        if (client.state !== 'live' || rankFor === quizId) return;
        rankFor = quizId;
        try {
            myRank = await client.request('rank', {});
        } catch {
            rankFor = null; // try again after the next close or join
            return;
        }
        renderLeaderboard();
    }

    function tick() {
        const q = getView().quiz;
        const timer = $('#quiz-timer');
        if (!q) return;
        timer.classList.remove('urgent');
        if (q.closed) setText(timer, t('quiz.closed'));
        else if (isReplaying()) setText(timer, '');
        else if (!q.closes_at) setText(timer, t('quiz.untimed'));
        else {
            const remaining = Math.min(q.closes_at - client.serverNow(), q.limit_ms ?? Infinity);
            const left = Math.max(0, Math.ceil(remaining / 1000));
            setText(timer, left > 0 ? t('quiz.left', { s: left }) : t('quiz.closed'));
            timer.classList.toggle('urgent', left > 0 && left <= 5);
            if (left === 0 && !$('#quiz-submit').hidden) render();
        }
    }

    $('#quiz-form').addEventListener('submit', async (e) => {
        e.preventDefault();
        const q = getView().quiz;
        if (!q || isReplaying()) return;
        const chosen = [...$('#quiz-options').querySelectorAll('input:checked')].map((i) => Number(i.value));
        if (!chosen.length) {
            showMsg($('#quiz-msg'), t('quiz.pick'), true);
            return;
        }
        const choice = q.multi ? chosen : chosen[0];
        $('#quiz-submit').disabled = true;
        try {
            await client.request('quiz.answer', { quiz: q.id, choice });
            myAnswers.set(q.id, choice);
        } catch (err) {
            if (err.code === 'duplicate') myAnswers.set(q.id, choice);
            else showMsg($('#quiz-msg'), errorText(err), true);
        }
        save();
        $('#quiz-submit').disabled = false;
        if (myAnswers.has(q.id)) render();
    });

    return {
        render,
        tick,
        /** A new guest identity: its answers start empty. */
        forget() {
            myAnswers.clear();
            myRank = null;
            rankFor = null;
            save();
        },
        /** After a close (live) or a join that shows a result: ask for my place. */
        onResult(quizId) {
            if (!isReplaying()) askRank(quizId);
        },
        renderLeaderboard,
    };
}

const html = () => document.documentElement;
