// The start page: the live and upcoming rooms that admit guests
// (GET /api/public/rooms, no token), the ended ones with their replays
// (?ended=1), a room-id form, and staff links when a staff token is
// remembered on this device.

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

const staff = !!storeGet('local', 'liveroom.token');
const lists = { current: null, ended: null }; // null: not loaded; 'error': failed

function day(ms) {
    const d = new Date(ms);
    return d.getMonth() + 1 + '/' + d.getDate() + ' ' + clock(ms);
}

function when(r) {
    if (r.status === 'scheduled') return r.starts_at ? t('index.starts', { time: day(r.starts_at) }) : '';
    if (r.status === 'live') return (r.ends_at ? t('index.until', { time: clock(r.ends_at) }) + ' · ' : '') + t('online', { n: r.online || 0 });
    return r.ends_at ? t('index.ended_at', { time: day(r.ends_at) }) : '';
}

function roomItem(r) {
    const id = encodeURIComponent(r.id);
    const li = el(
        'li',
        { 'data-room': r.id },
        el(
            'a',
            { class: 'room-link', href: '/room/' + id },
            el('span', { class: 'badge status-' + r.status }, r.status === 'ended' ? t('index.replay') : t('status.' + r.status)),
            ' ',
            el('span', { class: 'room-title' }, r.title || r.id),
        ),
        el('span', { class: 'muted small' }, when(r)),
    );
    if (staff) li.appendChild(el('span', { class: 'staff' }, el('a', { href: '/console/' + id }, t('index.console')), ' · ', el('a', { href: '/dashboard/' + id }, t('index.dashboard'))));
    return li;
}

function renderList(which) {
    const rooms = lists[which];
    const list = $('#rooms-' + which);
    const msg = $('#rooms-' + which + '-msg');
    if (rooms === null) return setText(msg, t('index.loading'));
    if (rooms === 'error') {
        list.replaceChildren();
        return setText(msg, t('index.rooms.failed'));
    }
    const order = { live: 0, scheduled: 1, ended: 2 };
    const sorted = [...rooms].sort((a, b) =>
        which === 'ended' ? (b.ends_at || 0) - (a.ends_at || 0) : (order[a.status] ?? 3) - (order[b.status] ?? 3) || (a.starts_at || 0) - (b.starts_at || 0),
    );
    list.replaceChildren(...sorted.map(roomItem));
    setText(msg, rooms.length ? '' : t(which === 'ended' ? 'index.replays.none' : 'index.rooms.none'));
}

async function load(which) {
    try {
        const res = await fetch('/api/public/rooms' + (which === 'ended' ? '?ended=1' : ''));
        if (!res.ok) throw new Error('HTTP ' + res.status);
        const body = await res.json();
        lists[which] = Array.isArray(body.rooms) ? body.rooms : [];
    } catch {
        lists[which] = 'error';
    }
    renderList(which);
    html.dataset['rooms' + (which === 'ended' ? 'Ended' : 'Current')] = 'loaded';
}

onLangChange(() => {
    document.title = t('index.title');
    renderList('current');
    renderList('ended');
});

renderList('current');
renderList('ended');
load('current');
load('ended');
// Live counts and new rooms: refresh the current list every 30 s while the page is visible.
setInterval(() => {
    if (document.visibilityState === 'visible') load('current');
}, 30000);
