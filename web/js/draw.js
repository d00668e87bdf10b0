// Verifiable prize draws (PROTOCOL.md, "Quizzes and draws"): the winners are
// recomputed from the revealed seed and the eligible list, in the browser, so
// nobody has to trust the server's word. Pure functions on WebCrypto; no DOM,
// so the same module runs in the page and in Node (tests).
//
//   pool = eligible user ids, sorted by their UTF-8 bytes
//   for i in 0 .. min(count, n) - 1:
//       h = SHA-256(seed bytes || be32(round) || be32(i))
//       j = i + (first 8 bytes of h, big-endian) mod (n - i)
//       swap(pool[i], pool[j])
//   winners = pool[0 .. min(count, n) - 1]

const utf8 = new TextEncoder();

function subtle() {
    const c = globalThis.crypto;
    return c && c.subtle ? c.subtle : null;
}

/** Hex → bytes; null when the text is not an even run of hex digits. */
export function hexToBytes(hex) {
    const s = String(hex ?? '');
    if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
    return out;
}

export function bytesToHex(bytes) {
    return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of bytes as lower-case hex. Throws when WebCrypto is missing (plain http on a non-local host). */
export async function sha256Hex(bytes) {
    return bytesToHex(await subtleDigest(bytes));
}

function compareBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
}

/** Ids sorted by their UTF-8 bytes (as the server's std::sort on std::string), duplicates dropped. */
export function sortIds(ids) {
    const keyed = [...new Set(ids.map(String))].map((id) => ({ id, key: utf8.encode(id) }));
    keyed.sort((a, b) => compareBytes(a.key, b.key));
    return keyed.map((k) => k.id);
}

/** SHA-256 of the sorted ids joined by "\n": the draw's eligible_sha256. */
export function eligibleSha256(ids) {
    return sha256Hex(utf8.encode(sortIds(ids).join('\n')));
}

function be32(view, offset, v) {
    view.setUint32(offset, v >>> 0, false);
}

/** The winners for a seed (hex), a round, the eligible ids and a count. */
export async function drawWinners(seedHex, round, eligible, count) {
    const seed = hexToBytes(seedHex);
    if (!seed) throw Object.assign(new Error('the seed is not hex'), { code: 'badseed' });
    const pool = sortIds(eligible);
    const n = pool.length;
    const k = Math.min(Math.max(0, Number(count) || 0), n);
    const input = new Uint8Array(seed.length + 8);
    input.set(seed, 0);
    const view = new DataView(input.buffer);
    be32(view, seed.length, Number(round) || 0);
    for (let i = 0; i < k; i++) {
        be32(view, seed.length + 4, i);
        const h = new DataView(await subtleDigest(input));
        const x = h.getBigUint64(0, false); // first 8 bytes, big-endian: needs 64-bit arithmetic
        const j = i + Number(x % BigInt(n - i));
        [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, k);
}

async function subtleDigest(bytes) {
    const s = subtle();
    if (!s) throw Object.assign(new Error('WebCrypto is not available'), { code: 'nocrypto' });
    return s.digest('SHA-256', bytes);
}

const idsOf = (winners) => (winners || []).map((w) => (typeof w === 'string' ? w : w && w.id));
const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks a draw as GET /api/rooms/{room}/draws/{id} returns it ({draw: {...}}
 * or the draw itself) against itself and, when given, against the
 * draw.result event the page saw and the seed_hash its quiz published at
 * quiz.open. Resolves {ok, checks: [{key, ok, detail?}]}: ok only when every
 * check passed.
 */
export async function verifyDraw(fetched, seen = null, committedSeedHash = null) {
    const d = fetched && fetched.draw ? fetched.draw : fetched;
    const checks = [];
    const add = (key, ok, detail) => checks.push(detail === undefined ? { key, ok } : { key, ok, detail });
    if (!d || typeof d.seed !== 'string' || !Array.isArray(d.eligible)) {
        add('format', false);
        return { ok: false, checks };
    }
    const seed = hexToBytes(d.seed);
    const seedHash = seed ? await sha256Hex(seed) : '';
    add('seed_hash', !!seed && seedHash === String(d.seed_hash || '').toLowerCase());
    if (committedSeedHash) add('commit', seedHash === String(committedSeedHash).toLowerCase());
    if (seen) {
        add('same_seed', String(seen.seed || '').toLowerCase() === d.seed.toLowerCase() && String(seen.seed_hash || '').toLowerCase() === String(d.seed_hash || '').toLowerCase());
    }
    const listHash = await eligibleSha256(d.eligible);
    const published = (seen && seen.eligible_sha256) || d.eligible_sha256;
    add('eligible_sha256', listHash === String(published || '').toLowerCase() && listHash === String(d.eligible_sha256 || '').toLowerCase());
    if (seen && typeof seen.eligible_count === 'number') add('eligible_count', sortIds(d.eligible).length === seen.eligible_count);
    let winners = [];
    if (seed) winners = await drawWinners(d.seed, d.round ?? (seen && seen.round) ?? 0, d.eligible, d.count ?? (seen && seen.count) ?? idsOf(d.winners).length);
    const claimed = idsOf(seen ? seen.winners : d.winners);
    add('winners', !!seed && sameList(winners, claimed) && sameList(winners, idsOf(d.winners)), winners);
    return { ok: checks.every((c) => c.ok), checks };
}
