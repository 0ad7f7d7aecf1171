'use strict';

/*
 * Browser tests of the demo's web app (html/): headless Debian Chromium
 * with fake camera, microphone and screen, driven by playwright-core.
 * Run by run.sh inside a loopback-only network namespace, with nginx
 * serving conf/trtc-demo.conf at TRTC_BASE.
 *
 * Output: one line "PLAN <n>", then one line "RESULT <json>" per check,
 * {"name", "ok", "diag"}; t/browser.t turns them into TAP.
 *
 * Environment:
 *   TRTC_BASE        http://127.0.0.1:PORT of the demo server
 *   TRTC_KEY         its key file (to sign an expired token)
 *   TRTC_TOOL        build/trtc-tool
 *   TRTC_ARTIFACTS   where the screenshot goes (t/artifacts)
 *   CHROMIUM         the browser (default /usr/bin/chromium)
 */

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const {
    BASE, check, assert, sleep, poll, newContext, newPage, joinRoom, issue,
    stats, seesVideo, tileSel, attr, gone, checkPageErrors, run
} = require('./harness');

const KEY = process.env.TRTC_KEY;
const TOOL = process.env.TRTC_TOOL;
const ARTIFACTS = process.env.TRTC_ARTIFACTS || path.join(__dirname, '..', 'artifacts');
const SDKAPPID = 1400000000;

const ROOM_A = '4321';
const ROOM_B = '8765';
const ROOM_C = '2468';
const ROOM_D = 'Q&A #1 (dev) [x]';

/* how many video transceivers of page's connection to other receive */
function receivingVideo(page, other) {
    return page.evaluate((o) => window.trtcDebug.pc(o).getTransceivers().filter((x) =>
        x.receiver.track.kind === 'video'
        && (x.currentDirection === 'recvonly' || x.currentDirection === 'sendrecv')).length, other);
}

async function expectDenied(page, reasonRe, textRe) {
    await page.waitForURL((u) => new URL(u).pathname === '/', {timeout: 10000});
    const url = new URL(page.url());
    const reason = url.searchParams.get('denied') || '';
    assert(reasonRe.test(reason), 'denied reason ' + reason + ' matches ' + reasonRe);
    await page.waitForSelector('#login-error:not([hidden])');
    const text = await page.textContent('#login-error');
    assert(textRe.test(text), 'message "' + text + '" matches ' + textRe);
    assert(await page.$('#grid') === null, 'no room grid on the login page');
    return reason;
}

/* ---- the checks ---- */

const S = {};   /* pages and contexts shared by the checks */

check('login page: fields, injected config, assets under /static/', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'login');
    const res = await page.goto(BASE + '/?userId=zoe&roomId=77');
    assert(res.status() === 200, 'GET / is 200');
    await page.waitForSelector('body[data-ready]');
    for (const id of ['#userId', '#roomId', '#role', '#camera', '#microphone', '#join', '#device-check']) {
        assert(await page.$(id), id + ' exists');
    }
    assert(await page.inputValue('#userId') === 'zoe', '?userId= prefills');
    assert(await page.inputValue('#roomId') === '77', '?roomId= prefills');
    const cfg = await page.evaluate(() => [window.TRTC_CONFIG, window.TRTC_ENDPOINTS]);
    assert(cfg[0] && cfg[0].sdkAppId === SDKAPPID, 'TRTC_CONFIG.sdkAppId injected: ' + JSON.stringify(cfg));
    assert(cfg[1] && cfg[1].token === '/api/token', 'TRTC_ENDPOINTS injected');
    const assets = await page.evaluate(() =>
        Array.from(document.querySelectorAll('script[src], link[href]')).map((e) => e.src || e.href));
    assert(assets.length >= 3 && assets.every((a) => new URL(a).pathname.startsWith('/static/')),
           'assets rewritten to /static/: ' + assets.join(' '));
    /* and the modules they import, from there too */
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource')
        .map((e) => new URL(e.name).pathname).filter((x) => x.endsWith('.js')));
    for (const m of ['login.js', 'app.js', 'labels.js', 'devicecheck.js']) {
        assert(loaded.includes('/static/js/' + m), m + ' loaded from /static/js/: ' + loaded.join(' '));
    }
    /* the camera and microphone pickers list the fake devices */
    await poll(() => page.evaluate(() =>
        document.querySelector('#camera').options.length > 0 && document.querySelector('#camera').value
        && document.querySelector('#microphone').value), 10000, 'device pickers filled');
    const labels = await page.evaluate(() => [document.querySelector('#camera').selectedOptions[0].textContent,
                                              document.querySelector('#microphone').selectedOptions[0].textContent]);
    assert(/fake/i.test(labels[0]) && /fake/i.test(labels[1]), 'fake devices listed: ' + labels);
    /* a bad user name is refused before the server is asked */
    await page.fill('#userId', 'no spaces allowed');
    await page.click('#join');
    await page.waitForSelector('#login-error:not([hidden])');
    assert(new URL(page.url()).pathname === '/', 'stays on the login page');
    /* the server's own refusal is shown too */
    const bad = await page.evaluate(async () =>
        (await fetch('/api/token?userId=ok&roomId=' + encodeURIComponent('bad/room'), {method: 'POST'})).status);
    assert(bad === 400, 'server refuses a bad room: ' + bad);
    await ctx.close();
});

