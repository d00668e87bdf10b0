// Checks of web/js/draw.js in Node (WebCrypto as in the browser): the
// server's golden vector (tests/unit/room/quizzes_test.cpp), the UTF-8 byte
// order of ids, and verifyDraw accepting a true record and refusing tampered
// ones. Used by run.mjs; `node draw-checks.mjs` runs them alone.

import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const WEB = process.env.LIVEROOM_WEB_ROOT || join(here, '..', '..', 'web');

export const GOLDEN = {
    seed: 'a'.repeat(64),
    round: 0,
    eligible: ['g-3', 'g-1', 'g-2', 'u-9', 'u-10'],
    count: 5,
    winners: ['u-9', 'g-2', 'u-10', 'g-3', 'g-1'],
};

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

function expect(cond, message) {
    if (!cond) throw new Error(message);
}

export async function drawChecks(check) {
    const draw = await import(pathToFileURL(join(WEB, 'js', 'draw.js')).href);

    await check('draw.js: the server\'s golden vector (seed 64×a, round 0, 5 ids, count 5)', async () => {
        const w = await draw.drawWinners(GOLDEN.seed, GOLDEN.round, GOLDEN.eligible, GOLDEN.count);
        expect(JSON.stringify(w) === JSON.stringify(GOLDEN.winners), 'winners ' + JSON.stringify(w));
        // fewer than the pool: the first picks of the same shuffle
        const two = await draw.drawWinners(GOLDEN.seed, 0, GOLDEN.eligible, 2);
        expect(JSON.stringify(two) === JSON.stringify(GOLDEN.winners.slice(0, 2)), 'count 2: ' + JSON.stringify(two));
        const other = await draw.drawWinners(GOLDEN.seed, 1, GOLDEN.eligible, 5);
        expect(JSON.stringify(other) !== JSON.stringify(GOLDEN.winners), 'round 1 gave the round-0 order');
    });

    await check('draw.js: ids sort by UTF-8 bytes, hashes match Node\'s SHA-256', async () => {
        const ids = ['张三', 'b', 'B', 'é', 'a-10', 'a-9', 'b'];
        const sorted = draw.sortIds(ids);
        const byBytes = [...new Set(ids)].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect(JSON.stringify(sorted) === JSON.stringify(byBytes), 'order ' + JSON.stringify(sorted));
        expect((await draw.eligibleSha256(ids)) === sha(Buffer.from(byBytes.join('\n'))), 'eligible_sha256 differs');
        expect((await draw.sha256Hex(draw.hexToBytes(GOLDEN.seed))) === sha(Buffer.from(GOLDEN.seed, 'hex')), 'seed hash differs');
        expect(draw.hexToBytes('abc') === null && draw.hexToBytes('zz') === null, 'bad hex accepted');
    });

    await check('draw.js: verifyDraw accepts a true record and refuses tampered ones', async () => {
        const record = {
            draw: {
                id: 'd1',
                quiz_id: 'z1',
                seed: GOLDEN.seed,
                seed_hash: sha(Buffer.from(GOLDEN.seed, 'hex')),
                round: 0,
                count: 2,
                eligible: draw.sortIds(GOLDEN.eligible),
                eligible_sha256: sha(Buffer.from(draw.sortIds(GOLDEN.eligible).join('\n'))),
                winners: GOLDEN.winners.slice(0, 2).map((id) => ({ id, name: id })),
            },
        };
        const seen = { ...record.draw, eligible_count: 5 };
        delete seen.eligible;
        const good = await draw.verifyDraw(record, seen, record.draw.seed_hash);
        expect(good.ok, 'a true record failed: ' + JSON.stringify(good.checks));
        const clone = () => JSON.parse(JSON.stringify(record));
        const dropped = clone();
        dropped.draw.eligible.splice(1, 1);
        const forged = clone();
        forged.draw.winners = [{ id: 'g-1' }, { id: 'g-2' }];
        const seedSwap = clone();
        seedSwap.draw.seed = 'b'.repeat(64);
        for (const [name, rec] of [['dropped id', dropped], ['forged winners', forged], ['other seed', seedSwap]]) {
            const v = await draw.verifyDraw(rec, seen, record.draw.seed_hash);
            expect(!v.ok, name + ' passed verification');
        }
    });
}

// standalone: node draw-checks.mjs
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    const { runStandalone } = await import('./standalone.mjs');
    await runStandalone(drawChecks);
}
