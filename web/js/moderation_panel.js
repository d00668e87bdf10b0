// The console's comment moderation: held comments (mod.comment), quiet ones
// over the broadcast budget (mod.comments), the published stream, and per
// comment approve / remove / pin / mute (seconds) / ban; a viewer's recent
// comments (user.comments) with unmute / unban.

import { t } from './i18n.js';
import { el, $, setText, batched } from './dom.js';

const MAX_STREAM = 100;
const MAX_QUIET = 50;

/** act(msgNode, type, fields, okText) → ack or null (console.js). */
export function createModerationPanel({ act }) {
    let stream = []; // published, oldest first
    const held = new Map(); // cid → comment
    let quiet = []; // newest last
    let quietOmitted = 0;
    const msg = () => $('#cm-msg');

    function item(c, kind) {
        const li = el('li', { class: 'cm cm-' + kind, 'data-cid': c.id });
        li.append(el('span', { class: 'author' }, (c.author && c.author.name) || '?'), el('span', { class: 'text' }, c.text || ''));
        if (c.plus > 0) li.appendChild(el('span', { class: 'plus' }, '+' + c.plus));
        const user = c.author ? c.author.id : '';
        const btn = (action, label, cls) => el('button', { type: 'button', class: 'tiny ' + (cls || ''), 'data-action': action, 'data-cid': c.id, 'data-user': user, 'data-name': (c.author && c.author.name) || '' }, label);
        const actions = el('span', { class: 'cm-actions' });
        if (kind !== 'published') actions.append(btn('approve', t('c.cm.approve'), 'primary'));
        actions.append(btn('remove', t('c.cm.remove')));
        if (kind === 'published') actions.append(btn('pin', t('c.cm.pin')));
        if (user) actions.append(btn('mute', t('c.cm.mute')), btn('ban', t('c.cm.ban'), 'danger-soft'), btn('history', t('c.cm.history')));
        li.appendChild(actions);
        return li;
    }

    function renderStream() {
        const list = $('#cstream');
        const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        list.replaceChildren(...stream.map((c) => item(c, 'published')));
        if (nearBottom) list.scrollTop = list.scrollHeight;
    }
    const renderStreamSoon = batched(renderStream);

    function renderHeld() {
        $('#held-comments-box').hidden = held.size === 0;
        setText($('#held-count'), String(held.size));
        $('#held-comments').replaceChildren(...[...held.values()].map((c) => item(c, 'held')));
    }

    function renderQuiet() {
        $('#quiet-comments-box').hidden = quiet.length === 0;
        setText($('#quiet-omitted'), quietOmitted ? t('c.cm.omitted', { n: quietOmitted }) : '');
        $('#quiet-comments').replaceChildren(...[...quiet].reverse().map((c) => item(c, 'quiet')));
    }

    function render() {
        renderStream();
        renderHeld();
        renderQuiet();
    }

    function upsert(c) {
        const at = stream.findIndex((x) => x.id === c.id);
        if (at >= 0) stream[at] = c;
        else {
            stream.push(c);
            if (stream.length > MAX_STREAM) stream.shift();
        }
    }

    async function showHistory(user, name) {
        const ack = await act(msg(), 'user.comments', { user }, '');
        if (!ack) return;
        const box = $('#user-box');
        box.hidden = false;
        box.dataset.user = user;
        setText($('#user-name'), t('c.user.title', { name: name || user, id: user }));
        const flags = [];
        if (ack.banned) flags.push(t('c.user.banned'));
        if (ack.was_muted) flags.push(t('c.user.was_muted'));
        setText($('#user-flags'), flags.join(' · '));
        $('#user-unban').hidden = !ack.banned;
        $('#user-comments').replaceChildren(
            ...(ack.comments || []).map((c) => el('li', { class: 'cm cm-' + c.status }, el('span', { class: 'badge' }, t('c.cm.status.' + c.status)), el('span', { class: 'text' }, c.text || ''))),
        );
        if (!(ack.comments || []).length) $('#user-comments').appendChild(el('li', { class: 'muted' }, t('c.user.none')));
    }

    async function onClick(e) {
        const b = e.target.closest('button[data-action]');
        if (!b) return;
        const { cid, user, name } = b.dataset;
        switch (b.dataset.action) {
            case 'approve':
                b.disabled = true;
                if (await act(msg(), 'comment.approve', { cid }, t('c.cm.approved'))) {
                    held.delete(cid);
                    quiet = quiet.filter((c) => c.id !== cid);
                }
                renderHeld();
                renderQuiet();
                break;
            case 'remove':
                b.disabled = true;
                if (await act(msg(), 'comment.remove', { cid }, t('c.cm.removed'))) {
                    held.delete(cid);
                    quiet = quiet.filter((c) => c.id !== cid);
                    stream = stream.filter((c) => c.id !== cid);
                }
                render();
                break;
            case 'pin':
                await act(msg(), 'comment.pin', { cid }, t('c.cm.pinned'));
                break;
            case 'mute': {
                const seconds = Math.min(86400, Math.max(1, Number($('#mute-seconds').value) || 300));
                await act(msg(), 'user.mute', { user, seconds }, t('c.cm.muted', { s: seconds }));
                break;
            }
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
                await act(msg(), 'user.ban', { user }, t('c.cm.banned'));
                break;
            case 'history':
                await showHistory(user, name);
                break;
            default:
                break;
        }
    }
    for (const id of ['#cstream', '#held-comments', '#quiet-comments']) $(id).addEventListener('click', onClick);

    $('#user-unmute').addEventListener('click', async () => {
        const user = $('#user-box').dataset.user;
        if (user) await act(msg(), 'user.unmute', { user }, t('c.cm.unmuted'));
    });
    $('#user-unban').addEventListener('click', async () => {
        const user = $('#user-box').dataset.user;
        if (user && (await act(msg(), 'user.unban', { user }, t('c.cm.unbanned')))) showHistory(user, '');
    });
    $('#user-close').addEventListener('click', () => {
        $('#user-box').hidden = true;
    });

    return {
        render,
        /** A full state: the published comments. Held and quiet ones are not in snapshots, so they are kept. */
        snapshot(state) {
            stream = (state.comments || []).slice(-MAX_STREAM);
            for (const c of stream) held.delete(c.id);
            render();
        },
        event(ev) {
            if (ev.type === 'comment' && ev.comment) {
                const c = typeof ev.plus === 'number' ? { ...ev.comment, plus: ev.plus } : ev.comment;
                upsert(c);
                if (held.delete(c.id)) renderHeld();
                renderStreamSoon();
            } else if (ev.type === 'comment.removed') {
                stream = stream.filter((c) => c.id !== ev.id);
                renderStreamSoon();
            }
        },
        /** mod.comment / mod.comments / mod.user; returns false for other types. */
        mod(ev) {
            if (ev.type === 'mod.comment' && ev.comment) {
                if (ev.status === 'held') held.set(ev.comment.id, ev.comment);
                else held.delete(ev.comment.id);
                renderHeld();
                return true;
            }
            if (ev.type === 'mod.comments') {
                quiet.push(...(ev.comments || []));
                if (quiet.length > MAX_QUIET) quiet.splice(0, quiet.length - MAX_QUIET);
                quietOmitted += ev.omitted || 0;
                renderQuiet();
                return true;
            }
            if (ev.type === 'mod.user') {
                const user = $('#user-box').dataset.user;
                if (!$('#user-box').hidden && user === ev.user) {
                    setText($('#user-flags'), [ev.banned ? t('c.user.banned') : '', ev.muted_until ? t('c.user.muted_until', { time: new Date(ev.muted_until).toLocaleTimeString() }) : ''].filter(Boolean).join(' · '));
                    $('#user-unban').hidden = !ev.banned;
                }
                return true;
            }
            return false;
        },
    };
}
