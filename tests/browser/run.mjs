// Browser tests: the real server, the real pages, Debian's headless Chromium
// driven by playwright-core. A viewer page (360 px wide) and a console page
// are open side by side.
//
//   LIVEROOM_SERVER_BIN      the liveroom-server binary (default: <repo>/build/liveroom-server)
//   LIVEROOM_WEB_ROOT        the pages (default: <repo>/web)
//   LIVEROOM_SCREENSHOT_DIR  where screenshots go (default: /tmp)
//   CHROMIUM                 the browser (default: /usr/bin/chromium)
//
// Every wait is bounded; a watchdog ends the run if anything still hangs.
// Exit 0 only when every check passed; the last line is "N passed, N failed".

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import { libChecks } from './lib-checks.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const BIN = process.env.LIVEROOM_SERVER_BIN || join(repo, 'build', 'liveroom-server');
const WEB = process.env.LIVEROOM_WEB_ROOT || join(repo, 'web');
const SHOTS = process.env.LIVEROOM_SCREENSHOT_DIR || '/tmp';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SECRET = 'browser-test-secret-0123456789';
const WAIT = 10000; // default bound for one wait
const CHECK_BOUND = 60000; // bound for one check
const WATCHDOG = 300000; // bound for the whole run

const results = [];
let server = null;
let port = 0;
let context = null;
const scratch = mkdtempSync(join(tmpdir(), 'liveroom-browser-'));
const dataDir = join(scratch, 'data');
const profileDir = join(scratch, 'profile');
mkdirSync(dataDir, { recursive: true });
mkdirSync(SHOTS, { recursive: true });

function log(...a) {
    console.log(...a);
}

// ---- server ------------------------------------------------------------------------

function startServer(wantPort) {
    return new Promise((resolveStart, rejectStart) => {
        const args = ['--port', String(wantPort), '--demo', '--secret', SECRET, '--web-root', WEB, '--data-dir', dataDir, '--log-level', 'warn'];
        const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let done = false;
        const timer = setTimeout(() => {
            if (done) return;
            done = true;
            child.kill('SIGKILL');
            rejectStart(new Error('the server did not print its listening line within 15 s: ' + out.slice(-500)));
        }, 15000);
        const onData = (buf) => {
            out += buf.toString();
            const m = out.match(/liveroom: listening on ([\d.]+):(\d+)/);
            if (m && !done) {
                done = true;
                clearTimeout(timer);
                resolveStart({ child, port: Number(m[2]) });
            }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', (b) => {
            out += b.toString();
        });
        child.on('error', (e) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            rejectStart(e);
        });
        child.on('exit', (code) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            rejectStart(new Error('the server exited with ' + code + ': ' + out.slice(-500)));
        });
    });
}

function stopServer(child, signal = 'SIGTERM') {
    return new Promise((res) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return res();
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
        }, 5000);
        child.once('exit', () => {
            clearTimeout(timer);
            res();
        });
        child.kill(signal);
    });
}

function hostToken() {
    return execFileSync(BIN, ['token', '--secret', SECRET, '--role', 'host', '--room', 'demo', '--name', '主持人', '--ttl', '4h'], { encoding: 'utf8', timeout: 10000 }).trim();
}

// ---- checks ---------------------------------------------------------------------------

async function check(name, fn) {
    const started = Date.now();
    let timer;
    try {
        await Promise.race([fn(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('check took longer than ' + CHECK_BOUND / 1000 + ' s')), CHECK_BOUND)))]);
        results.push({ name, ok: true });
        log(`ok   - ${name} (${Date.now() - started} ms)`);
    } catch (e) {
        results.push({ name, ok: false, error: e });
        log(`FAIL - ${name}: ${e && e.message ? e.message.split('\n').slice(0, 6).join('\n       ') : e}`);
    } finally {
        clearTimeout(timer);
    }
}

function expect(cond, message) {
    if (!cond) throw new Error(message);
}

async function shot(page, file, fullPage = true) {
    try {
        if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(SHOTS, file), fullPage, timeout: WAIT });
        log(`       screenshot ${join(SHOTS, file)}`);
    } catch (e) {
        log(`       (screenshot ${file} failed: ${e.message.split('\n')[0]})`);
    }
}

// Pages open side by side as tabs of one window: the tab in front gets animation
// frames, the others few, and Playwright waits for frames before clicking. So
// the page acted on is brought to the front first.
let front = null;
async function toFront(page) {
    if (front !== page) {
        await page.bringToFront();
        front = page;
    }
}

