// The console's prize quiz: the builder (question, 2–6 options, the correct
// option(s), 0 or 5–300 seconds, accuracy or speed scoring), open / close,
// the draw (count, among one quiz's right answerers or everyone who
// answered), and the results: live tally, reveal, leaderboard, draws.

import { t } from './i18n.js';
import { el, $, $$, setText } from './dom.js';

const MIN_OPTIONS = 2;
const MAX_OPTIONS = 6;
const letter = (i) => String.fromCharCode(65 + i);

/** Checks a quiz builder's values; returns an i18n key for the problem, or null. */
export function quizProblem({ question, options, correct, seconds }) {
    if (!question) return 'c.quiz.need.question';
    if (options.length < MIN_OPTIONS || options.length > MAX_OPTIONS) return 'c.quiz.need.options';
    if (!correct.length) return 'c.quiz.need.correct';
    if (!Number.isInteger(seconds) || (seconds !== 0 && (seconds < 5 || seconds > 300))) return 'c.quiz.need.seconds';
    return null;
}

export function createQuizBuilder({ act, showMsg, serverNow }) {
    const quizzes = new Map(); // id → quiz (open or closed), as seen on this console
    let current = null;
    let leaderboard = [];
    const msg = () => $('#quiz-msg');

    function optionRow(i, text = '', correct = false) {
        const input = el('input', { class: 'opt-text', maxlength: '100', placeholder: t('c.quiz.option', { k: letter(i) }), 'aria-label': t('c.quiz.option', { k: letter(i) }) });
        input.value = text;
        const box = el('input', { type: 'checkbox', class: 'opt-correct', 'aria-label': t('c.quiz.correct') + ' ' + letter(i) });
        box.checked = correct;
        return el(
            'li',
            null,
            el('span', { class: 'opt-key' }, letter(i)),
            input,
            el('label', { class: 'check small' }, box, ' ' + t('c.quiz.correct')),
            el('button', { type: 'button', class: 'tiny', 'data-action': 'remove-opt', 'aria-label': t('c.quiz.remove') }, '×'),
        );
    }

    function options() {
        return $$('#quiz-options li').map((li) => ({ text: li.querySelector('.opt-text').value.trim(), correct: li.querySelector('.opt-correct').checked }));
    }

    function setOptions(opts) {
        $('#quiz-options').replaceChildren(...opts.map((o, i) => optionRow(i, o.text, o.correct)));
        $('#quiz-add').disabled = opts.length >= MAX_OPTIONS;
    }

    setOptions([{ text: '', correct: true }, { text: '', correct: false }, { text: '', correct: false }]);

    $('#quiz-add').addEventListener('click', () => {
        const opts = options();
        if (opts.length >= MAX_OPTIONS) return;
        opts.push({ text: '', correct: false });
        setOptions(opts);
        $$('#quiz-options .opt-text').at(-1).focus();
    });
    $('#quiz-options').addEventListener('click', (e) => {
        const b = e.target.closest('button[data-action=remove-opt]');
        if (!b) return;
        const opts = options();
        if (opts.length <= MIN_OPTIONS) return;
        opts.splice($$('#quiz-options li').indexOf(b.closest('li')), 1);
        setOptions(opts);
    });

    $('#quiz-form').addEventListener('submit', async (e) => {
        e.preventDefault();
        const opts = options().filter((o) => o.text);
        const fields = {
            question: $('#quiz-question').value.trim(),
            options: opts.map((o) => o.text),
            correct: opts.map((o, i) => (o.correct ? i : -1)).filter((i) => i >= 0),
            seconds: Number($('#quiz-seconds').value),
            scoring: $('#quiz-scoring').value,
        };
        const problem = quizProblem(fields);
        if (problem) return showMsg(msg(), t(problem), true);
        if (await act(msg(), 'quiz.open', fields, t('c.quiz.opened'))) $('#quiz-question').value = '';
    });

    $('#quiz-close').addEventListener('click', () => {
        if (current && !current.closed) act(msg(), 'quiz.close', { quiz: current.id }, t('c.quiz.closed'));
    });

    $('#draw-go').addEventListener('click', async () => {
        const fields = { count: Math.min(1000, Math.max(1, Number($('#draw-count').value) || 1)) };
        const scope = $('#draw-scope').value;
        if (scope) fields.quiz = scope;
        await act(msg(), 'draw', fields, t('c.draw.done'));
    });

    function renderScope() {
        const sel = $('#draw-scope');
        const keep = sel.value;
        sel.replaceChildren(el('option', { value: '' }, t('c.draw.all')));
        for (const z of quizzes.values()) {
            if (z.closed) sel.appendChild(el('option', { value: z.id }, t('c.draw.quiz', { q: (z.question || z.id).slice(0, 30) })));
        }
        const closedCurrent = current && current.closed ? current.id : '';
        sel.value = keep && quizzes.get(keep)?.closed ? keep : closedCurrent;
    }

    function render() {
        const q = current;
        $('#quiz-live').hidden = !q;
        renderScope();
        renderLeaderboard();
        if (!q) return;
        setText($('#quiz-live-q'), q.question || q.id);
        tick();
        const counts = q.counts || [];
        const total = Math.max(1, q.total || counts.reduce((a, b) => a + b, 0));
        $('#quiz-live-counts').replaceChildren(
            ...(q.options || counts).map((text, i) => {
                const fill = el('span', { class: 'fill' });
                fill.style.width = Math.round((100 * (counts[i] || 0)) / total) + '%';
                const correct = q.closed && (q.correct || []).includes(i);
                return el('li', { class: correct ? 'correct' : '' }, el('span', { class: 'lbl' }, letter(i) + ' ' + (typeof text === 'string' ? text : '') + (correct ? ' ✓' : '')), el('span', { class: 'bar' }, fill), el('span', { class: 'num' }, String(counts[i] || 0)));
            }),
        );
        $('#quiz-close').hidden = !!q.closed;
        document.documentElement.dataset.consoleQuiz = q.closed ? 'closed' : 'open';
    }

    function renderLeaderboard() {
        $('#c-lb-box').hidden = leaderboard.length === 0;
        $('#c-lb').replaceChildren(...leaderboard.map((r) => el('li', null, el('span', { class: 'lbl' }, r.rank + '. ' + (r.name || r.id)), el('span', { class: 'num' }, t('c.lb.row', { s: r.score, r: r.right })))));
    }

    function tick() {
        const q = current;
        if (!q) return;
        let s;
        if (q.closed) s = t('c.quiz.state.closed', { n: q.total || 0, c: q.correct_count ?? '?' });
        else if (q.closes_at) s = t('c.quiz.state.left', { s: Math.max(0, Math.ceil((q.closes_at - serverNow()) / 1000)), n: q.total || 0 });
        else s = t('c.quiz.state.open', { n: q.total || 0 });
        setText($('#quiz-live-state'), s);
    }

    function addDraw(ev) {
        const names = (ev.winners || []).map((w) => w.name || w.id).join('、');
        $('#draw-results').prepend(
            el(
                'li',
                { 'data-draw': ev.id },
                el('p', { class: 'strong' }, names ? t('c.draw.result', { names }) : t('c.draw.none')),
                el('p', { class: 'muted small' }, t('c.draw.meta', { n: ev.eligible_count ?? '?', round: ev.round ?? 0 })),
                el('p', { class: 'mono muted' }, 'seed_hash ' + (ev.seed_hash || '')),
                el('p', { class: 'mono muted' }, 'seed ' + (ev.seed || '')),
            ),
        );
    }

    return {
        render,
        tick,
        snapshot(state) {
            if (state.quiz_result) {
                const r = { ...state.quiz_result, closed: true };
                quizzes.set(r.id, r);
                current = r;
            }
            if (state.quiz) {
                current = { ...state.quiz, closed: false };
                quizzes.set(current.id, current);
            }
            leaderboard = Array.isArray(state.leaderboard) ? state.leaderboard : [];
            render();
        },
        event(ev) {
            switch (ev.type) {
                case 'quiz.open':
                    current = { ...ev.quiz, closed: false };
                    quizzes.set(current.id, current);
                    break;
                case 'quiz.tally':
                case 'quiz.close': {
                    const q = quizzes.get(ev.id) || { id: ev.id, question: '', options: [] };
                    Object.assign(q, { counts: ev.counts, total: ev.total });
                    if (ev.type === 'quiz.close') Object.assign(q, { closed: true, correct: ev.correct, correct_count: ev.correct_count });
                    quizzes.set(q.id, q);
                    current = q;
                    break;
                }
                case 'leaderboard':
                    leaderboard = ev.top || [];
                    break;
                case 'draw.result':
                    addDraw(ev);
                    return;
                default:
                    return;
            }
            render();
        },
        /** The language changed: rebuild the builder's labels, keeping what was typed. */
        relabel() {
            setOptions(options());
            render();
        },
    };
}