check('opened from disk, where no module loads: each page says it wants the server', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'disk');
    const out = {};
    for (const f of ['index.html', 'room.html']) {
        await page.goto('file://' + path.join(process.env.TRTC_WORK, 'html', f));
        out[f] = await poll(() => page.evaluate(() => Array.from(document.querySelectorAll('.alert'))
            .filter((e) => !e.hidden).map((e) => e.textContent).join(' '))
            .then((text) => /through the server/.test(text) ? text : null), 10000, f + ': the message');
    }
    await ctx.close();
    return {shown: Object.keys(out)};
});

check('first-visit prompt offers the device check once, then is remembered', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'first');
    await page.goto(BASE + '/');
    await page.waitForSelector('body[data-ready]');
    assert(await page.isVisible('#first-visit'), 'prompt shown on the first visit');
    await page.click('#first-visit-skip');
    await page.reload();
    await page.waitForSelector('body[data-ready]');
    assert(!await page.isVisible('#first-visit'), 'prompt not shown again');
    await ctx.close();
});

check('labels follow navigator.language (zh-CN: Chinese)', async () => {
    const ctx = await newContext({locale: 'zh-CN'});
    const page = await newPage(ctx, 'zh');
    await page.goto(BASE + '/?denied=expired');
    await page.waitForSelector('body[data-ready]');
    const join = await page.textContent('#join');
    const err = await page.textContent('#login-error');
    assert(join === '进入房间', 'join button in Chinese: ' + join);
    assert(/过期/.test(err), 'denied message in Chinese: ' + err);
    assert(await page.getAttribute('html', 'lang') === 'zh-CN', 'html lang zh-CN');
    await ctx.close();
});

check('device check: fake camera, microphone, browser and network pass; retest', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'check');
    await page.goto(BASE + '/');
    await page.waitForSelector('body[data-ready]');
    await page.click('#device-check');
    await page.waitForSelector('#check-dialog[open]');
    const results = () => page.evaluate(() => {
        const r = {};
        document.querySelectorAll('.check-steps [data-check]').forEach((e) => {
            r[e.getAttribute('data-check')] = e.getAttribute('data-result');
        });
        return r;
    });
    const all4 = async () => {
        const r = await results();
        return ['camera', 'microphone', 'browser', 'network'].every((k) => r[k] === 'pass') ? r : null;
    };
    let r = await poll(all4, 15000, 'camera, microphone, browser, network pass');
    assert(r.speaker === 'pending', 'speaker waits for the person: ' + r.speaker);
    const cam = await page.textContent('[data-detail="camera"]');
    assert(/fake/i.test(cam) && /\d+×\d+/.test(cam), 'camera detail names the device and size: ' + cam);
    const net = await page.textContent('[data-detail="network"]');
    assert(/\d+ ms/.test(net), 'network detail has a round trip: ' + net);
    /* the tone is made in the page; the person answers */
    await page.click('[data-step="speaker"]');
    await page.click('#check-tone');
    await page.click('#check-heard');
    r = await results();
    assert(r.speaker === 'pass', 'speaker pass after "I hear it"');
    await page.click('[data-step="report"]');
    const rows = await page.$$eval('#check-report tr', (trs) => trs.map((tr) => tr.getAttribute('data-result')));
    assert(rows.length === 5 && rows.every((x) => x === 'pass'), 'report all pass: ' + rows);
    /* retest starts over and passes again */
    await page.click('#retest');
    r = await results();
    assert(r.camera === 'pending' || r.camera === 'pass', 'retest restarted');
    assert(r.speaker === 'pending', 'retest resets the speaker');
    await poll(all4, 15000, 'pass again after retest');
    await ctx.close();
});

check('alice and bob in room A see each other\'s video', {timeout: 60000}, async () => {
    S.ctxAlice = await newContext();
    S.ctxBob = await newContext();
    S.alice = await joinRoom(S.ctxAlice, 'alice', ROOM_A);
    S.bob = await joinRoom(S.ctxBob, 'bob', ROOM_A);
    assert(new URL(S.alice.url()).pathname === '/room/' + ROOM_A + '/', 'alice on /room/A/');
    const a = await seesVideo(S.alice, 'bob');
    const b = await seesVideo(S.bob, 'alice');
    assert(await S.alice.isVisible(tileSel('alice') + '[data-local]'), 'alice has a local tile');
    assert(await S.alice.textContent(tileSel('bob') + ' .name') === 'bob', 'bob\'s tile is named');
    assert(await attr(S.alice, tileSel('bob'), 'data-video') === 'on', 'bob video on at alice');
    assert(await attr(S.alice, tileSel('bob'), 'data-audio') === 'on', 'bob audio on at alice');
    return {a, b};
});

