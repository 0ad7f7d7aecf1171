'use strict';

/*
 * The TRTC Cloud mode (conf/trtc-cloud.conf) with the real TRTC Web SDK
 * v5 (html/vendor/, make vendor) in headless Debian Chromium, driven by
 * playwright-core, inside run.sh's loopback-only namespace: the room page
 * runs html/js/backend-trtc.js, whose enterRoom points the SDK's
 * websocketProxy and loggerProxy at nginx; nginx checks the UserSig and
 * passes the socket and the log reports on to standin.js (cloud.setup.sh)
 * in place of Tencent's hosts.  The stand-in speaks no TRTC, so the room
 * is never entered: the checks are about what the SDK sends, what nginx
 * lets through and what the page shows.
 *
 * Output: "PLAN <n>", then "RESULT <json>" lines (as test.js).
 *
 * Environment (run.sh, cloud.setup.sh):
 *   TRTC_BASE         http://127.0.0.1:PORT of nginx
 *   TRTC_KEY          its key file (to sign an expired UserSig)
 *   TRTC_TOOL         build/trtc-tool
 *   TRTC_STANDIN_LOG  what the stand-in received, one JSON object a line
 *   TRTC_ACCESS_LOG   nginx's access log (log_format cloud)
 *   TRTC_ERROR_LOG    its error log
 *   CHROMIUM          the browser (default /usr/bin/chromium)
 */

const fs = require('fs');
const zlib = require('zlib');
const { execFileSync } = require('child_process');
const H = require('./harness');
const {
    BASE, check, assert, sleep, poll, newContext, checkPageErrors, run
} = H;

const KEY = process.env.TRTC_KEY;
const TOOL = process.env.TRTC_TOOL;
const STANDIN_LOG = process.env.TRTC_STANDIN_LOG;
const ACCESS_LOG = process.env.TRTC_ACCESS_LOG;
const ERROR_LOG = process.env.TRTC_ERROR_LOG;
const SDKAPPID = 1400000000;
const SDK_VERSION = '5.17.1';

const ROOM = '4321';

