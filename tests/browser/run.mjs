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
import { libChecks } from './lib-checks.mjs';
import { drawChecks, GOLDEN } from './draw-checks.mjs';

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
    await drawChecks(check); // the draw algorithm alone, in Node
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
        await index.locator('a[href="/room/demo"]').first().waitFor({ timeout: WAIT });
        // the public room list (no token on this device): the demo room is live
        const item = index.locator('#rooms-current li[data-room="demo"] a[href="/room/demo"]');
        await item.waitFor({ timeout: WAIT });
        expect((await item.textContent()).includes('直播中'), 'the demo room is not shown as live: ' + (await item.textContent()));
        await index.waitForFunction(() => document.documentElement.dataset.roomsEnded === 'loaded', null, { timeout: WAIT, polling: 100 });
        expect((await index.locator('#rooms-ended li[data-room="demo"]').count()) === 0, 'the live demo room is listed among the replays');
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

    await quizAndDrawChecks({ base, consolePage, viewer, problems });
    await moderationChecks({ consolePage, viewer });

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

    await endAndReplayChecks({ consolePage, viewer });

    await check('no CSP violations, script errors or dialogs on any page', async () => {
        expect(!problems.length, problems.join('\n'));
    });
}

// ---- quizzes, draws, comment moderation, the end and the replay ----------------------------

const waitFor = (page, fn, arg, timeout = WAIT) => page.waitForFunction(fn, arg, { timeout, polling: 100 });
const htmlData = (page, key) => page.evaluate((k) => document.documentElement.dataset[k] || '', key);

async function openQuiz(consolePage, { question, options, seconds }) {
    await toFront(consolePage);
    await consolePage.fill('#quiz-question', question);
    const opts = consolePage.locator('#quiz-options .opt-text');
    for (let i = 0; i < options.length; i++) await opts.nth(i).fill(options[i]);
    await consolePage.fill('#quiz-seconds', String(seconds));
    await consolePage.click('#quiz-form button[type=submit]');
    await waitFor(consolePage, () => document.documentElement.dataset.consoleQuiz === 'open');
}

async function answer(page, index) {
    await toFront(page);
    await page.locator('#quiz:not([hidden])').waitFor({ timeout: WAIT });
    await page.locator('#quiz-options label.opt').nth(index).click();
    await page.click('#quiz-submit');
    await waitFor(page, () => document.documentElement.dataset.quiz === 'answered');
}