check('screenshot of the two-person call (t/artifacts/two-person-call.png)',
      {needs: ['alice and bob in room A see each other\'s video']}, async () => {
    fs.mkdirSync(ARTIFACTS, {recursive: true});
    const file = path.join(ARTIFACTS, 'two-person-call.png');
    await S.alice.screenshot({path: file});
    assert(fs.statSync(file).size > 10000, 'screenshot written');
});

check('audio activity: bob\'s tile at alice shows speaking (fake microphone beeps)',
      {needs: ['alice and bob in room A see each other\'s video']}, async () => {
    await poll(() => attr(S.alice, tileSel('bob'), 'data-speaking').then((v) => v === '1'),
               10000, 'data-speaking=1 on bob\'s tile');
});

check('carol in room B: alone, connected', async () => {
    S.ctxCarol = await newContext();
    S.carol = await joinRoom(S.ctxCarol, 'carol', ROOM_B);
    S.carolJoined = Date.now();
});

check('clicking a tile enlarges it; clicking again shrinks it',
      {needs: ['alice and bob in room A see each other\'s video']}, async () => {
    /* the layout follows the attribute in the next animation frame,
     * which a busy machine delays: wait for the widths, not a moment;
     * a miss throws, so that poll's time-out says what was last seen */
    const widths = (ok, what) => S.alice.evaluate((sel) => sel.map((s) =>
        document.querySelector(s).getBoundingClientRect().width),
        [tileSel('bob'), tileSel('alice')]).then(([w, wl]) => {
        if (!ok(w, wl)) {
            throw new Error(what + ': bob ' + w + ', alice ' + wl);
        }
        return true;
    });
    await S.alice.click(tileSel('bob'));
    assert(await attr(S.alice, tileSel('bob'), 'data-enlarged') === '', 'bob enlarged');
    await poll(() => widths((w, wl) => w > wl * 1.5, 'not 1.5 times as wide'), 10000,
               'the enlarged tile wider than 1.5 times alice\'s');
    await S.alice.click(tileSel('bob'));
    assert(await attr(S.alice, tileSel('bob'), 'data-enlarged') === null, 'bob shrunk');
    await poll(() => widths((w, wl) => Math.abs(w - wl) < 2, 'not as wide'), 10000,
               'bob\'s tile as wide as alice\'s again');
});

check('bob mutes video and audio: alice\'s tile for bob shows off, then on again',
      {needs: ['alice and bob in room A see each other\'s video']}, async () => {
    await S.bob.click('#mute-video');
    assert(await attr(S.bob, '#mute-video', 'aria-pressed') === 'true', 'bob\'s button pressed');
    assert(await attr(S.bob, tileSel('bob') + '[data-local]', 'data-video') === 'off', 'bob\'s own tile off');
    await poll(() => attr(S.alice, tileSel('bob'), 'data-video').then((v) => v === 'off'),
               5000, 'data-video=off at alice');
    await S.bob.click('#mute-audio');
    await poll(() => attr(S.alice, tileSel('bob'), 'data-audio').then((v) => v === 'off'),
               5000, 'data-audio=off at alice');
    assert(await attr(S.alice, tileSel('bob'), 'data-speaking') === '0', 'muted bob is not speaking');
    await S.bob.click('#mute-video');
    await S.bob.click('#mute-audio');
    await poll(async () => await attr(S.alice, tileSel('bob'), 'data-video') === 'on'
                           && await attr(S.alice, tileSel('bob'), 'data-audio') === 'on',
               5000, 'on again at alice');
});

check('a one-sided drop heals: alice, then bob, forgets the other; both see each other again',
      {needs: ['alice and bob in room A see each other\'s video'], timeout: 60000}, async () => {
    for (const [who, other] of [[S.alice, 'bob'], [S.bob, 'alice']]) {
        assert(await who.evaluate((o) => window.trtcDebug.drop(o), other), 'dropped ' + other);
        await seesVideo(S.alice, 'bob', 15000);
        await seesVideo(S.bob, 'alice', 15000);
        assert((await S.alice.$$(tileSel('bob'))).length === 1, 'one tile for bob at alice');
        assert((await S.bob.$$(tileSel('alice'))).length === 1, 'one tile for alice at bob');
    }
});

