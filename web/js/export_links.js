// The console's export links: the whole record as JSON and each CSV table.
// The export needs the host's token as a Bearer header, which a plain link
// cannot send, so each button fetches with the header and hands the file to
// the browser through a Blob URL (the token never goes into a URL).

import { t } from './i18n.js';
import { el, $, setText } from './dom.js';

export const EXPORTS = [
    { key: 'json', query: 'format=json', file: 'json' },
    { key: 'questions', query: 'format=csv&table=questions', file: 'questions.csv' },
    { key: 'comments', query: 'format=csv&table=comments', file: 'comments.csv' },
    { key: 'quizzes', query: 'format=csv&table=quizzes', file: 'quizzes.csv' },
    { key: 'moderation', query: 'format=csv&table=moderation', file: 'moderation.csv' },
    { key: 'timeline', query: 'format=csv&table=timeline', file: 'timeline.csv' },
];

export function createExportLinks({ roomId, getToken }) {
    const list = $('#exports');
    list.replaceChildren(...EXPORTS.map((x) => el('li', null, el('button', { type: 'button', class: 'small-btn', 'data-export': x.key }, t('c.export.' + x.key)))));
    const urls = new Map(); // key → blob URL (revoked when replaced)

    list.addEventListener('click', async (e) => {
        const b = e.target.closest('button[data-export]');
        if (!b) return;
        const x = EXPORTS.find((y) => y.key === b.dataset.export);
        const msg = $('#export-msg');
        b.disabled = true;
        setText(msg, t('c.export.loading'));
        msg.className = 'msg';
        try {
            const res = await fetch('/api/rooms/' + encodeURIComponent(roomId) + '/export?' + x.query, { headers: { Authorization: 'Bearer ' + getToken() } });
            if (!res.ok) {
                let reason = 'HTTP ' + res.status;
                try {
                    reason = (await res.json()).error.message || reason;
                } catch {
                    /* not JSON */
                }
                throw new Error(reason);
            }
            const blob = await res.blob();
            if (urls.has(x.key)) URL.revokeObjectURL(urls.get(x.key));
            const url = URL.createObjectURL(blob);
            urls.set(x.key, url);
            const name = roomId + '-' + (x.file === 'json' ? 'export.json' : x.file);
            const a = el('a', { href: url, download: name, class: 'export-file' }, name);
            b.closest('li').querySelector('a.export-file')?.remove();
            b.closest('li').appendChild(a);
            a.click(); // the download starts; the link stays for a second try
            setText(msg, t('c.export.ready', { name }));
            msg.className = 'msg good';
        } catch (err) {
            setText(msg, t('c.export.failed', { reason: err.message || String(err) }));
            msg.className = 'msg bad';
        }
        b.disabled = false;
    });
}