async function quizAndDrawChecks({ base, consolePage, viewer, problems }) {
    const quizText = '</script><img src=x onerror=alert(3)> 工会驿站可以为户外劳动者提供什么？';
    let viewer2 = null;

    await check('draw.js in the page (WebCrypto, BigInt) agrees with the server\'s golden vector', async () => {
        const w = await viewer.evaluate(async (g) => (await import('/js/draw.js')).drawWinners(g.seed, g.round, g.eligible, g.count), GOLDEN);
        expect(JSON.stringify(w) === JSON.stringify(GOLDEN.winners), 'winners in the page: ' + JSON.stringify(w));
    });

    await check('host opens a timed quiz from the console; viewers answer before the countdown ends, see the reveal and their rank', async () => {
        viewer2 = await context.newPage(); // a second guest (its own tab, its own identity)
        watchPage(viewer2, 'viewer2', problems);
        await viewer2.setViewportSize({ width: 360, height: 740 });
        await viewer2.goto(`${base}/room/demo`);
        await waitLive(viewer2);
        await openQuiz(consolePage, { question: quizText, options: ['歇脚喝水', '免费住宿', '代收快递'], seconds: 8 });
        // the countdown runs in server time and starts at no more than the limit
        await viewer.locator('#quiz:not([hidden])').waitFor({ timeout: WAIT });
        const timer = await textOf(viewer, '#quiz-timer');
        const left = Number((timer.match(/\d+/) || ['NaN'])[0]);
        expect(left >= 1 && left <= 8, 'countdown: ' + timer);
        expect((await textOf(viewer, '#quiz-question')) === quizText, 'the quiz question was altered');
        await answer(viewer, 0); // right
        await answer(viewer2, 0); // right too: two in the draw's pool
        expect((await textOf(viewer, '#quiz-yours')).includes('A'), 'no "your answer" shown');
        await shot(viewer, 'room-360-quiz-answered.png');
        // the server closes it at closes_at: the reveal, then the leaderboard and my rank
        await waitFor(viewer, () => document.documentElement.dataset.quiz === 'closed', null, 15000);
        await viewer.locator('#quiz-options label.opt.right.mine').first().waitFor({ timeout: WAIT });
        await viewer.locator('#quiz-result li.correct').first().waitFor({ timeout: WAIT });
        expect((await textOf(viewer, '#quiz-msg')).includes('回答正确'), 'reveal message: ' + (await textOf(viewer, '#quiz-msg')));
        await viewer.locator('#leaderboard:not([hidden]) #lb-list li.me').waitFor({ timeout: WAIT });
        await waitFor(viewer, () => /^[12]$/.test(document.documentElement.dataset.rank || ''));
        const rank = await textOf(viewer, '#my-rank');
        expect(/第 [12] 名（共 2 人）/.test(rank), 'own rank: ' + rank);
        await consolePage.locator('#c-lb li').nth(1).waitFor({ timeout: WAIT });
        await shot(viewer, 'room-360-quiz-reveal.png');
    });

    await check('a draw shows the winners; "verify" recomputes them; a tampered eligible list fails', async () => {
        await toFront(consolePage);
        await consolePage.fill('#draw-count', '1');
        expect((await consolePage.locator('#draw-scope').inputValue()) !== '', 'the draw is not scoped to the closed quiz');
        await consolePage.click('#draw-go');
        await consolePage.locator('#draw-results li').first().waitFor({ timeout: WAIT });
        const box = viewer.locator('#draws:not([hidden]) .draw').first();
        await box.waitFor({ timeout: WAIT });
        expect((await box.locator('.winners li').count()) === 1, 'not one winner');
        await toFront(viewer);
        await box.locator('button.verify').click();
        await waitFor(viewer, () => ['ok', 'bad'].includes(document.querySelector('#draws .verify-out')?.dataset.verdict));
        const good = await viewer.locator('#draws .verify-out').first().textContent();
        expect((await viewer.locator('#draws .verify-out').first().getAttribute('data-verdict')) === 'ok', 'verification failed: ' + good);
        expect(!good.includes('✗') && good.includes('复算'), 'verdict text: ' + good);
        await shot(viewer, 'room-360-draw-verified.png');
        // the same draw, with one id dropped from the eligible list on its way to the page
        await viewer.route('**/api/rooms/demo/draws/*', async (route) => {
            const res = await route.fetch();
            const body = await res.json();
            body.draw.eligible = body.draw.eligible.slice(1);
            await route.fulfill({ response: res, json: body });
        });
        try {
            await toFront(viewer);
            await viewer.locator('#draws .draw').first().locator('button.verify').click();
            await waitFor(viewer, () => document.querySelector('#draws .verify-out')?.dataset.verdict === 'bad');
            const bad = await viewer.locator('#draws .verify-out').first().textContent();
            expect(bad.includes('✗'), 'tampered verdict text: ' + bad);
            await shot(viewer, 'room-360-draw-tampered.png');
        } finally {
            await viewer.unroute('**/api/rooms/demo/draws/*');
        }
        if (viewer2) await viewer2.close();
    });
}

async function sendComment(page, text) {
    await toFront(page);
    await page.click('#tab-comments');
    await page.fill('#comment-input', text);
    await page.click('#comment-form button[type=submit]');
}

async function setMode(consolePage, which, on) {
    await toFront(consolePage);
    await consolePage.setChecked(which, on);
    await consolePage.evaluate(() => (document.querySelector('#mode-msg').textContent = ''));
    await consolePage.click('#mode-apply');
    await waitFor(consolePage, () => /生效|Applied/.test(document.querySelector('#mode-msg')?.textContent || ''));
}