check('screen share: an extra tile data-kind=screen at alice; the browser\'s stop removes it',
      {needs: ['alice and bob in room A see each other\'s video'], timeout: 60000}, async () => {
    await S.bob.click('#share-screen');
    await S.alice.waitForSelector(tileSel('bob', 'screen'), {timeout: 15000});
    const s = await poll(async () => {
        const st = (await stats(S.alice)).bob;
        return st && st.screen && st.screen.videoWidth > 0 && st.screen.framesDecoded > 0 ? st : null;
    }, 15000, 'screen frames at alice');
    assert(s.screen.videoWidth >= 640, 'screen is screen-sized: ' + s.screen.videoWidth);
    assert(s.videoWidth > 0 && s.videoWidth !== s.screen.videoWidth,
           'camera tile still shows the camera: ' + JSON.stringify(s));
    assert(await S.bob.isVisible(tileSel('bob', 'screen') + '[data-local]'), 'bob sees his own screen tile');
    assert(await attr(S.bob, '#share-screen', 'aria-pressed') === 'true', 'share button pressed');
    /* the browser's own "stop sharing" fires ended on the track */
    const hadTrack = await S.bob.evaluate(() => {
        const tr = window.trtcDebug.screenTrack();
        if (!tr) {
            return false;
        }
        tr.dispatchEvent(new Event('ended'));
        return true;
    });
    assert(hadTrack, 'trtcDebug.screenTrack() returned the track');
    await gone(S.alice, tileSel('bob', 'screen'), 5000, 'bob\'s screen tile gone at alice');
    await poll(() => receivingVideo(S.alice, 'bob').then((n) => n === 1), 5000,
               'renegotiated: alice receives one video from bob, the camera');
    await gone(S.bob, tileSel('bob', 'screen'), 2000, 'bob\'s own screen tile gone');
    assert(await S.bob.evaluate(() => window.trtcDebug.screenTrack()) === null, 'no screen track left');
    assert(await attr(S.bob, '#share-screen', 'aria-pressed') === 'false', 'share button released');
    /* share again, stop with the button: same result */
    await S.bob.click('#share-screen');
    await S.alice.waitForSelector(tileSel('bob', 'screen'), {timeout: 15000});
    await poll(async () => {
        const st = (await stats(S.alice)).bob;
        return st && st.screen && st.screen.framesDecoded > 0;
    }, 15000, 'screen frames again');
    assert(await receivingVideo(S.alice, 'bob') === 2, 'two videos from bob while sharing');
    await S.bob.click('#share-screen');
    await gone(S.alice, tileSel('bob', 'screen'), 5000, 'screen tile gone after the button');
    await poll(() => receivingVideo(S.alice, 'bob').then((n) => n === 1), 5000,
               'renegotiated again: one video from bob');
    /* and the camera keeps flowing */
    await seesVideo(S.alice, 'bob', 5000);
    await seesVideo(S.bob, 'alice', 5000);
});

check('a forged "from" inside data arrives stamped with the real sender',
      {needs: ['alice and bob in room A see each other\'s video']}, async () => {
    const marker = 'forge-' + Date.now();
    const statuses = await S.alice.evaluate(async (m) => [
        await window.trtcDebug.publish(JSON.stringify({t: 'note', sid: 'x', from: 'mallory', m: m})),
        await window.trtcDebug.publish(JSON.stringify({from: 'mallory', privilege: 255,
                                                       data: JSON.stringify({t: 'hb', sid: 'y', m: m})}), 'bob')
    ], marker);
    assert(statuses.every((s) => s === 201 || s === 202), 'published: ' + statuses);
    const got = await poll(() => S.bob.evaluate((m) =>
        window.trtcDebug.messages.filter((x) => x.data.indexOf(m) >= 0), marker).then((l) => l.length >= 2 ? l : null),
        5000, 'both messages at bob');
    assert(got.every((x) => x.from === 'alice'), 'stamped from alice: ' + JSON.stringify(got));
    assert(got.every((x) => x.privilege === 254), 'stamped with alice\'s privilege: ' + JSON.stringify(got));
    assert(got.some((x) => JSON.parse(x.data).from === 'mallory'), 'the forged field is only inside data');
    assert(!await S.bob.evaluate(() => window.trtcDebug.messages.some((x) => x.from === 'mallory')),
           'nothing stamped from mallory');
    assert(!await S.bob.evaluate(() => window.trtcDebug.peers().includes('mallory')), 'no peer mallory');
});

