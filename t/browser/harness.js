'use strict';

/*
 * What every browser suite of t/browser/ shares: the checks and their
 * report lines, polling, headless Debian Chromium with fake devices
 * (playwright-core), and the ways into a room that the pages offer.
 *
 * A suite registers its checks with check(), then calls run(): that
 * prints "PLAN <n>", runs each check in order (a check whose "needs"
 * did not pass is reported as not run) with its own time limit, prints
 * one "RESULT {"name", "ok", "diag"}" line for each, and exits 0 only
 * when every check passed; run.sh and TrtcBrowser.pm do the rest.
 *
 * Environment: TRTC_BASE (the nginx of the suite, set by run.sh),
 * CHROMIUM (default /usr/bin/chromium).
 */

const path = require('path');
const { chromium } = require('playwright-core');

const BASE = process.env.TRTC_BASE;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TOTAL_MS = 270000;

const ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection'
];

/* ---- checks ---- */

const CHECKS = [];
const outcome = new Map();

function check(name, opts, fn) {
    if (typeof opts === 'function') {
        fn = opts;
        opts = {};
    }
    CHECKS.push({name, fn, timeout: opts.timeout || 45000, needs: opts.needs || []});
}

function report(name, ok, diag) {
    outcome.set(name, ok);
    process.stdout.write('RESULT ' + JSON.stringify({name, ok, diag: diag || ''}) + '\n');
}

function timeout(ms, what) {
    let timer;
    const p = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out after ' + ms + ' ms: ' + what)), ms);
    });
    p.cancel = () => clearTimeout(timer);
    return p;
}

function assert(cond, msg) {
    if (!cond) {
        throw new Error('assertion failed: ' + msg);
    }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* polls fn until it returns a truthy value; the last value in the error */
async function poll(fn, ms, what) {
    const end = Date.now() + ms;
    let last;
    for (;;) {
        try {
            last = await fn();
            if (last) {
                return last;
            }
        } catch (e) {
            last = e;
        }
        if (Date.now() > end) {
            throw new Error('timed out after ' + ms + ' ms waiting for ' + what
                            + '; last: ' + (last instanceof Error ? last.message : JSON.stringify(last)));
        }
        await sleep(200);
    }
}

/* the room lays its tiles out in the animation frame after a change
 * (html/js/room-layout.js): a resize is seen in one frame and laid out in
 * the next, so after three frames the layout is current, however late a
 * busy machine draws them */
function laidOut(page) {
    return page.evaluate(() => new Promise((done) => {
        let n = 3;
        const frame = () => (--n ? requestAnimationFrame(frame) : done());
        requestAnimationFrame(frame);
    }));
}

/* ---- pages ---- */

const B = {browser: null};
const pageErrors = [];

/* opts: playwright context options, and init: a function every page of
 * the context runs first (addInitScript) */
async function newContext(opts) {
    const o = Object.assign({viewport: {width: 1100, height: 700}, locale: 'en-US'}, opts || {});
    const init = o.init;
    delete o.init;
    const ctx = await B.browser.newContext(o);
    if (init) {
        await ctx.addInitScript(init);
    }
    return ctx;
}

async function newPage(ctx, label) {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(label + ': ' + e.message));
    page.setDefaultTimeout(15000);
    return page;
}

function roomStatus(page) {
    return page.evaluate(() => document.querySelector('#room-status').getAttribute('data-state'));
}

/* the room page ready, and its signaling connected */
async function connected(page, user) {
    await page.waitForSelector('body[data-ready]', {timeout: 20000});
    await poll(() => roomStatus(page).then((s) => s === 'connected'),
               10000, user + ' connected to signaling');
}

/*
 * Through the login page into a room, as a person does.  opts: base (the
 * server, default TRTC_BASE), role (default speaker), page (an open page
 * to use), signaling: false not to wait for the room's signaling.
 */
async function joinRoom(ctx, user, room, opts) {
    const o = opts || {};
    const base = o.base || BASE;
    const page = o.page || await newPage(ctx, user);
    await page.goto(base + '/?userId=' + encodeURIComponent(user)
                    + '&roomId=' + encodeURIComponent(room) + '&role=' + (o.role || 'speaker'));
    await page.waitForSelector('body[data-ready]');
    await page.click('#join');
    await page.waitForURL((u) => new URL(u).pathname.startsWith('/room/'), {timeout: 15000});
    if (o.signaling === false) {
        await page.waitForSelector('body[data-ready]', {timeout: 20000});
    } else {
        await connected(page, user);
    }
    return page;
}