async function moderationChecks({ consolePage, viewer }) {
    const tag = String(Date.now() % 100000);

    await check('a held comment shows in the console, then on the viewer page once approved', async () => {
        await setMode(consolePage, '#mode-hold-comments', true);
        const text = '请问工会驿站几点开门？' + tag;
        await sendComment(viewer, text);
        const local = viewer.locator('#comments li.local-held', { hasText: text });
        await local.waitFor({ timeout: WAIT });
        expect((await local.textContent()).includes('审核中'), 'no "awaiting review" on the author\'s page');
        const held = consolePage.locator('#held-comments li', { hasText: text });
        await held.waitFor({ timeout: WAIT });
        await toFront(consolePage);
        await held.locator('button[data-action="approve"]').click();
        await viewer.locator('#comments li.comment:not(.local)', { hasText: text }).waitFor({ timeout: WAIT });
        expect((await viewer.locator('#comments li.local', { hasText: text }).count()) === 0, 'the local copy stayed');
        await consolePage.locator('#cstream li', { hasText: text }).waitFor({ timeout: WAIT });
        await setMode(consolePage, '#mode-hold-comments', false);
    });

    await check('a removed comment disappears from the viewer page; pin makes one the notice', async () => {
        const doomed = '这条评论会被删除' + tag;
        await sendComment(viewer, doomed);
        const onViewer = viewer.locator('#comments li.comment', { hasText: doomed });
        await onViewer.waitFor({ timeout: WAIT });
        const inConsole = consolePage.locator('#cstream li', { hasText: doomed });
        await inConsole.waitFor({ timeout: WAIT });
        await toFront(consolePage);
        await inConsole.locator('button[data-action="remove"]').click();
        await onViewer.waitFor({ state: 'detached', timeout: WAIT });
        const pinned = '感谢主讲老师' + tag;
        await sendComment(viewer, pinned);
        const row = consolePage.locator('#cstream li', { hasText: pinned });
        await row.waitFor({ timeout: WAIT });
        await toFront(consolePage);
        await row.locator('button[data-action="pin"]').click();
        await waitFor(viewer, (p) => (document.querySelector('#notice-text')?.textContent || '').includes(p), pinned);
        // the public moderation counts show one removal
        await waitFor(viewer, () => /删除 [1-9]/.test(document.querySelector('#moderation-text')?.textContent || ''));
    });

    await check('mute (seconds), shield and their lifting reach the viewer as friendly messages', async () => {
        const user = await viewer.evaluate(() => window.liveroom.you.id);
        const mine = consolePage.locator(`#cstream li.cm:has(button[data-user="${user}"])`).last();
        await mine.waitFor({ timeout: WAIT });
        await toFront(consolePage);
        await consolePage.selectOption('#mute-seconds', '60');
        await mine.locator('button[data-action="mute"]').click();
        await waitFor(consolePage, () => /禁言 60 秒/.test(document.querySelector('#cm-msg')?.textContent || ''));
        await sendComment(viewer, '我被禁言了吗' + tag);
        await waitFor(viewer, () => /禁言，\d+ 秒后/.test(document.querySelector('#comment-msg')?.textContent || ''));
        // the viewer's history in the console, then unmute
        await toFront(consolePage);
        await mine.locator('button[data-action="history"]').click();
        await consolePage.locator('#user-box:not([hidden]) #user-comments li').first().waitFor({ timeout: WAIT });
        await consolePage.click('#user-unmute');
        await waitFor(consolePage, () => /解除禁言/.test(document.querySelector('#cm-msg')?.textContent || ''));
        // the shield: guests read-only
        await toFront(consolePage);
        await consolePage.fill('#shield-minutes', '5');
        await consolePage.click('#shield-raise');
        await waitFor(consolePage, () => document.documentElement.dataset.shield === '5');
        await sendComment(viewer, '防护模式下游客能发言吗' + tag);
        await waitFor(viewer, () => /保护模式/.test(document.querySelector('#comment-msg')?.textContent || ''));
        await toFront(consolePage);
        await consolePage.click('#shield-lift');
        await waitFor(consolePage, () => document.documentElement.dataset.shield === '0');
    });

    await check('blocked words with block / mask from the console editor', async () => {
        await toFront(consolePage);
        await consolePage.click('#words-add');
        await consolePage.locator('#words .word-text').last().fill('加微信');
        await consolePage.locator('#words .word-action').last().selectOption('block');
        await consolePage.click('#words-add');
        await consolePage.locator('#words .word-text').last().fill('广告');
        await consolePage.locator('#words .word-action').last().selectOption('mask');
        await consolePage.evaluate(() => (document.querySelector('#mode-msg').textContent = ''));
        await consolePage.click('#mode-apply');
        await waitFor(consolePage, () => /生效/.test(document.querySelector('#mode-msg')?.textContent || ''));
        await sendComment(viewer, '加 微 信 领礼品');
        await waitFor(viewer, () => /不允许/.test(document.querySelector('#comment-msg')?.textContent || ''));
        await sendComment(viewer, '这是广告' + tag);
        await viewer.locator('#comments li.comment', { hasText: '这是＊＊' + tag }).waitFor({ timeout: WAIT });
    });

    await check('a display name with markup (</script>, <img onerror>) shows as text on both pages', async () => {
        const evilName = '</script><img src=x onerror=1>';
        await toFront(viewer);
        await viewer.click('#btn-name');
        await viewer.fill('#name-input', evilName);
        await viewer.click('#name-form button[type=submit]');
        await waitFor(viewer, (n) => window.liveroom.you && window.liveroom.you.name === n && document.documentElement.dataset.conn === 'live', evilName);
        expect((await textOf(viewer, '#my-name')) === evilName, 'name shown as ' + (await textOf(viewer, '#my-name')));
        const text = '名字里有标签' + tag;
        await sendComment(viewer, text);
        const author = viewer.locator('#comments li.comment', { hasText: text }).locator('.author');
        await author.waitFor({ timeout: WAIT });
        expect((await author.textContent()) === evilName, 'comment author shown as ' + (await author.textContent()));
        const row = consolePage.locator('#cstream li', { hasText: text }).locator('.author');
        await row.waitFor({ timeout: WAIT });
        expect((await row.textContent()) === evilName, 'console author shown as ' + (await row.textContent()));
        for (const p of [viewer, consolePage]) {
            expect((await p.evaluate(() => document.querySelectorAll('body img:not(#card-image)').length)) === 0, 'a name became an <img>');
        }
    });
}