check('audience dave: watches alice, has no publishing controls; alice gets nothing from him',
      {needs: ['alice and bob in room A see each other\'s video'], timeout: 60000}, async () => {
    S.ctxDave = await newContext();
    S.dave = await joinRoom(S.ctxDave, 'dave', ROOM_A, {role: 'audience'});
    const priv = await S.dave.evaluate(() => window.trtcDebug.privilege);
    assert((priv & 16) === 0 && (priv & 4) === 0 && (priv & 64) === 0, 'audience token has no send bits: ' + priv);
    await seesVideo(S.dave, 'alice');
    for (const id of ['#mute-video', '#share-screen', '#mute-audio']) {
        assert(!await S.dave.isVisible(id), id + ' hidden for the audience');
    }
    assert(await S.dave.evaluate(() => window.trtcDebug.localStream()) === null, 'no camera opened');
    await S.alice.waitForSelector(tileSel('dave'));
    /* dave's page turns malicious: it forces his camera and microphone
     * into his connection to alice, and every message it publishes
     * claims that stream as his camera (then as his screen) */
    const claim = await S.dave.evaluate(async () => {
        const s = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
        window.__claim = {camera: s.id, screen: null};
        const realFetch = window.fetch;
        window.fetch = (url, opts) => {
            if (String(url).indexOf('/signal/pub') >= 0 && opts && typeof opts.body === 'string') {
                try {
                    const m = JSON.parse(opts.body);
                    m.media = window.__claim;
                    m.st = {a: true, v: true};
                    opts = Object.assign({}, opts, {body: JSON.stringify(m)});
                } catch (e) { /* not ours */ }
            }
            return realFetch(url, opts);
        };
        const pc = window.trtcDebug.pc('alice');
        s.getTracks().forEach((tr) => pc.addTrack(tr, s));
        await window.trtcDebug.publish(JSON.stringify({t: 'state', sid: window.trtcDebug.sid}));
        return s.id;
    });
    /* the media does not even reach alice's connection (trtc_stamp
     * refuses his offers, and alice's connection to him only sends)... */
    const bytesFromDave = () => S.alice.evaluate(async () => {
        const pc = window.trtcDebug.pc('dave');
        let bytes = 0;
        (await pc.getStats()).forEach((s) => {
            if (s.type === 'inbound-rtp') { bytes += s.bytesReceived || 0; }
        });
        return bytes;
    });
    await sleep(4000);
    assert(await bytesFromDave() === 0, 'no byte of dave\'s forced media reaches alice');
    /* ...but the claim does */
    await poll(() => S.alice.evaluate((id) => window.trtcDebug.messages.some((m) =>
        m.from === 'dave' && m.data.indexOf(id) >= 0), claim), 5000, 'dave\'s claim at alice');
    /* ...and is neither shown nor played, however long we look */
    const clean = async (what) => {
        for (let i = 0; i < 3; i++) {
            await sleep(700);
            const st = (await stats(S.alice)).dave;
            assert(st && st.videoWidth === 0 && st.framesDecoded === 0,
                   what + ': nothing rendered from dave: ' + JSON.stringify(st));
            assert(await attr(S.alice, tileSel('dave'), 'data-video') === 'off', what + ': dave\'s tile video off');
            assert(await attr(S.alice, tileSel('dave'), 'data-audio') === 'off', what + ': dave\'s tile audio off');
            assert(await S.alice.$(tileSel('dave', 'screen')) === null, what + ': no screen tile for dave');
            const n = await S.alice.$eval(tileSel('dave') + ' video',
                                          (v) => v.srcObject ? v.srcObject.getTracks().length : 0);
            assert(n === 0, what + ': dave\'s tile plays no track: ' + n);
        }
    };
    await clean('claimed as camera');
    await S.dave.evaluate((id) => { window.__claim = {camera: null, screen: id}; }, claim);
    await S.dave.evaluate(() => window.trtcDebug.publish(JSON.stringify({t: 'state', sid: window.trtcDebug.sid})));
    await clean('claimed as screen');
    assert(await bytesFromDave() === 0, 'still no byte of his media at alice');
    /* alice still sees bob */
    await seesVideo(S.alice, 'bob', 5000);
});

check('no camera or microphone: ivy joins receive-only, with a message',
      {needs: ['alice and bob in room A see each other\'s video'], timeout: 60000}, async () => {
    S.ctxIvy = await newContext();
    await S.ctxIvy.addInitScript(() => {
        if (location.pathname.startsWith('/room/')) {
            navigator.mediaDevices.getUserMedia = () =>
                Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
        }
    });
    S.ivy = await joinRoom(S.ctxIvy, 'ivy', ROOM_A);
    const notice = await S.ivy.textContent('#room-notice');
    assert(/receive-only/.test(notice) && /NotFoundError/.test(notice), 'message: ' + notice);
    await seesVideo(S.ivy, 'alice');
    await S.alice.waitForSelector(tileSel('ivy'));
    assert(await attr(S.alice, tileSel('ivy'), 'data-video') === 'off', 'ivy has no video at alice');
    assert(await S.ivy.isDisabled('#mute-video'), 'ivy\'s camera button disabled');
    await S.ctxIvy.close();
    await gone(S.alice, tileSel('ivy'), 8000, 'ivy gone after closing');
});

