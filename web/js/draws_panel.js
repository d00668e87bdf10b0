// The viewer's prize-draw results, each with a "verify" button: it fetches
// GET /api/rooms/{room}/draws/{id} and checks it in the browser with draw.js
// (seed against its hash and the quiz's commitment, the eligible list against
// its hash, the winners recomputed).

import { t } from './i18n.js';
import { el, $, setText } from './dom.js';
import { verifyDraw } from './draw.js';

export function createDrawsPanel({ client, roomId, getView }) {
    const verdicts = new Map(); // draw id → {ok, text}

    function render() {
        const draws = getView().draws;
        $('#draws').hidden = draws.length === 0;
        const list = $('#draw-list');
        list.replaceChildren();
        const me = client.you ? client.you.id : null;
        for (const d of [...draws].reverse()) {
            const winners = d.winners || [];
            const box = el('div', { class: 'draw', 'data-id': d.id });
            if (winners.some((w) => w.id === me)) box.appendChild(el('p', { class: 'you-won' }, t('draw.you')));
            box.appendChild(el('p', { class: 'draw-head' }, winners.length ? t('draw.winners', { n: winners.length }) : t('draw.none')));
            if (typeof d.eligible_count === 'number') box.appendChild(el('p', { class: 'muted small' }, t('draw.pool', { n: d.eligible_count })));
            const ul = el('ul', { class: 'winners' });
            for (const w of winners) ul.appendChild(el('li', { class: w.id === me ? 'me' : '' }, w.name || w.id));
            box.appendChild(ul);
            const dl = el('dl', { class: 'seed' });
            dl.append(el('dt', null, t('draw.seed_hash')), el('dd', { class: 'mono' }, d.seed_hash || ''));
            dl.append(el('dt', null, t('draw.seed')), el('dd', { class: 'mono' }, d.seed || ''));
            box.appendChild(dl);
            const v = verdicts.get(d.id);
            const out = el('div', { class: 'verify-out', role: 'status', 'data-verdict': v ? (v.ok ? 'ok' : 'bad') : '' });
            if (v) {
                out.appendChild(el('p', { class: 'verify-head ' + (v.ok ? 'good' : 'bad') }, v.head));
                if (v.lines.length) out.appendChild(el('ul', { class: 'verify-checks' }, ...v.lines.map((l) => el('li', { class: l.ok ? 'good' : 'bad' }, (l.ok ? '✓ ' : '✗ ') + l.text))));
            }
            box.append(el('button', { type: 'button', class: 'verify', 'data-draw': d.id }, t('draw.verify')), out, el('p', { class: 'muted small' }, t('draw.algo')));
            list.appendChild(box);
        }
    }

    async function verify(d) {
        const res = await fetch('/api/rooms/' + encodeURIComponent(roomId) + '/draws/' + encodeURIComponent(d.id));
        if (!res.ok) throw new Error('HTTP ' + res.status);
        const body = await res.json();
        const quiz = d.quiz_id ? getView().quizzes.get(d.quiz_id) : null;
        const { ok, checks } = await verifyDraw(body, d, quiz && quiz.seed_hash ? quiz.seed_hash : null);
        return { ok, head: ok ? t('draw.ok_all') : t('draw.bad_all'), lines: checks.map((c) => ({ ok: c.ok, text: t('draw.check.' + c.key) })) };
    }

    $('#draw-list').addEventListener('click', async (e) => {
        const btn = e.target.closest('button.verify');
        if (!btn) return;
        const d = getView().draws.find((x) => x.id === btn.dataset.draw);
        if (!d) return;
        const out = btn.nextElementSibling;
        out.dataset.verdict = '';
        setText(out, t('draw.verifying'));
        btn.disabled = true;
        let v;
        try {
            v = await verify(d);
        } catch (err) {
            v = { ok: false, head: err && err.code === 'nocrypto' ? t('draw.nocrypto') : t('draw.failed', { reason: err.message || String(err) }), lines: [] };
        }
        verdicts.set(d.id, v);
        render();
    });

    return { render };
}
