'use strict';

/*
 * Tencent's demo folders served by README.md's recipe ("Tencent's demo
 * folders", tencent.setup.sh), in headless Debian Chromium: the stand-ins
 * of t/data/tencent/ (v4 base-js with its key pasted in, and v5
 * quick-demo-js) call genTestUserSig both ways and create the SDK's
 * client as Tencent's pages do; nginx answers the signing files with
 * html/js/tencent-usersig.js and rewrites the call sites.  Checked: the
 * tokens the pages get are the issuer's, verified by Tencent's official
 * tls-sig-api-v2 (t/ref) for the user and the room; the SDK's sockets (v5
 * the real SDK, v4 a stand-in that connects as v4 does) go to the gated
 * proxy and through it to standin.js, with those tokens; quick-demo's
 * invite link carries no UserSig and the invitee enters with their own;
 * no response and no log holds the key.
 *
 * Output: "PLAN <n>", then "RESULT <json>" lines (harness.js).
 *
 * Environment (run.sh, tencent.setup.sh): TRTC_BASE, TRTC_KEY,
 * TRTC_STANDIN_LOG, TRTC_ACCESS_LOG, TRTC_ERROR_LOG, TRTC_REF (ref.js).
 */

const fs = require('fs');
const { execFileSync } = require('child_process');
const H = require('./harness');
const { BASE, check, assert, poll, newContext, newPage, checkPageErrors, run } = H;

const KEY = fs.readFileSync(process.env.TRTC_KEY, 'utf8').trim();
const SDKAPPID = 1400000000;
const WS_PROXY = BASE.replace(/^http/, 'ws') + '/trtc/ws/';

const S = {bodies: [], sockets: []};

function standin() {
    return fs.readFileSync(process.env.TRTC_STANDIN_LOG, 'utf8').split('\n')
        .filter(Boolean).map((l) => JSON.parse(l));
}

function upgradeOf(user) {
    return standin().find((r) => r.kind === 'upgrade' && r.query.userId === user);
}

function joinFrame(up) {
    const f = standin().find((r) => r.kind === 'frame' && r.id === up.id && r.text);
    return f ? JSON.parse(f.text) : null;
}

/* Tencent's tls-sig-api-v2 (t/ref/ref.js) on a token of the run's key */
function verify(token) {
    return JSON.parse(execFileSync('node', [process.env.TRTC_REF, 'verify',
        JSON.stringify({sdkappid: SDKAPPID, key: KEY, token})], {encoding: 'utf8'}));
}

function verifyUserSig(token, user) {
    const v = verify(token);
    assert(v.ok, 'tls-sig-api-v2 verifies the UserSig: ' + JSON.stringify(v));
    assert(v.doc['TLS.identifier'] === user, 'for ' + user + ': ' + v.doc['TLS.identifier']);
}

function verifyPmk(token, user, room) {
    const v = verify(token);
    assert(v.ok && v.userbuf, 'tls-sig-api-v2 verifies the PrivateMapKey: ' + JSON.stringify(v));
    assert(v.userbuf.account === user, 'for ' + user + ': ' + v.userbuf.account);
    assert(v.userbuf.roomid === room, 'for room ' + room + ' only: ' + v.userbuf.roomid);
}

/* every response body and socket of the suite's pages, for the key check */
async function watched(ctx, label) {
    const page = await newPage(ctx, label);
    page.on('response', (r) => {
        S.bodies.push(r.body().then((b) => ({url: r.url(), text: b.toString('latin1')}),
                                    () => ({url: r.url(), text: ''})));
    });
    page.on('websocket', (ws) => S.sockets.push(ws.url()));
    return page;
}

/* ---- v4 base-js ---- */

const V4 = 'v4 base-js: the page at / signs with genTestUserSig(userId), synchronously, '
    + 'and its client joins through the gated proxy with the issuer\'s tokens';

