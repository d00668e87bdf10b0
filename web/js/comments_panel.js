// The viewer's comments: the published stream (with "+N" on merged repeats),
// the viewer's own comments that only they see (held for review, over the
// broadcast budget, merged into an earlier one), removals, the send form with
// friendly error messages, and the room's public moderation counts.

import { t, errorText } from './i18n.js';
import { el, $, setText } from './dom.js';

/** A comment or question error as a sentence for the viewer (seconds included where the server gave them). */
export function friendlyError(err) {
    const msg = (err && err.message) || '';
    const secs = (re) => {
        const m = msg.match(re);
        return m ? Number(m[1]) : null;
    };
    if (err && err.code === 'muted') {
        const s = secs(/(\d+)\s*more seconds?/);
        return s ? t('err.muted.for', { s }) : t('err.muted');
    }
    if (err && err.code === 'rate_limited') {
        const slow = secs(/slow mode:.*?(\d+)\s*seconds?/);
        if (slow) return t('err.slow', { s: slow });
        const wait = secs(/wait\s+(\d+)\s*s/);
        if (wait) return t('err.rate_wait', { s: wait });
        if (/stor/i.test(msg)) return t('err.storage');
    }
    if (err && err.code === 'forbidden' && /guest|watch/i.test(msg)) return t('err.shield');
    return errorText(err);
}

export function createCommentsPanel({ client, getView, isReplaying, showMsg }) {
    // Own comments the room does not show (yet): cid → {id, text, kind, after}
    // kind: held (awaiting review), quiet (sent, over the budget), merged (counted on another).
    const mine = new Map();
    let lastRendered = null;

    function render() {
        const view = getView();
        const list = $('#comments');
        const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        const me = client.you ? client.you.id : null;
        const published = new Set(view.comments.map((c) => c.id));
        for (const id of [...mine.keys()]) if (published.has(id)) mine.delete(id); // approved meanwhile
        const locals = isReplaying() ? [] : [...mine.values()];
        const items = [];
        const anchored = (after) => locals.filter((l) => l.after === after).map(localItem);
        items.push(...locals.filter((l) => !l.after || !published.has(l.after)).map(localItem));
        for (const c of view.comments) {
            const isMine = c.author && c.author.id === me;
            const li = el(
                'li',
                { class: isMine ? 'comment mine' : 'comment', 'data-id': c.id },
                el('span', { class: 'author' }, (c.author && c.author.name) || '?'),
                el('span', { class: 'text' }, c.text || ''),
            );
            if (c.plus > 0) li.appendChild(el('span', { class: 'plus', title: t('comment.plus.title', { n: c.plus }) }, '+' + c.plus));
            items.push(li, ...anchored(c.id));
        }
        list.replaceChildren(...items);
        $('#comments-empty').hidden = items.length > 0;
        const last = view.comments.length ? view.comments[view.comments.length - 1].id : null;
        if (nearBottom || last !== lastRendered) list.scrollTop = list.scrollHeight;
        lastRendered = last;
        renderModeration();
    }

    function localItem(l) {
        const name = client.you ? client.you.name : '';
        return el(
            'li',
            { class: 'comment mine local local-' + l.kind, 'data-id': l.id },
            el('span', { class: 'author' }, name || t('comment.mine')),
            el('span', { class: 'text' }, l.text),
            el('span', { class: 'local-tag' }, t('comment.local.' + l.kind)),
        );
    }

    function renderModeration() {
        const c = getView().moderation;
        const box = $('#moderation');
        const total = c ? (c.held || 0) + (c.removed || 0) + (c.blocked || 0) + (c.muted || 0) + (c.banned || 0) : 0;
        box.hidden = !c || total === 0;
        if (c) setText($('#moderation-text'), t('mod.counts', { held: c.held || 0, removed: c.removed || 0, blocked: c.blocked || 0, muted: c.muted || 0, banned: c.banned || 0 }));
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
            const view = getView();
            const after = view.comments.length ? view.comments[view.comments.length - 1].id : null;
            const shown = ack.text || text; // the published text (masked words)
            if (ack.held) {
                mine.set(ack.cid, { id: ack.cid, text: shown, kind: 'held', after });
                showMsg(msg, t('comment.held'));
            } else if (ack.broadcast === false) {
                mine.set(ack.cid, { id: ack.cid, text: shown, kind: 'quiet', after });
                showMsg(msg, '');
            } else if (ack.merged_into) {
                mine.set(ack.cid, { id: ack.cid, text: shown, kind: 'merged', after });
                showMsg(msg, '');
            } else showMsg(msg, '');
            render();
        } catch (err) {
            showMsg(msg, friendlyError(err), true);
        }
        btn.disabled = getView().status === 'ended';
        input.focus();
    });

    return {
        render,
        renderModeration,
        /** A comment taken down by a moderator: it leaves my local list too. */
        removed(id) {
            mine.delete(id);
        },
        forget() {
            mine.clear();
        },
    };
}
