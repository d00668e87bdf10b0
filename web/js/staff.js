// Tokens for the staff pages (console, dashboard).
// Order: the URL fragment #token=<jwt> (then removed from the address bar and
// kept in sessionStorage for this tab and room), the tab's stored token, a
// token remembered on this device (localStorage 'liveroom.token'), or none —
// then the page shows its token form.

import { peekToken } from './liveroom.js';
import { storeGet, storeSet } from './dom.js';

const sessionKey = (room) => 'liveroom.staff.' + room;

export function takeToken(room) {
    const hash = location.hash.replace(/^#/, '');
    const params = new URLSearchParams(hash);
    const fromHash = params.get('token');
    if (fromHash) {
        storeSet('session', sessionKey(room), fromHash);
        params.delete('token');
        const rest = params.toString();
        history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
        return fromHash;
    }
    return storeGet('session', sessionKey(room)) || storeGet('local', 'liveroom.token') || null;
}

export function saveToken(room, token, remember) {
    storeSet('session', sessionKey(room), token);
    if (remember) storeSet('local', 'liveroom.token', token);
}

export function forgetToken(room) {
    storeSet('session', sessionKey(room), null);
    const local = storeGet('local', 'liveroom.token');
    if (local) storeSet('local', 'liveroom.token', null);
}

/** What a token says about itself (unverified): {name, role, room, exp, expired}. */
export function describeToken(token) {
    const c = peekToken(token);
    if (!c) return null;
    return { name: c.name || c.sub || '', role: c.role || '', room: c.room || '', exp: c.exp || 0, expired: c.exp ? c.exp * 1000 < Date.now() : false };
}

export function isStaffRole(role) {
    return role === 'moderator' || role === 'host' || role === 'admin';
}

/** GET a REST resource with the bearer token; resolves {ok, status, body}. */
export async function api(path, token) {
    try {
        const res = await fetch(path, { headers: { Authorization: 'Bearer ' + token } });
        let body = null;
        try {
            body = await res.json();
        } catch {
            body = null;
        }
        return { ok: res.ok, status: res.status, body };
    } catch (e) {
        return { ok: false, status: 0, body: { error: { code: 'network', message: e.message } } };
    }
}