function standin() {
    return fs.readFileSync(STANDIN_LOG, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function upgrades(userSig) {
    return standin().filter((r) => r.kind === 'upgrade' && r.query.userSig === userSig);
}

/* access log lines of the signaling proxy: [status, auth result, user] */
function wsLog() {
    return fs.readFileSync(ACCESS_LOG, 'utf8').split('\n')
        .filter((l) => l.indexOf('"GET /trtc/ws/"') >= 0)
        .map((l) => {
            const m = l.match(/" (\d{3}) \d+ user=(\S*) room=\S* auth=(\S*)$/);
            return m ? {status: Number(m[1]), user: m[2], auth: m[3]} : {line: l};
        });
}

/* a token's JSON, as the module writes it (TRTC's base64 of zlib) */
function decodeToken(tok) {
    const b64 = tok.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
    return JSON.parse(zlib.inflateSync(Buffer.from(b64, 'base64')).toString('utf8'));
}

function encodeToken(obj) {
    return zlib.deflateSync(Buffer.from(JSON.stringify(obj))).toString('base64')
        .replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

/* ---- pages ---- */

/* through the login page; the room page ready (its media open) */
function joinRoom(ctx, user) {
    return H.joinRoom(ctx, user, ROOM, {signaling: false});
}

function session(page) {
    return page.evaluate((r) => JSON.parse(sessionStorage.getItem('trtc.session.' + r)), ROOM);
}

/* this tab's UserSig replaced by sig, and the room page again; the
 * number of access log lines of /trtc/ws/ before */
async function reloadWithSig(page, sig) {
    const since = wsLog().length;
    await page.evaluate(([r, s]) => {
        const k = 'trtc.session.' + r;
        const v = JSON.parse(sessionStorage.getItem(k));
        v.token.userSig = s;
        sessionStorage.setItem(k, JSON.stringify(v));
    }, [ROOM, sig]);
    await page.reload();
    await page.waitForSelector('body[data-ready]', {timeout: 20000});
    return since;
}

/* the page refuses: its error, its status, nginx's 401s with the
 * reason, nothing at the stand-in, and no more tries after */
async function expectRefused(page, since, sig, authRe) {
    await page.waitForSelector('#room-error:not([hidden])', {timeout: 20000});
    await poll(async () => /refused/.test(await page.textContent('#room-error')),
               20000, 'the refusal shown');
    assert(!/firewall/.test(await page.textContent('#room-error')),
           'the SDK\'s "firewall" error replaced by the refusal');
    const text = await page.textContent('#room-error');
    const state = await page.getAttribute('#room-status', 'data-state');
    assert(state === 'refused', 'status refused: ' + state);
    const dbg = await page.evaluate(() => ({check: window.trtcDebug.trtc.check,
                                            errors: window.trtcDebug.trtc.errors}));
    assert(dbg.check === 401, 'ws-check said 401: ' + dbg.check);
    const refused = () => wsLog().filter((l) => l.status === 401).length;
    const refusedLines = wsLog().slice(since).filter((l) => l.status === 401);
    const reasons = [...new Set(refusedLines.map((l) => l.auth))];
    assert(refusedLines.length > 0, 'nginx refused the upgrade with 401');
    assert(reasons.some((r) => authRe.test(r)), 'the log says why: ' + reasons + ' ~ ' + authRe);
    assert(upgrades(sig).length === 0, 'the stand-in got no socket with the bad UserSig');
    /* the app stopped the SDK's retries (every 2 s while it tries) */
    const before = refused();
    await sleep(5000);
    const after = refused();
    assert(after === before, 'no more upgrades after the refusal: ' + before + ' -> ' + after);
    return {text, reasons, sdkErrors: dbg.errors.map((e) => e.code + '/' + e.extraCode)};
}

/* ---- the checks ---- */

const S = {};

const JOINED = 'join through the login page: the room page runs the SDK (cloud mode), '
               + 'not the mesh';
const CAMERA = 'the local camera plays in the SDK\'s view inside the own tile';
const SOCKET = 'the SDK opens its WebSocket at /trtc/ws/ with the issued UserSig; '
               + 'the module lets it through to the stand-in';

check(JOINED, async () => {
    S.ctx = await newContext();
    /* a cookie of the site, for every path: not for Tencent */
    await S.ctx.addCookies([{name: 'site_session', value: 'not-for-tencent',
                             domain: '127.0.0.1', path: '/'}]);
    const requests = [];
    S.ctx.on('request', (r) => requests.push(new URL(r.url()).pathname));
    S.alice = await joinRoom(S.ctx, 'alice');
    S.token = (await session(S.alice)).token;
    assert(typeof S.token.userSig === 'string' && typeof S.token.privateMapKey === 'string',
           'the issuer gave a UserSig and a PrivateMapKey');
    const info = await S.alice.evaluate(() => ({
        sdk: window.trtcDebug.trtc && window.trtcDebug.trtc.sdkVersion,
        backend: !!window.trtcDebug.trtc
    }));
    assert(info.sdk === SDK_VERSION, 'the vendored SDK ' + SDK_VERSION + ': ' + info.sdk);
    assert(info.backend, 'backend-trtc.js runs the room');
    assert(requests.includes('/static/vendor/trtc-sdk-v5/trtc.js'), 'SDK served from our host');
    assert(requests.includes('/static/js/backend-trtc.js'), 'the backend from our host');
    assert(!requests.some((p) => p.endsWith('/backend-mesh.js') || p.endsWith('/backend-janus.js')
                          || p.endsWith('/signal.js')),
           'no other backend, and no mesh signaling, loaded');
    assert(requests.includes('/static/js/room-chat.js'), 'the chat of the room');
    return {sdk: info.sdk};
});

check(CAMERA, {needs: [JOINED]}, async () => {
    const sel = '.tile[data-user="alice"][data-kind="camera"][data-local]';
    await poll(() => S.alice.evaluate((s) => {
        const tile = document.querySelector(s);
        const v = tile && tile.querySelector('.sdk-view video');
        return tile && tile.getAttribute('data-video') === 'on' && v && v.videoWidth > 0
               && v.currentTime > 0;
    }, sel), 15000, 'local video playing');
    assert(await S.alice.getAttribute(sel, 'data-audio') === 'on', 'microphone on');
    assert(await S.alice.isEnabled('#mute-audio') && await S.alice.isEnabled('#mute-video'),
           'controls enabled');
});

check('the same room UI: the people list, the speaker view, the devices menu with the SDK\'s camera, '
      + 'chat and hands', {needs: [CAMERA]}, async () => {
    await S.alice.click('#open-people');
    await poll(() => S.alice.evaluate(() => {
        const li = document.querySelector('#people li[data-user="alice"]');
        return li && li.getAttribute('data-video') === 'on' && li.getAttribute('data-audio') === 'on';
    }), 10000, 'alice listed, camera and microphone on');
    await S.alice.click('#open-people');
    await S.alice.click('#devices');
    await S.alice.waitForSelector('#device-menu:not([hidden])');
    const cam = await S.alice.evaluate(() => {
        const sel = document.querySelector('#pick-camera');
        const v = document.querySelector('.tile[data-local][data-kind="camera"] .sdk-view video');
        const tr = v && v.srcObject && v.srcObject.getVideoTracks()[0];
        return {n: sel.options.length, value: sel.value, sdk: tr ? tr.getSettings().deviceId : null};
    });
    assert(cam.n >= 1 && cam.value === cam.sdk, 'the camera the SDK sends is selected: ' + JSON.stringify(cam));
    await S.alice.click('#device-menu-close');
    assert(await S.alice.isVisible('#open-chat') && await S.alice.isVisible('#raise-hand'),
           'the chat and hand buttons');
    await S.alice.click('#view');
    assert(await S.alice.getAttribute('#view', 'data-mode') === 'speaker', 'the speaker view');
    await S.alice.click('#view');
});

/* what a page heard of a member on the room's chat: {hand, name} */
function heard(page, user) {
    return page.evaluate((u) => window.trtcDebug.trtc.chat.of(u), user);
}

check('chat and raised hands through nginx\'s own signaling, stamped: bob reads alice\'s line '
      + 'under her verified id, as text; alice and a later carol see bob\'s hand', {needs: [CAMERA]},
      async () => {
    S.others = await newContext();
    S.bob = await joinRoom(S.others, 'bob');
    await poll(async () => !!(await heard(S.alice, 'bob')), 20000, 'alice heard bob\'s hello');
    await S.alice.click('#open-chat');
    await S.alice.fill('#chat-input', 'hello <b>bob</b>');
    await S.alice.press('#chat-input', 'Enter');
    const line = await poll(() => S.bob.evaluate(() => {
        const li = document.querySelector('#chat-log li[data-from="alice"][data-mine="0"]');
        return li && {text: li.querySelector('.text').textContent,
                      from: li.querySelector('.from').textContent,
                      verified: !!li.querySelector('.verified'),
                      html: !!li.querySelector('.text b')};
    }), 15000, 'bob got alice\'s line');
    assert(line.text === 'hello <b>bob</b>' && !line.html, 'as text: ' + JSON.stringify(line));
    assert(line.from === 'alice' && line.verified, 'under the stamped sender: ' + JSON.stringify(line));
    assert(await S.bob.isVisible('#chat-unread'), 'bob\'s chat button counts it');

    await S.bob.click('#raise-hand');
    await poll(async () => ((await heard(S.alice, 'bob')) || {}).hand === true, 15000,
               'alice sees bob\'s hand');
    S.carol = await joinRoom(S.others, 'carol');
    await poll(async () => ((await heard(S.carol, 'bob')) || {}).hand === true, 20000,
               'carol, who came later, sees it too');
    await S.bob.click('#raise-hand');
    await poll(async () => ((await heard(S.alice, 'bob')) || {}).hand === false, 15000,
               'and its lowering');
    await S.others.close();
});

check(SOCKET, {needs: [JOINED]}, async () => {
    const up = await poll(() => upgrades(S.token.userSig)[0], 20000, 'the upgrade at the stand-in');
    const keys = up.keys;
    for (const k of ['sdkAppId', 'userId', 'userSig']) {
        assert(keys.includes(k), 'query has ' + k + ': ' + keys);
    }
    assert(up.path === '/', 'proxied to the stand-in\'s root: ' + up.path);
    assert(up.query.userId === 'alice', 'userId is the user: ' + up.query.userId);
    assert(up.query.sdkAppId === String(SDKAPPID), 'sdkAppId: ' + up.query.sdkAppId);
    assert(up.query.userSig === S.token.userSig, 'userSig is the issued one');
    assert(up.headers.cookie === undefined, 'no cookies passed on: ' + up.headers.cookie);
    /* logged when the socket closes (the SDK gives up on the join) */
    const ok = await poll(() => {
        const l = wsLog().filter((x) => x.status === 101 && x.user === 'alice');
        return l.length ? l : null;
    }, 20000, 'alice\'s 101 in the access log');
    /* the others of the chat check (bob, carol) may be there too */
    const all = wsLog().filter((x) => x.status === 101);
    assert(all.every((l) => l.auth === 'ok' && ['alice', 'bob', 'carol'].includes(l.user)),
           'nginx: 101 with auth=ok, each its own user: ' + JSON.stringify(all));
    return {query: keys, logged: ok.length};
});

check('the join command inside the socket carries the PrivateMapKey and the room', {needs: [SOCKET]}, async () => {
    const ids = new Set(upgrades(S.token.userSig).map((u) => u.id));
    const frame = await poll(() => standin().find((r) => r.kind === 'frame' && ids.has(r.id)
                                                  && r.text), 15000, 'a text frame');
    const msg = JSON.parse(frame.text);
    assert(/^join/.test(msg.cmd), 'a join command: ' + msg.cmd);
    assert(msg.data.privateMapKey === S.token.privateMapKey, 'the issued PrivateMapKey');
    assert(String(msg.data.roomId) === ROOM, 'the room: ' + msg.data.roomId);
    return {cmd: msg.cmd, fields: Object.keys(msg.data).length};
});

check('the TURN credentials issued with the tokens go to the SDK as proxy.turnServer', {needs: [JOINED]}, async () => {
    const ice = S.token.iceServers;
    assert(Array.isArray(ice) && ice.length === 1, 'the issuer gave iceServers: ' + JSON.stringify(ice));
    const proxy = await S.alice.evaluate(() => window.trtcDebug.trtc.proxy);
    assert(proxy.websocketProxy === BASE.replace(/^http/, 'ws') + '/trtc/ws/',
           'websocketProxy: ' + proxy.websocketProxy);
    assert(proxy.loggerProxy === BASE + '/trtc/log', 'loggerProxy: ' + proxy.loggerProxy);
    const turn = proxy.turnServer || [];
    const urls = turn.map((x) => x.url);
    assert(JSON.stringify(urls) === JSON.stringify(['turn:127.0.0.1:3478',
                                                    'turn:127.0.0.1:3478?transport=tcp']),
           'the turn: URLs, not the stun: one: ' + JSON.stringify(urls));
    assert(turn.every((x) => x.username === ice[0].username && x.credential === ice[0].credential
                             && x.credentialType === 'password'), 'the issued credentials');
    assert(new RegExp('^\\d+:alice$').test(ice[0].username), 'username <expiry>:alice');
    return {urls: urls.length};
});

check('the SDK\'s log reports go through /trtc/log/ to the log host', {needs: [JOINED]}, async () => {
    const rep = await poll(() => standin().find((r) => r.kind === 'http' && r.method === 'POST'
                                                && r.path === '/v5/AVQualityReportSvc/C2S'),
                           20000, 'a log report at the stand-in');
    assert(rep.query.sdkappid === String(SDKAPPID), 'sdkappid: ' + rep.query.sdkappid);
    assert(rep.headers.cookie === undefined, 'no cookies passed on: ' + rep.headers.cookie);
    const access = fs.readFileSync(ACCESS_LOG, 'utf8');
    assert(/"POST \/trtc\/log\/v5\/AVQualityReportSvc\/C2S" 200 /.test(access),
           'nginx logged the report as 200');
    return {cmdtype: rep.query.cmdtype, bytes: rep.bodySize};
});

check('the stand-in never answers the join: the page says it cannot enter and keeps trying, no refusal', {needs: [JOINED], timeout: 40000}, async () => {
    await poll(async () => /Cannot reach/.test(await S.alice.textContent('#room-error')),
               30000, 'the error shown');
    const dbg = await S.alice.evaluate(() => ({enter: window.trtcDebug.trtc.enter,
                                               check: window.trtcDebug.trtc.check}));
    assert(dbg.enter && dbg.enter.ok === false, 'enterRoom failed: ' + JSON.stringify(dbg.enter));
    assert(dbg.check === 204, 'ws-check said the token is good: ' + dbg.check);
    assert(await S.alice.getAttribute('#room-status', 'data-state') === 'connecting',
           'status: connecting');
    const n = upgrades(S.token.userSig).length;
    await poll(() => upgrades(S.token.userSig).length > n, 20000, 'another attempt');
    return {enter: dbg.enter.code};
});

check('mute and stop video: the own tile and the buttons follow', {needs: [CAMERA]}, async () => {
    const sel = '.tile[data-user="alice"][data-kind="camera"][data-local]';
    await S.alice.click('#mute-audio');
    await poll(async () => await S.alice.getAttribute(sel, 'data-audio') === 'off', 5000, 'muted');
    assert(await S.alice.getAttribute('#mute-audio', 'aria-pressed') === 'true', 'pressed');
    await S.alice.click('#mute-video');
    await poll(async () => await S.alice.getAttribute(sel, 'data-video') === 'off', 5000, 'video off');
    assert(/Start video/.test(await S.alice.textContent('#mute-video')), 'label Start video');
    await S.alice.click('#mute-audio');
    await S.alice.click('#mute-video');
    await poll(async () => await S.alice.getAttribute(sel, 'data-audio') === 'on'
                           && await S.alice.getAttribute(sel, 'data-video') === 'on', 5000, 'back on');
});

check('screen share: a local screen tile while sharing, gone after', {needs: [CAMERA]}, async () => {
    const sel = '.tile[data-user="alice"][data-kind="screen"]';
    await S.alice.click('#share-screen');
    await poll(() => S.alice.evaluate((s) => {
        const v = document.querySelector(s + ' .sdk-view video');
        return v && v.videoWidth > 0;
    }, sel), 15000, 'the screen tile playing');
    assert(/Stop sharing/.test(await S.alice.textContent('#share-screen')), 'label Stop sharing');
    await S.alice.click('#share-screen');
    await poll(() => S.alice.evaluate((s) => !document.querySelector(s), sel), 10000, 'tile gone');
});

check('a tampered UserSig: 401 at /trtc/ws/, nothing reaches the stand-in, the page says refused', {timeout: 90000}, async () => {
    const ctx = await newContext();
    const page = await joinRoom(ctx, 'tamper');
    const tok = (await session(page)).token;
    const j = decodeToken(tok.userSig);
    j['TLS.expire'] = j['TLS.expire'] * 100;        /* a longer life, same signature */
    const bad = encodeToken(j);
    const since = await reloadWithSig(page, bad);
    const r = await expectRefused(page, since, bad, /^signature_mismatch$/);
    await ctx.close();
    return r;
});

check('an expired UserSig: 401 (expired), the page says refused', {timeout: 90000}, async () => {
    const ctx = await newContext();
    const page = await joinRoom(ctx, 'late');
    const now = Math.floor(Date.now() / 1000);
    const old = execFileSync(TOOL, ['sign', '-k', KEY, '-a', String(SDKAPPID), '-u', 'late',
                                    '-t', String(now - 7200), '-e', '60']).toString().trim();
    const since = await reloadWithSig(page, old);
    const r = await expectRefused(page, since, old, /^expired$/);
    await ctx.close();
    return r;
});

check('another user\'s UserSig: 401 (user_mismatch), the page says refused', {timeout: 90000}, async () => {
    const ctx = await newContext();
    const page = await joinRoom(ctx, 'mallory');
    const bob = await page.evaluate(async (r) => (await fetch('/api/token?userId=bob&roomId=' + r,
        {method: 'POST', credentials: 'omit'})).json(), ROOM);
    assert(bob.userId === 'bob' && bob.userSig, 'a UserSig of bob');
    const since = await reloadWithSig(page, bob.userSig);
    const r = await expectRefused(page, since, bob.userSig, /^user_mismatch$/);
    await ctx.close();
    return r;
});

check('no UserSig or PrivateMapKey in nginx\'s logs, refused ones included', {needs: [SOCKET]}, async () => {
    for (const [name, file] of [['access', ACCESS_LOG], ['error', ERROR_LOG]]) {
        const text = fs.readFileSync(file, 'utf8');
        assert(text.indexOf(S.token.userSig.slice(0, 40)) < 0, 'no UserSig in the ' + name + ' log');
        assert(text.indexOf(S.token.privateMapKey.slice(0, 40)) < 0,
               'no PrivateMapKey in the ' + name + ' log');
        assert(!/userSig=/.test(text), 'no query strings with a UserSig in the ' + name + ' log');
    }
});

check('leave: back to the login page, this tab\'s credentials dropped', {needs: [JOINED]}, async () => {
    await S.alice.click('#leave');
    await S.alice.waitForURL((u) => new URL(u).pathname === '/', {timeout: 10000});
    assert(await session(S.alice) === null, 'session dropped');
    await S.ctx.close();
});

checkPageErrors();

run({env: ['TRTC_KEY', 'TRTC_TOOL', 'TRTC_STANDIN_LOG', 'TRTC_ACCESS_LOG', 'TRTC_ERROR_LOG']});