check(V4, async () => {
    S.ctx = await newContext();
    const page = S.v4 = await watched(S.ctx, 'v4');
    await page.goto(BASE + '/');
    await page.fill('#userId', 'alice4');
    await page.fill('#roomId', '4001');
    await page.click('#login-btn');
    await poll(async () => (await page.textContent('#status')) !== '', 20000, 'the join\'s outcome');
    const status = await page.textContent('#status');
    assert(status === 'joined', 'joined: ' + status);
    const c = (await page.evaluate(() => window.trtcV4))[0];
    assert(c.proxy === WS_PROXY, 'setProxyServer got this host\'s /trtc/ws/: ' + c.proxy);
    assert(c.url.startsWith(WS_PROXY + '?'), 'the socket at the proxy: ' + c.url.slice(0, 60));
    const q = new URL(c.url).searchParams;
    verifyUserSig(q.get('userSig'), 'alice4');
    verifyPmk(c.privateMapKey, 'alice4', 4001);
    const up = await poll(() => upgradeOf('alice4'), 10000, 'alice4\'s socket at the upstream');
    assert(up.query.userSig === q.get('userSig'), 'the upstream got that UserSig');
    const msg = await poll(() => joinFrame(up), 10000, 'the join command');
    assert(msg.data.privateMapKey === c.privateMapKey && msg.data.roomId === 4001,
           'the join carries the PrivateMapKey and the room');
    return {sockets: S.sockets.length};
});

check('v4: genTestUserSig awaited (the network test) and called directly, '
      + 'its own client through the proxy, data/ under /static/', {needs: [V4]}, async () => {
    const r = await S.v4.evaluate(async () => {
        const direct = genTestUserSig('bob4');
        const awaited = await uplinkTest('carol4');
        const mock = await readMock();
        const last = window.trtcV4[window.trtcV4.length - 1];
        return {direct, awaited, mock, proxy: last.proxy, user: last.userId,
                keys: Object.keys(direct).sort()};
    });
    assert(r.direct.sdkAppId === SDKAPPID && r.awaited.sdkAppId === SDKAPPID, 'sdkAppId');
    assert(r.keys.join() === 'sdkAppId,userSig', 'returns {sdkAppId, userSig}: ' + r.keys);
    verifyUserSig(r.direct.userSig, 'bob4');
    verifyUserSig(r.awaited.userSig, 'carol4');
    assert(r.user === 'carol4' && r.proxy === WS_PROXY, 'the network test\'s client: proxy set');
    assert(r.mock && /stand-in/.test(r.mock), 'data/mock.json read: ' + r.mock);
});