check('carol in room B sees nobody of room A, and room A does not see her',
      {needs: ['carol in room B: alone, connected', 'alice and bob in room A see each other\'s video']}, async () => {
    const wait = 5000 - (Date.now() - S.carolJoined);
    if (wait > 0) {
        await sleep(wait);              /* at least two heartbeats */
    }
    const cp = await S.carol.evaluate(() => window.trtcDebug.peers());
    assert(cp.length === 0, 'carol has no peers: ' + cp);
    assert(await S.carol.$$eval('.tile', (t) => t.length) === 1, 'carol\'s grid has her own tile only');
    const froms = await S.carol.evaluate(() => [...new Set(window.trtcDebug.messages.map((m) => m.from))]);
    assert(froms.every((f) => f === 'carol'), 'carol got messages only from herself: ' + froms);
    for (const p of [S.alice, S.bob]) {
        assert(!(await p.evaluate(() => window.trtcDebug.peers())).includes('carol'), 'carol not a peer in A');
        assert(await p.$(tileSel('carol')) === null, 'no carol tile in A');
    }
});

check('two tabs of one browser context (shared cookies) call each other', {timeout: 60000}, async () => {
    const ctx = await newContext();
    const gina = await joinRoom(ctx, 'gina', ROOM_C);
    const hank = await joinRoom(ctx, 'hank', ROOM_C);      /* the cookie is now hank's */
    await seesVideo(gina, 'hank');
    await seesVideo(hank, 'gina');
    /* a reload keeps this tab's identity (sessionStorage), not the cookie's */
    await gina.reload();
    await gina.waitForSelector('body[data-ready]');
    assert(await gina.evaluate(() => window.trtcDebug.self) === 'gina', 'still gina after reload');
    await seesVideo(hank, 'gina');
    assert((await hank.evaluate(() => window.trtcDebug.peers())).length === 1, 'the reload replaced gina, not added one');
    await ctx.close();
});

check('a string room with spaces and punctuation: "' + ROOM_D + '"', {timeout: 60000}, async () => {
    const c1 = await newContext();
    const c2 = await newContext();
    const p1 = await joinRoom(c1, 'kim', ROOM_D);
    const p2 = await joinRoom(c2, 'lee', ROOM_D);
    assert(new URL(p1.url()).pathname === '/room/' + encodeURIComponent(ROOM_D) + '/', 'room path: ' + p1.url());
    await seesVideo(p1, 'lee');
    await seesVideo(p2, 'kim');
    const title = await p1.textContent('#room-title');
    assert(title.indexOf(ROOM_D) >= 0, 'room name shown as text: ' + title);
    await c1.close();
    await c2.close();
});

/* did alice get a "bye" from user (of its page sid, if given)? */
function byeAt(page, user, sid) {
    return page.evaluate(([u, s]) => window.trtcDebug.messages.some((m) => {
        const d = JSON.parse(m.data);
        return m.from === u && d.t === 'bye' && (!s || d.sid === s);
    }), [user, sid || null]);
}

/* closing a page fires its pagehide, whose "bye" (a keepalive POST,
 * the token in its header) outlives the page: alice sees the member
 * gone well before the 6 s of the heartbeats' timeout */
check('a member\'s page is closed: the "bye" of its pagehide takes it out of alice\'s grid at once',
      {needs: ['alice and bob in room A see each other\'s video'], timeout: 60000}, async () => {
    /* once more with another member when the first bye is not seen:
     * once, in a CI run, alice saw no bye of the closed page and lost
     * it to the heartbeats' timeout (6.6 s), which passes here and in
     * every other run; one of two must make it */
    const tries = [];
    for (const user of ['jay', 'kay']) {
        const ctx = await newContext();
        const page = await joinRoom(ctx, user, ROOM_A);
        await S.alice.waitForSelector(tileSel(user), {timeout: 10000});
        const sid = await page.evaluate(() => window.trtcDebug.sid);
        const t0 = Date.now();
        await page.close();
        const closed = Date.now() - t0;
        /* looked at for longer, to say how late it was */
        await gone(S.alice, tileSel(user), 10000, user + ' gone from alice');
        const took = Date.now() - t0;
        const bye = await byeAt(S.alice, user, sid);
        tries.push({user, closed, took, bye});
        assert(!(await S.alice.evaluate(() => window.trtcDebug.peers())).includes(user),
               user + ' not a peer');
        await ctx.close();
        if (took < 3000 && bye) {
            return {tries};
        }
    }
    assert(false, 'gone within 3 s of the close, by the "bye": ' + JSON.stringify(tries));
});

