// The start page: a link to the demo room, a form for a room id, and — only
// when a staff token is remembered on this device — the list of rooms from
// GET /api/rooms (there is no public room list yet).

import { t, apply as applyI18n, setLang, getLang, onLangChange, clock } from './i18n.js';
import { el, $, setText, storeGet, storeSet } from './dom.js';

const html = document.documentElement;

function setLarge(on) {
    html.classList.toggle('large', on);
    $('#btn-large').setAttribute('aria-pressed', on ? 'true' : 'false');
    storeSet('local', 'liveroom.large', on ? '1' : null);
}
setLarge(storeGet('local', 'liveroom.large') === '1');
applyI18n();
document.title = t('index.title');

$('#btn-large').addEventListener('click', () => setLarge(!html.classList.contains('large')));
$('#btn-lang').addEventListener('click', () => setLang(getLang() === 'zh' ? 'en' : 'zh'));

$('#enter').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = $('#room-id').value.trim();
    if (/^[A-Za-z0-9_-]{1,64}$/.test(id)) location.href = '/room/' + encodeURIComponent(id);
});

let rooms = null;

function renderRooms() {
    if (!rooms) return;
    const list = $('#rooms');
    list.replaceChildren();
    setText($('#rooms-msg'), rooms.length ? '' : t('index.rooms.none'));
    const order = { live: 0, scheduled: 1, ended: 2 };
    for (const r of [...rooms].sort((a, b) => (order[a.status] ?? 3) - (order[b.status] ?? 3) || (a.starts_at || 0) - (b.starts_at || 0))) {
        const when = r.status === 'scheduled' && r.starts_at ? clock(r.starts_at) : r.ends_at ? '→ ' + clock(r.ends_at) : '';
        const id = encodeURIComponent(r.id);
        list.appendChild(
            el(
                'li',
                null,
                el('a', { class: 'room-link', href: '/room/' + id }, el('span', { class: 'badge status-' + r.status }, t('status.' + r.status)), ' ', el('span', { class: 'room-title' }, r.title || r.id), ' ', el('span', { class: 'muted' }, when)),
                el('span', { class: 'staff' }, el('a', { href: '/console/' + id }, t('index.console')), ' · ', el('a', { href: '/dashboard/' + id }, t('index.dashboard'))),
            ),
        );
    }
}

onLangChange(() => {
    document.title = t('index.title');
    renderRooms();
});

(async () => {
    const token = storeGet('local', 'liveroom.token');
    if (!token) return;
    try {
        const res = await fetch('/api/rooms', { headers: { Authorization: 'Bearer ' + token } });
        if (!res.ok) return;
        const body = await res.json();
        rooms = body.rooms || [];
        $('#rooms-box').hidden = false;
        renderRooms();
    } catch {
        /* the page works without the list */
    }
})();