check('v4: a page that hands the client another user\'s UserSig is refused at the proxy, '
      + 'and nothing reaches the upstream', {needs: [V4]}, async () => {
    const r = await S.v4.evaluate(async () => {
        const sig = genTestUserSig('alice4b').userSig;
        const c = trtcCreateClient({mode: 'rtc', sdkAppId: 1400000000, userId: 'mallory4', userSig: sig});
        try {
            await c.join({roomId: 4001});
            return 'joined';
        } catch (e) {
            return 'refused: ' + e.message;
        }
    });
    assert(/^refused/.test(r), 'the join failed: ' + r);
    const line = await poll(() => fs.readFileSync(process.env.TRTC_ACCESS_LOG, 'utf8').split('\n')
        .find((l) => /"GET \/trtc\/ws\/" 401 .* auth=user_mismatch$/.test(l)), 10000,
                            'the 401 with its reason in the access log');
    assert(!upgradeOf('mallory4'), 'the upstream got no socket for mallory4');
    return {logged: line.replace(/^.*"GET/, '"GET')};
});

/* ---- v5 quick-demo-js ---- */

const V5 = 'v5 quick-demo-js: no key to type, enterRoom (real SDK) goes to the gated proxy '
    + 'with the UserSig of genTestUserSig({sdkAppId, userId, sdkSecretKey}) and a PrivateMapKey for the room';

check(V5, async () => {
    S.ctx5 = await newContext();
    const page = S.v5 = await watched(S.ctx5, 'v5');
    await page.goto(BASE + '/quick/index.html');
    const app = await page.inputValue('#sdkAppId');
    assert(app === String(SDKAPPID), 'the SDKAppID filled in: ' + app + ' '
           + await page.evaluate(() => String(window.genTestUserSig && genTestUserSig.sdkAppId)));
    const shown = await page.inputValue('#sdkSecretKey');
    assert(shown === '(kept by the server)', 'no key in the page: ' + shown);
    assert(await page.evaluate(() => typeof TRTC.create === 'function' && TRTC.VERSION),
           'the real SDK, from this host');
    await page.fill('#userId', 'alice5');
    await page.fill('#roomId', '5001');
    await page.click('#enter');
    const up = await poll(() => upgradeOf('alice5'), 20000, 'alice5\'s socket at the upstream');
    assert(up.path === '/', 'proxied to the upstream\'s root: ' + up.path);
    verifyUserSig(up.query.userSig, 'alice5');
    const msg = await poll(() => joinFrame(up), 15000, 'the join command');
    assert(/^join/.test(msg.cmd), 'a join command: ' + msg.cmd);
    verifyPmk(msg.data.privateMapKey, 'alice5', 5001);
    assert(String(msg.data.roomId) === '5001', 'the room: ' + msg.data.roomId);
    const mine = S.sockets.filter((u) => u.startsWith(WS_PROXY));
    assert(mine.length > 0 && S.sockets.every((u) => u.startsWith(WS_PROXY)),
           'every socket of the pages went to /trtc/ws/: ' + S.sockets.map((u) => u.slice(0, 50)));
    const direct = await page.evaluate(() => genTestUserSig({sdkAppId: 1, userId: 'dave5', sdkSecretKey: 'x'}));
    assert(direct.sdkAppId === SDKAPPID, 'the server\'s SDKAppID, not the caller\'s');
    verifyUserSig(direct.userSig, 'dave5');
    const ok = await poll(() => fs.readFileSync(process.env.TRTC_ACCESS_LOG, 'utf8')
        .split('\n').filter((l) => /"GET \/trtc\/ws\/" 101 .* auth=ok$/.test(l)).length >= 2,
                          20000, 'the 101s in the access log');
    return {sdk: await page.evaluate(() => TRTC.VERSION), logged: ok};
});

check('v5: the invite link carries the room and no UserSig; the invitee enters with a token of their own',
      {needs: [V5]}, async () => {
    await S.v5.click('#inviteBtn');
    const link = await S.v5.inputValue('#inviteUrl');
    assert(!/usersig/i.test(link), 'no UserSig in the link: ' + link);
    assert(!/e[A-Za-z][A-Za-z0-9*_-]{60,}/.test(link), 'nothing token-shaped in it');
    const u = new URL(link);
    assert(u.pathname === '/quick/invite/invite.html', 'the invite page: ' + u.pathname);
    assert(u.searchParams.get('roomId') === '5001', 'the room: ' + link);
    const invitee = u.searchParams.get('userId');
    const ctx = await newContext();
    const page = await watched(ctx, 'invitee');
    await page.goto(link);
    await page.click('#join');
    const up = await poll(() => upgradeOf(invitee), 20000, 'the invitee\'s socket at the upstream');
    verifyUserSig(up.query.userSig, invitee);
    const msg = await poll(() => joinFrame(up), 15000, 'the invitee\'s join command');
    verifyPmk(msg.data.privateMapKey, invitee, 5001);
    await ctx.close();
    return {invitee};
});

check('no response the pages got holds the key or the in-page signer, and no log the key', async () => {
    const bodies = await Promise.all(S.bodies);
    assert(bodies.length > 10, 'responses seen: ' + bodies.length);
    const bad = bodies.filter((b) => b.text.indexOf(KEY) >= 0 || /SECRETKEY|LibGenerateTestUserSig\(/.test(b.text));
    assert(bad.length === 0, 'the key or signer in: ' + bad.map((b) => b.url));
    for (const f of [process.env.TRTC_ACCESS_LOG, process.env.TRTC_ERROR_LOG]) {
        assert(fs.readFileSync(f, 'utf8').indexOf(KEY) < 0, 'no key in ' + f);
    }
    const signing = bodies.filter((b) => /GenerateTestUserSig\.js$/i.test(new URL(b.url).pathname));
    assert(signing.length >= 2, 'both signing files were loaded: ' + signing.length);
    return {responses: bodies.length};
});

check('closing the pages', async () => {
    await S.ctx.close();
    await S.ctx5.close();
});

checkPageErrors();

run({env: ['TRTC_KEY', 'TRTC_STANDIN_LOG', 'TRTC_ACCESS_LOG', 'TRTC_ERROR_LOG', 'TRTC_REF']});