async function endAndReplayChecks({ consolePage, viewer }) {
    await check('the console exports JSON and CSV through the Bearer header (Blob downloads)', async () => {
        await toFront(consolePage);
        const [dl] = await Promise.all([consolePage.waitForEvent('download', { timeout: WAIT }), consolePage.click('#exports button[data-export="json"]')]);
        expect(dl.suggestedFilename() === 'demo-export.json', 'file name ' + dl.suggestedFilename());
        const path = await dl.path();
        const record = JSON.parse((await import('node:fs')).readFileSync(path, 'utf8'));
        expect(Array.isArray(record.quizzes) && record.quizzes.length >= 1 && Array.isArray(record.draws) && record.draws.length >= 1, 'the export lacks the quiz or the draw');
        const [csv] = await Promise.all([consolePage.waitForEvent('download', { timeout: WAIT }), consolePage.click('#exports button[data-export="comments"]')]);
        const text = (await import('node:fs')).readFileSync(await csv.path(), 'utf8');
        expect(text.charCodeAt(0) === 0xfeff && text.includes('\r\n'), 'not the CSV with a BOM');
        expect(!consolePage.url().includes('token'), 'the token leaked into the URL');
        await shot(consolePage, 'console.png');
    });

    await check('after room.end the room page plays the replay; the slider shows the room at that time', async () => {
        await toFront(consolePage);
        await consolePage.click('#btn-end');
        await consolePage.click('#btn-end'); // the second click confirms
        await waitFor(viewer, () => document.documentElement.dataset.replay === 'ready', null, 15000);
        await viewer.locator('#replay:not([hidden]) #replay-controls:not([hidden])').waitFor({ timeout: WAIT });
        const at = async (fraction) => {
            await viewer.evaluate((f) => {
                const s = document.querySelector('#replay-slider');
                s.value = String(Math.round(Number(s.max) * f));
                s.dispatchEvent(new Event('input', { bubbles: true }));
            }, fraction);
            return viewer.evaluate(() => ({
                comments: document.querySelectorAll('#comments li.comment').length,
                answered: document.querySelectorAll('#questions li.q-answered').length,
                quiz: !document.querySelector('#quiz').hidden,
                card: document.querySelector('#card-title').textContent,
                status: document.querySelector('#status').textContent,
            }));
        };
        const end = await at(1);
        expect(end.comments > 0 && end.answered > 0 && end.quiz, 'the end of the replay lacks comments, answers or the quiz: ' + JSON.stringify(end));
        const start = await at(0);
        expect(start.comments === 0 && start.answered === 0 && !start.quiz, 'the start of the replay shows later things: ' + JSON.stringify(start));
        await shot(viewer, 'room-360-replay-start.png');
        // the moment of the quiz: the slider at the quiz.close event's time shows the reveal but not the draw
        const mid = await viewer.evaluate(async () => {
            const res = await fetch('/api/rooms/demo/replay?from=1&limit=1000');
            const { events } = await res.json();
            const t0 = events[0].ts;
            const close = events.find((e) => e.type === 'quiz.close');
            const drawn = events.find((e) => e.type === 'draw.result');
            return { close: close.ts - t0, drawn: drawn.ts - t0 };
        });
        if (mid.drawn > mid.close) {
            await viewer.evaluate((v) => {
                const s = document.querySelector('#replay-slider');
                s.value = String(v);
                s.dispatchEvent(new Event('input', { bubbles: true }));
            }, mid.close);
            await viewer.locator('#quiz-result li.correct').first().waitFor({ timeout: WAIT });
            expect(await viewer.locator('#draws').isHidden(), 'the draw shows before it happened');
        }
        await at(1);
        await toFront(viewer);
        await viewer.click('#replay-play');
        await waitFor(viewer, () => Number(document.querySelector('#replay-slider').value) > 0, null, 5000);
        await viewer.click('#replay-play'); // pause
        await shot(viewer, 'room-360-replay.png');
        // the replay list on the home page, and a fresh visit to the ended room (a snapshot, not the live end)
        const index = await context.newPage();
        await index.goto(viewer.url().replace(/\/room\/.*/, '/'));
        const link = index.locator('#rooms-ended li[data-room="demo"] a[href="/room/demo"]');
        await link.waitFor({ timeout: WAIT });
        await toFront(index);
        await link.click();
        await index.waitForURL(/\/room\/demo$/, { timeout: WAIT });
        await waitFor(index, () => document.documentElement.dataset.replay === 'ready', null, 15000);
        await index.close();
        front = null;
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