/* a token straight from the issuer, in the page's context (sets its cookie) */
function issue(page, user, room, role) {
    return page.evaluate(async ([u, r, ro]) => {
        const res = await fetch('/api/token?userId=' + encodeURIComponent(u) + '&roomId='
                                + encodeURIComponent(r) + '&role=' + ro, {method: 'POST'});
        return res.json();
    }, [user, room, role || 'speaker']);
}

function stats(page) {
    return page.evaluate(() => window.trtcDebug.stats());
}

/* other's video plays on page: a size, and frames decoded growing
 * between two looks 1.5 s apart (looked at again until ms is up) */
async function seesVideo(page, other, ms) {
    const end = Date.now() + (ms || 20000);
    let first, second;
    for (;;) {
        first = await poll(async () => {
            const s = (await stats(page))[other];
            return s && s.videoWidth > 0 && s.framesDecoded > 0 ? s : null;
        }, Math.max(1000, end - Date.now()), 'video of ' + other);
        await sleep(1500);
        second = (await stats(page))[other];
        if (second && second.videoWidth > 0 && second.framesDecoded > first.framesDecoded) {
            return second;
        }
        assert(Date.now() < end, 'frames of ' + other + ' grow: ' + JSON.stringify([first, second]));
    }
}

function tileSel(user, kind) {
    return '.tile[data-user="' + user + '"][data-kind="' + (kind || 'camera') + '"]';
}

async function attr(page, sel, name) {
    return page.evaluate(([s, n]) => {
        const e = document.querySelector(s);
        return e ? e.getAttribute(n) : null;
    }, [sel, name]);
}

async function gone(page, sel, ms, what) {
    await poll(() => page.evaluate((s) => !document.querySelector(s), sel), ms, what);
}

/* the end of every page, before run() ends (a suite's last look at the
 * servers once no browser holds a connection) */
function closeBrowser() {
    return B.browser.close();
}

function checkPageErrors() {
    check('no uncaught JavaScript errors in any page', async () => {
        assert(pageErrors.length === 0, pageErrors.join('\n'));
    });
}

/* ---- run ---- */

/*
 * opts: env (the variables the suite needs besides TRTC_BASE), args
 * (more Chromium flags), total (ms for the whole run).
 */
function run(opts) {
    const o = opts || {};
    const me = path.basename(require.main.filename);
    const total = o.total || TOTAL_MS;

    async function main() {
        for (const v of ['TRTC_BASE'].concat(o.env || [])) {
            if (!process.env[v]) {
                throw new Error(v + ' is not set (run t/browser/run.sh)');
            }
        }
        process.stdout.write('PLAN ' + CHECKS.length + '\n');
        /* launch() gives the browser a fresh profile (user-data-dir) of its
         * own under TMPDIR, and removes it on close */
        B.browser = await chromium.launch({executablePath: CHROMIUM,
                                           args: ARGS.concat(o.args || []), timeout: 30000});
        try {
            for (const c of CHECKS) {
                const missing = c.needs.filter((n) => outcome.get(n) !== true);
                if (missing.length) {
                    report(c.name, false, 'not run: needs "' + missing.join('", "') + '"');
                    continue;
                }
                const t0 = Date.now();
                const guard = timeout(c.timeout, c.name);
                try {
                    const info = await Promise.race([c.fn(), guard]);
                    report(c.name, true, JSON.stringify(Object.assign({ms: Date.now() - t0}, info || {})));
                } catch (e) {
                    report(c.name, false, (e && e.stack) || String(e));
                } finally {
                    guard.cancel();
                }
            }
        } finally {
            await B.browser.close().catch(() => {});
        }
    }

    const watchdog = setTimeout(() => {
        process.stderr.write(me + ': the whole run took over ' + total + ' ms\n');
        process.exit(3);
    }, total);

    main().then(() => {
        clearTimeout(watchdog);
        process.exit([...outcome.values()].every(Boolean) && outcome.size === CHECKS.length ? 0 : 1);
    }, (e) => {
        process.stderr.write(me + ': ' + ((e && e.stack) || e) + '\n');
        process.exit(2);
    });
}

module.exports = {
    BASE, CHROMIUM, ARGS,
    check, report, assert, sleep, poll, laidOut,
    newContext, newPage, roomStatus, connected, joinRoom, issue,
    stats, seesVideo, tileSel, attr, gone, pageErrors, checkPageErrors,
    closeBrowser,
    run
};