check('a peer that vanishes without "bye" leaves alice\'s grid within seconds',
      {needs: ['alice and bob in room A see each other\'s video'], timeout: 60000}, async () => {
    const ctx = await newContext();
    const erin = await joinRoom(ctx, 'erin', ROOM_A);
    await S.alice.waitForSelector(tileSel('erin'), {timeout: 10000});
    /* no goodbye: nothing the page sends gets out any more (the "bye"
     * of its pagehide included); the page just stops */
    await erin.evaluate(() => { window.fetch = () => new Promise(() => {}); });
    const t0 = Date.now();
    await ctx.close();
    await gone(S.alice, tileSel('erin'), 15000, 'erin gone from alice');
    const took = Date.now() - t0;
    assert(!(await S.alice.evaluate(() => window.trtcDebug.peers())).includes('erin'), 'erin not a peer');
    assert(!await byeAt(S.alice, 'erin'), 'no "bye" from erin: gone by the timeout');
    return {took};
});

/* the leave must not wait behind a message still on its way: the page
 * goes after 1.5 s whatever happens, and a "bye" queued behind a slow
 * "state" went with it.  The held "state" is then sent, exactly as fay's
 * page sent it, after alice saw fay go: it must not bring her back. */
check('a slow message before the leave: the "bye" still arrives at once, and nothing after it brings fay back',
      {needs: ['alice and bob in room A see each other\'s video'], timeout: 120000}, async () => {
    const ctx = await newContext();
    const fay = await joinRoom(ctx, 'fay', ROOM_A);
    await S.alice.waitForSelector(tileSel('fay'), {timeout: 10000});
    let held = null;
    let release;
    const released = new Promise((r) => { release = r; });
    await fay.route('**/signal/pub?*', async (route) => {
        const req = route.request();
        const body = req.postData() || '';
        if (!held && body.indexOf('"t":"state"') >= 0) {
            const h = await req.allHeaders();
            held = {url: req.url(), token: h['x-trtc-token'], type: h['content-type'], body};
            await released;
            await route.abort().catch(() => {});
            return;
        }
        await route.continue().catch(() => {});
    });
    try {
        await fay.click('#mute-audio');
        await poll(() => held, 5000, 'fay\'s state message held');
        assert(held.token && held.url.indexOf(held.token) < 0, 'the token in the header only');
        await fay.click('#leave');
        const t0 = Date.now();
        await gone(S.alice, tileSel('fay'), 3000, 'fay gone from alice');
        const took = Date.now() - t0;
        /* the held message, late: from here, with fay's token */
        const res = await fetch(held.url, {method: 'POST', body: held.body,
                                           headers: {'X-TRTC-Token': held.token, 'Content-Type': held.type}});
        assert(res.status >= 200 && res.status < 300, 'the late "state" published: ' + res.status);
        await poll(() => S.alice.evaluate((b) => window.trtcDebug.messages.some((m) =>
            m.from === 'fay' && m.data === b), held.body), 10000, 'the late "state" at alice');
        assert(!(await S.alice.evaluate(() => window.trtcDebug.peers())).includes('fay'),
               'fay not brought back');
        assert(await S.alice.$(tileSel('fay')) === null, 'no tile for fay');
        return {took};
    } finally {
        release();
        await ctx.close();
    }
});

check('bob leaves: his tile leaves alice\'s grid within a few seconds; bob is back on the login page',
      {needs: ['alice and bob in room A see each other\'s video']}, async () => {
    await S.bob.click('#leave');
    const t0 = Date.now();
    await gone(S.alice, tileSel('bob'), 3000, 'bob gone from alice');
    const took = Date.now() - t0;
    await S.bob.waitForURL((u) => new URL(u).pathname === '/', {timeout: 5000});
    assert(await S.bob.inputValue('#userId') === 'bob', 'login prefilled with bob');
    assert(await S.bob.$$eval('#login-error:not([hidden])', (e) => e.length) === 0, 'no error after leaving');
    return {took};
});

check('a tampered token cookie: the login page with a message, never the room', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'tamper');
    await page.goto(BASE + '/');
    const tok = await issue(page, 'mallory', ROOM_A);
    const [cookie] = await ctx.cookies(BASE + '/room/' + ROOM_A + '/');
    assert(cookie && cookie.name === 'trtc_token' && cookie.value === tok.privateMapKey, 'issuer set the cookie');
    const v = cookie.value;
    const i = Math.floor(v.length / 2);
    cookie.value = v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1);
    await ctx.addCookies([cookie]);
    await page.goto(BASE + '/room/' + ROOM_A + '/');
    const reason = await expectDenied(page, /^[a-z_]+$/, /not valid|altered/);
    assert(reason !== 'room_mismatch', 'refused as a bad token: ' + reason);
    await ctx.close();
});