const connOf = (page) => page.evaluate(() => document.documentElement.dataset.conn || '');
const waitLive = (page, timeout = WAIT) => page.waitForFunction(() => document.documentElement.dataset.conn === 'live', null, { timeout, polling: 100 });
const textOf = (page, sel) => page.locator(sel).first().textContent({ timeout: WAIT });

function watchPage(page, label, problems) {
    page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`${label}: ${m.text()}`);
    });
    page.on('dialog', (d) => {
        problems.push(`${label}: a dialog opened (${d.type()}: ${d.message()})`);
        d.dismiss().catch(() => {});
    });
}

// ---- the run -----------------------------------------------------------------------------

async function main() {
    await libChecks(check); // the client library alone, against a fake socket
    expect(existsSync(BIN), `no server binary at ${BIN} (set LIVEROOM_SERVER_BIN)`);
    expect(existsSync(join(WEB, 'room.html')), `no web root at ${WEB} (set LIVEROOM_WEB_ROOT)`);
    ({ child: server, port } = await startServer(0));
    const base = `http://127.0.0.1:${port}`;
    log(`# server on ${base}`);
    const token = hostToken();

    context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
        viewport: { width: 1280, height: 900 },
        timeout: 30000,
    });
    context.setDefaultTimeout(WAIT);
    context.setDefaultNavigationTimeout(WAIT);
    const problems = [];

    const consolePage = await context.newPage();
    watchPage(consolePage, 'console', problems);
    const viewer = await context.newPage();
    watchPage(viewer, 'viewer', problems);
    await viewer.setViewportSize({ width: 360, height: 740 });

    await check('the start page offers the demo room', async () => {
        const index = await context.newPage();
        watchPage(index, 'index', problems);
        await index.setViewportSize({ width: 360, height: 640 });
        await index.goto(base + '/');
        await index.locator('a[href="/room/demo"]').waitFor({ timeout: WAIT });
        await shot(index, 'index-360.png');
        await index.close();
    });

    await check('the console opens with the token from #token= and removes it from the address bar', async () => {
        await consolePage.goto(`${base}/console/demo#token=${token}`);
        await waitLive(consolePage);
        expect(!consolePage.url().includes('token='), 'the token is still in the URL: ' + consolePage.url());
        await consolePage.locator('#deck button.show[data-card="aid-1"]').waitFor({ timeout: WAIT });
    });

    await check('the viewer page joins as a guest and shows the live state', async () => {
        await viewer.goto(`${base}/room/demo`);
        await waitLive(viewer);
        const status = await textOf(viewer, '#status');
        expect(status && status.length > 0, 'no room status shown');
        const conn = await textOf(viewer, '#conn-text');
        expect(conn.includes('已连接'), 'connection state not shown in Chinese: ' + conn);
    });

    await check('host shows a card → the viewer sees it', async () => {
        await toFront(consolePage);
        await consolePage.click('#deck button.show[data-card="aid-1"]');
        await viewer.waitForFunction(() => document.querySelector('#card-title')?.textContent === '重大疾病互助保障：谁可以参加', null, { timeout: WAIT, polling: 100 });
        const body = await viewer.locator('#card-body').innerText();
        expect(body.split('\n').filter(Boolean).length >= 2, 'the card body lost its line breaks: ' + JSON.stringify(body));
        await consolePage.locator('#deck li.deck-card.showing[data-card="aid-1"]').waitFor({ timeout: WAIT });
    });

    const evil = '<img src=x onerror=alert(1)>';
    const question = `${evil} 我父母能参加互助保障吗？ ${Date.now() % 100000}`;
    const answer = '可以，直系亲属可参加家属互助。';
    let qid = '';

    await check('viewer asks → moderator (hold_questions on) approves, marks answering and answers with a card → viewer sees the answer', async () => {
        // hold questions for review
        await toFront(consolePage);
        await consolePage.check('#mode-hold-questions');
        await toFront(consolePage);
        await consolePage.click('#mode-apply');
        await consolePage.waitForFunction(() => /生效|Applied/.test(document.querySelector('#mode-msg')?.textContent || ''), null, { timeout: WAIT, polling: 100 });
        // the viewer asks
        await toFront(viewer);
        await viewer.click('#tab-qa');
        await viewer.fill('#ask-input', question);
        await toFront(viewer);
        await viewer.click('#ask-form button[type=submit]');
        await viewer.waitForFunction(() => /审核|approved/.test(document.querySelector('#ask-msg')?.textContent || ''), null, { timeout: WAIT, polling: 100 });
        await viewer.locator('#questions li.q-held').first().waitFor({ timeout: WAIT });
        // the moderator sees it held
        await toFront(consolePage);
        await consolePage.click('.qtab[data-bucket="held"]');
        const item = consolePage.locator('#queue li.cq', { hasText: question });
        await item.waitFor({ timeout: WAIT });
        qid = await item.getAttribute('data-qid');
        expect(qid, 'no qid on the held question');
        await toFront(consolePage);
        await item.locator('button[data-action="approve"]').click();
        await viewer.locator(`#questions li.q-visible[data-id="${qid}"]`).waitFor({ timeout: WAIT });
        // answering now
        await toFront(consolePage);
        await consolePage.click('.qtab[data-bucket="visible"]');
        await toFront(consolePage);
        await consolePage.locator(`#queue li.cq[data-qid="${qid}"] button[data-action="answering"]`).click();
        await viewer.locator(`#questions li.q-answering[data-id="${qid}"]`).waitFor({ timeout: WAIT });
        await viewer.locator('#now-answering:not([hidden])').waitFor({ timeout: WAIT });
        await shot(viewer, 'room-360-answering.png');
        // the answer, with a card
        await toFront(consolePage);
        await consolePage.click('.qtab[data-bucket="answering"]');
        await toFront(consolePage);
        await consolePage.locator(`#queue li.cq[data-qid="${qid}"] button[data-action="answer"]`).click();
        const form = consolePage.locator(`#queue form.answer-form[data-qid="${qid}"]`);
        await form.locator('textarea').fill(answer);
        await toFront(consolePage);
        await form.locator('select').selectOption('aid-1'); // a card the viewer has seen (viewers have no deck)
        await toFront(consolePage);
        await form.locator('button[type=submit]').click();
        const li = viewer.locator(`#questions li.q-answered[data-id="${qid}"]`);
        await li.waitFor({ timeout: WAIT });
        const shown = await li.locator('.q-answer-text').innerText();
        expect(shown.includes(answer), 'answer text not shown: ' + shown);
        const card = await li.locator('.q-card summary').innerText();
        expect(card.includes('重大疾病互助保障：谁可以参加'), 'answer card not shown: ' + card);
        await toFront(consolePage);
        await consolePage.click('.qtab[data-bucket="answered"]');
        await consolePage.locator(`#queue li.cq[data-qid="${qid}"]`).waitFor({ timeout: WAIT });
    });

    await check('user text with <img src=x onerror=alert(1)> shows as text, never as markup', async () => {
        await toFront(viewer);
        await viewer.click('#tab-comments');
        await viewer.fill('#comment-input', evil);
        await toFront(viewer);
        await viewer.click('#comment-form button[type=submit]');
        const c = viewer.locator('#comments li.comment.mine .text', { hasText: evil });
        await c.first().waitFor({ timeout: WAIT });
        expect((await c.first().textContent()) === evil, 'comment text altered');
        await consolePage.locator('#cstream li .text', { hasText: evil }).first().waitFor({ timeout: WAIT });
        for (const [p, label] of [
            [viewer, 'viewer'],
            [consolePage, 'console'],
        ]) {
            const imgs = await p.evaluate(() => document.querySelectorAll('#comments img, #questions img, #cstream img, #queue img').length);
            expect(imgs === 0, `${label}: user text became an <img>`);
        }
        const qText = await viewer.locator('#questions li .q-text', { hasText: question }).first().textContent();
        expect(qText === question, 'question text altered: ' + qText);
        await viewer.waitForTimeout(300); // an onerror handler would have fired by now
        expect(!problems.some((p) => p.includes('dialog')), 'a dialog opened: ' + problems.join('; '));
    });

    await check('viewer page at 360 px wide has no horizontal scroll (normal and large text, both tabs)', async () => {
        const overflow = () =>
            viewer.evaluate(() => {
                const d = document.documentElement;
                const wide = [...document.querySelectorAll('body *')].filter((e) => {
                    const r = e.getBoundingClientRect();
                    return r.width > 0 && r.right > d.clientWidth + 1;
                });
                return { scroll: d.scrollWidth, client: d.clientWidth, body: document.body.scrollWidth, wide: wide.slice(0, 3).map((e) => e.tagName + '#' + e.id + '.' + e.className) };
            });
        const cases = [];
        for (const large of [false, true]) {
            const on = await viewer.evaluate(() => document.documentElement.classList.contains('large'));
            if (on !== large) await viewer.click('#btn-large');
            for (const tab of ['comments', 'qa']) {
                await toFront(viewer);
                await viewer.click(`#tab-${tab}`);
                await viewer.waitForTimeout(100);
                const o = await overflow();
                cases.push({ large, tab, ...o });
                await shot(viewer, `room-360${large ? '-large' : ''}-${tab}.png`);
            }
        }
        if (await viewer.evaluate(() => document.documentElement.classList.contains('large'))) await viewer.click('#btn-large');
        const bad = cases.filter((c) => c.scroll > c.client || c.body > c.client || c.wide.length);
        expect(!bad.length, 'horizontal overflow: ' + JSON.stringify(bad));
        // the large-text mode must enlarge the controls too
        await toFront(viewer);
        await viewer.click('#tab-comments');
        const sizes = await viewer.evaluate(async () => {
            const h = () => document.querySelector('#comment-form button').getBoundingClientRect().height;
            const a = h();
            document.querySelector('#btn-large').click();
            await new Promise((r) => setTimeout(r, 50));
            const b = h();
            document.querySelector('#btn-large').click();
            return [a, b];
        });
        expect(sizes[1] > sizes[0] * 1.1, 'large text did not enlarge the send button: ' + sizes);
    });

    await check('quiz controls: opening a quiz either reaches the viewer or shows the server\'s answer', async () => {
        await consolePage.fill('#quiz-question', '工会驿站可以为户外劳动者提供什么？');
        const opts = consolePage.locator('#quiz-options .opt-text');
        await opts.nth(0).fill('歇脚喝水');
        await opts.nth(1).fill('免费住宿');
        await opts.nth(2).fill('代收快递');
        await toFront(consolePage);
        await consolePage.click('#quiz-form button[type=submit]');
        await consolePage.waitForFunction(() => (document.querySelector('#quiz-msg')?.textContent || '').length > 0, null, { timeout: WAIT, polling: 100 });
        const msg = await textOf(consolePage, '#quiz-msg');
        const bad = await consolePage.locator('#quiz-msg.bad').count();
        if (bad) {
            expect(/不支持|not support/i.test(msg), 'unexpected quiz error: ' + msg);
            log('       (the server does not support quizzes yet; the console said: ' + msg + ')');
        } else {
            await viewer.locator('#quiz:not([hidden])').waitFor({ timeout: WAIT });
            await shot(viewer, 'room-360-quiz.png');
        }
        await shot(consolePage, 'console.png');
    });

    await check('viewer quiz and draw panels render contract events (injected in the page: the server has no quizzes yet)', async () => {
        // Events go to the page's client as if they had come from the server,
        // without touching its seq, so the live stream is unaffected.
        const seed = randomBytes(32).toString('hex');
        const seedHash = createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex');
        await toFront(viewer);
        await viewer.evaluate(
            ({ seedHash }) => {
                const c = window.liveroom;
                const ev = { type: 'quiz.open', ts: Date.now(), quiz: { id: 'zt1', question: '工会驿站可以为户外劳动者提供什么？', options: ['歇脚喝水', '免费住宿', '代收快递'], multi: false, closes_at: c.serverNow() + 30000, seed_hash: seedHash } };
                c.emit('quiz.open', ev);
                c.emit('event', ev);
            },
            { seedHash },
        );
        await viewer.locator('#quiz:not([hidden])').waitFor({ timeout: WAIT });
        const timer = await textOf(viewer, '#quiz-timer');
        expect(/\d/.test(timer), 'no countdown: ' + timer);
        await viewer.locator('#quiz-options label.opt').first().click();
        await viewer.click('#quiz-submit');
        await viewer.waitForFunction(() => (document.querySelector('#quiz-msg')?.textContent || '').length > 0, null, { timeout: WAIT, polling: 100 });
        await shot(viewer, 'room-360-quiz-open.png');
        const you = await viewer.evaluate(() => window.liveroom.you);
        await viewer.evaluate(
            ({ seed, seedHash, you }) => {
                const c = window.liveroom;
                const send = (ev) => {
                    c.emit(ev.type, ev);
                    c.emit('event', ev);
                };
                send({ type: 'quiz.tally', ts: Date.now(), id: 'zt1', counts: [12, 3, 1], total: 16 });
                send({ type: 'quiz.close', ts: Date.now(), id: 'zt1', correct: [0], counts: [14, 3, 1], total: 18, correct_count: 14 });
                send({ type: 'draw.result', ts: Date.now(), id: 'dt1', quiz_id: 'zt1', winners: [you, { id: 'g-000000000001', name: '<b>李四</b>' }], seed_hash: seedHash, seed });
            },
            { seed, seedHash, you },
        );
        await viewer.locator('#quiz-result li.correct').first().waitFor({ timeout: WAIT });
        await viewer.locator('#draws:not([hidden]) .you-won').waitFor({ timeout: WAIT });
        const names = await viewer.locator('#draws .winners li').allTextContents();
        expect(names.includes('<b>李四</b>'), 'winner names altered: ' + JSON.stringify(names));
        await viewer.click('#draws button.verify');
        await viewer.waitForFunction(() => /✓/.test(document.querySelector('#draws .verify-out')?.textContent || ''), null, { timeout: WAIT, polling: 100 });
        const verdict = await textOf(viewer, '#draws .verify-out');
        expect(!verdict.includes('✗') && (verdict.match(/✓/g) || []).length === 2, 'seed check: ' + verdict);
        await shot(viewer, 'room-360-quiz-draw.png');
    });

    await check('the dashboard shows live counters', async () => {
        const dash = await context.newPage();
        watchPage(dash, 'dashboard', problems);
        await dash.setViewportSize({ width: 1600, height: 900 });
        await dash.goto(`${base}/dashboard/demo#token=${token}`);
        await waitLive(dash);
        await dash.waitForFunction(() => /^\d/.test(document.querySelector('#v-online')?.textContent || ''), null, { timeout: WAIT, polling: 100 });
        await dash.waitForTimeout(2500); // a couple of samples for the charts
        await shot(dash, 'dashboard.png', false);
        await dash.close();
    });

    await check('the server restarts and the viewer page reconnects by itself', async () => {
        await shot(viewer, 'room-360-before-restart.png');
        const seqBefore = await viewer.evaluate(() => Number(document.documentElement.dataset.seq));
        expect(seqBefore > 0, 'no seq seen before the restart');
        await stopServer(server, 'SIGKILL'); // a crash: no close frame
        await viewer.waitForFunction(() => document.documentElement.dataset.conn !== 'live', null, { timeout: WAIT, polling: 100 });
        const during = await connOf(viewer);
        expect(['reconnecting', 'connecting', 'offline'].includes(during), 'unexpected state while down: ' + during);
        await viewer.waitForTimeout(1000);
        await shot(viewer, 'room-360-reconnecting.png');
        ({ child: server } = await startServer(port));
        await waitLive(viewer, 40000);
        await waitLive(consolePage, 40000);
        // the stream works again: a new card reaches the viewer
        await toFront(consolePage);
        await consolePage.locator('#deck button.show[data-card="join-1"]').click();
        await viewer.waitForFunction(() => document.querySelector('#card-title')?.textContent === '扫码加入工会', null, { timeout: WAIT, polling: 100 });
        const gaps = await viewer.evaluate(() => document.documentElement.dataset.gaps || '0');
        expect(gaps === '0', 'the viewer saw ' + gaps + ' gap(s)');
        await shot(viewer, 'room-360-after-restart.png');
    });

    await check('the English switch works and is remembered', async () => {
        await toFront(viewer);
        await viewer.click('#btn-lang');
        await viewer.waitForFunction(() => document.documentElement.lang === 'en', null, { timeout: WAIT, polling: 100 });
        expect((await textOf(viewer, '#tab-comments')).includes('Comments'), 'tab not in English');
        await viewer.reload();
        await waitLive(viewer);
        expect((await textOf(viewer, '#tab-qa')).includes('Q&A'), 'the choice was not remembered');
        await shot(viewer, 'room-360-en.png');
        await toFront(viewer);
        await viewer.click('#btn-lang');
    });

    await check('no CSP violations, script errors or dialogs on any page', async () => {
        expect(!problems.length, problems.join('\n'));
    });
}

const watchdog = setTimeout(() => {
    log('FAIL - the run took longer than ' + WATCHDOG / 1000 + ' s; stopping');
    finish(1);
}, WATCHDOG);

let finishing = false;
async function finish(forceCode) {
    if (finishing) return;
    finishing = true;
    clearTimeout(watchdog);
    const closing = [];
    if (context) closing.push(context.close().catch(() => {}));
    closing.push(stopServer(server));
    await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, 10000))]);
    try {
        rmSync(scratch, { recursive: true, force: true });
    } catch {
        /* ignore */
    }
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed + (forceCode && !results.some((r) => !r.ok) ? 1 : 0);
    log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

main()
    .catch((e) => {
        results.push({ name: 'setup', ok: false, error: e });
        log('FAIL - setup: ' + (e && e.message ? e.message : e));
    })
    .finally(() => finish(0));