check('an expired token: the login page says it expired', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'expired');
    const now = Math.floor(Date.now() / 1000);
    const old = execFileSync(TOOL, ['sign', '-k', KEY, '-a', String(SDKAPPID), '-u', 'mallory',
                                    '-r', ROOM_A, '-p', '254', '-t', String(now - 7200), '-e', '60'])
        .toString().trim();
    await ctx.addCookies([{name: 'trtc_token', value: old, domain: '127.0.0.1', path: '/'}]);
    await page.goto(BASE + '/room/' + ROOM_A + '/');
    await expectDenied(page, /expired/, /expired/);
    await ctx.close();
});

check('a token for room B on room A\'s page: the login page, never the room', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'mismatch');
    await page.goto(BASE + '/');
    const b = await issue(page, 'mallory', ROOM_B);
    /* the issuer's cookie is room B's page's only: not even sent */
    const [cookie] = await ctx.cookies(BASE + '/room/' + ROOM_B + '/');
    assert(cookie && cookie.path === '/room/' + ROOM_B + '/', 'cookie path is room B\'s page: '
           + (cookie && cookie.path));
    assert((await ctx.cookies(BASE + '/room/' + ROOM_A + '/')).length === 0, 'no cookie for room A');
    let res = await page.goto(BASE + '/room/' + ROOM_A + '/');
    assert(res.url().indexOf('/room/') < 0, 'not served the room');
    await expectDenied(page, /^no_token$/, /invited to room 4321/);
    /* and a cookie set for every path by hand: refused for its room */
    await ctx.addCookies([{name: 'trtc_token', value: b.privateMapKey, domain: '127.0.0.1', path: '/'}]);
    res = await page.goto(BASE + '/room/' + ROOM_A + '/');
    assert(res.url().indexOf('/room/') < 0, 'not served the room');
    await expectDenied(page, /^room_mismatch$/, /another room/);
    await ctx.close();
});

check('a token for room B on room A\'s signaling: WebSocket refused, the app shows an error',
      {timeout: 30000}, async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'wrongsig');
    await page.goto(BASE + '/');
    const b = await issue(page, 'mallory', ROOM_B);
    const a = await issue(page, 'mallory', ROOM_A);    /* the cookie opens A's page */
    /* the socket itself: A's token opens, B's token is refused */
    const ws = await page.evaluate(async ([room, good, bad]) => {
        const tryOpen = (key) => new Promise((resolve) => {
            const s = new WebSocket('ws://' + location.host + '/signal/sub?room=' + room
                                    + '&privateMapKey=' + encodeURIComponent(key));
            const timer = setTimeout(() => resolve('timeout'), 5000);
            s.onopen = () => { clearTimeout(timer); s.close(); resolve('open'); };
            s.onclose = () => { clearTimeout(timer); resolve('refused'); };
        });
        return [await tryOpen(good), await tryOpen(bad)];
    }, [ROOM_A, a.privateMapKey, b.privateMapKey]);
    assert(ws[0] === 'open' && ws[1] === 'refused', 'A\'s token opens, B\'s is refused: ' + ws);
    const pub = await page.evaluate(async ([room, bad]) => (await fetch('/signal/pub?room=' + room,
        {method: 'POST', headers: {'X-TRTC-Token': bad}, body: '{}'})).status, [ROOM_A, b.privateMapKey]);
    assert(pub === 401, 'publishing to A with B\'s token is refused: ' + pub);
    /* the app, with B's token in this tab's session for room A */
    await page.evaluate(([room, tokA, tokB]) => {
        tokA.privateMapKey = tokB.privateMapKey;
        sessionStorage.setItem('trtc.session.' + room, JSON.stringify({token: tokA, role: 'speaker'}));
    }, [ROOM_A, a, b]);
    await page.goto(BASE + '/room/' + ROOM_A + '/');
    await page.waitForSelector('#room-error:not([hidden])', {timeout: 15000});
    const text = await page.textContent('#room-error');
    assert(/refused/.test(text), 'error shown: ' + text);
    assert(await attr(page, '#room-status', 'data-state') === 'refused', 'status says refused');
    assert(await page.evaluate(() => window.trtcDebug.peers().length) === 0, 'joined nobody');
    await ctx.close();
});

check('a room page without this tab\'s credentials sends the person to the login page', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'nosession');
    await page.goto(BASE + '/');
    await issue(page, 'mallory', ROOM_A);       /* a cookie, but nothing in sessionStorage */
    const other = await newPage(ctx, 'nosession2');
    await other.goto(BASE + '/room/' + ROOM_A + '/');
    await expectDenied(other, /^no_session$/, /no credentials/);
    assert(await other.inputValue('#roomId') === ROOM_A, 'room prefilled');
    await ctx.close();
});

checkPageErrors();

run({env: ['TRTC_KEY', 'TRTC_TOOL']});
