'use strict';

/*
 * Media through a TURN server: the issuer (trtc_turn_*) hands out coturn
 * REST-API credentials with the token, the room page gives them to its
 * RTCPeerConnections, and the server forces relay-only.  Video flows
 * over relay candidates, coturn saw both people's usernames; with
 * credentials of another secret or past their expiry nothing gets
 * through and coturn answers 401.  Run by run.sh (suite "turn") after
 * turn.setup.sh, which starts coturn.
 *
 * Output: one line "PLAN <n>", then one line "RESULT <json>" per check,
 * {"name", "ok", "diag"}; t/browser-turn.t turns them into TAP.
 *
 * Environment:
 *   TRTC_BASE          http://127.0.0.1:PORT of the demo server
 *   TRTC_TURN_URL      the turn: URL of coturn (as in trtc_turn_urls)
 *   TRTC_TURN_LOG      coturn's log
 *   TRTC_TURN_SECRET   coturn's static-auth-secret, in a file
 *   CHROMIUM           the browser (default /usr/bin/chromium)
 */

const fs = require('fs');
const crypto = require('crypto');
const {
    BASE, check, assert, sleep, poll, newContext, newPage, connected, joinRoom,
    issue, stats, seesVideo, checkPageErrors, run
} = require('./harness');

const TURN_URL = process.env.TRTC_TURN_URL;
const TURN_LOG = process.env.TRTC_TURN_LOG;
const TURN_SECRET = process.env.TRTC_TURN_SECRET;

/* no media within this long, with bad credentials, is "does not come up" */
const NEGATIVE_MS = 15000;

const ROOM_OK = '5151';
const ROOM_WRONG = '5252';
const ROOM_EXPIRED = '5353';
const ROOM_LATE = '5454';

/* ---- coturn's side ---- */

function secret() {
    return fs.readFileSync(TURN_SECRET, 'utf8').split('\n')[0].trim();
}

/* coturn's REST API: the password of a username under a secret */
function turnPassword(key, username) {
    return crypto.createHmac('sha1', key).update(username).digest('base64');
}

function turnLog() {
    return fs.readFileSync(TURN_LOG, 'utf8');
}

/* coturn's verbose lines name the username of each request */
function logHas(username, what) {
    return turnLog().split('\n').some((l) =>
        l.indexOf('user <' + username + '>') >= 0 && l.indexOf(what) >= 0);
}

/* the room page with an issued token, changed by alter() first, in this
 * tab's session (what the login page stores) */
async function joinAltered(ctx, user, room, alter, waitConnected, blockIssuer) {
    const page = await newPage(ctx, user);
    await page.goto(BASE + '/');
    await page.waitForSelector('body[data-ready]');
    const token = await issue(page, user, room);
    assert(token && Array.isArray(token.iceServers), 'issued with iceServers: ' + JSON.stringify(token));
    alter(token);
    await page.evaluate(([r, tok]) => {
        sessionStorage.setItem('trtc.session.' + r, JSON.stringify({token: tok, role: 'speaker'}));
    }, [room, token]);
    if (blockIssuer) {
        /* the room page cannot renew its token */
        await page.route('**/api/token*', (r) => r.abort());
    }
    await page.goto(BASE + '/room/' + encodeURIComponent(room) + '/');
    if (waitConnected !== false) {
        await connected(page, user);
    }
    return {page, token};
}

/* the ICE side of page's connection to other: its configuration, the
 * selected candidate pair with both candidates, the types of all local
 * candidates */
function icePath(page, other) {
    return page.evaluate(async (o) => {
        const pc = window.trtcDebug.pc(o);
        if (!pc) {
            return null;
        }
        const conf = pc.getConfiguration();
        const byId = new Map();
        const report = await pc.getStats();
        report.forEach((s) => byId.set(s.id, s));
        let pair = null;
        report.forEach((s) => {
            if (s.type === 'transport' && s.selectedCandidatePairId) {
                pair = byId.get(s.selectedCandidatePairId) || pair;
            }
        });
        const cand = (id) => {
            const c = byId.get(id);
            return c ? {type: c.candidateType, address: c.address, port: c.port,
                        protocol: c.protocol, relayProtocol: c.relayProtocol, url: c.url} : null;
        };
        const locals = [];
        report.forEach((s) => {
            if (s.type === 'local-candidate') {
                locals.push(s.candidateType);
            }
        });
        return {
            policy: conf.iceTransportPolicy,
            servers: conf.iceServers.map((x) => ({urls: x.urls, username: x.username})),
            connectionState: pc.connectionState,
            iceConnectionState: pc.iceConnectionState,
            gathering: pc.iceGatheringState,
            pair: pair ? {state: pair.state, nominated: pair.nominated, bytesSent: pair.bytesSent,
                          bytesReceived: pair.bytesReceived, local: cand(pair.localCandidateId),
                          remote: cand(pair.remoteCandidateId)} : null,
            locals: locals
        };
    }, other);
}

/* a and b (pages of users ua and ub) see each other as peers, and no
 * media comes up between them for NEGATIVE_MS: what they went through */
async function noMedia(a, ua, b, ub) {
    await poll(async () => await a.evaluate((o) => !!window.trtcDebug.pc(o), ub)
                           && await b.evaluate((o) => !!window.trtcDebug.pc(o), ua),
               15000, ua + ' and ' + ub + ' have connections to each other');
    const seen = {a: new Set(), b: new Set()};
    const end = Date.now() + NEGATIVE_MS;
    let pa, pb;
    while (Date.now() < end) {
        pa = await icePath(a, ub);
        pb = await icePath(b, ua);
        seen.a.add(pa.connectionState);
        seen.b.add(pb.connectionState);
        const sa = (await stats(a))[ub] || {};
        const sb = (await stats(b))[ua] || {};
        assert(pa.connectionState !== 'connected' && pb.connectionState !== 'connected',
               'never connected: ' + JSON.stringify([pa, pb]));
        assert(!sa.framesDecoded && !sb.framesDecoded && !sa.videoWidth && !sb.videoWidth,
               'no video: ' + JSON.stringify([sa, sb]));
        await sleep(1000);
    }
    for (const p of [pa, pb]) {
        assert(p.policy === 'relay', 'relay-only: ' + JSON.stringify(p));
        assert(p.locals.indexOf('relay') < 0, 'no relay candidate gathered: ' + JSON.stringify(p));
        assert(!p.pair || p.pair.state !== 'succeeded', 'no candidate pair succeeded: ' + JSON.stringify(p));
    }
    return {states: {[ua]: [...seen.a], [ub]: [...seen.b]}, locals: [pa.locals, pb.locals]};
}

/* ua and ub in room with credentials that alter() spoiled: no media
 * between them, and coturn refused both usernames (401), allocating
 * nothing */
async function spoiled(ua, ub, room, alter) {
    const c1 = await newContext();
    const c2 = await newContext();
    const a = await joinAltered(c1, ua, room, alter);
    const b = await joinAltered(c2, ub, room, alter);
    const seen = await noMedia(a.page, ua, b.page, ub);
    for (const x of [a, b]) {
        const u = x.token.iceServers[0].username;
        assert(logHas(u, 'error 401'), 'coturn: 401 for ' + u);
        assert(!logHas(u, 'ALLOCATE processed, success'), 'coturn: no allocation for ' + u);
    }
    await c1.close();
    await c2.close();
    return seen;
}

/* ---- the checks ---- */

const S = {};

check('the page is told relay-only; the issuer returns coturn credentials', async () => {
    S.ctx = await newContext();
    const page = await newPage(S.ctx, 'probe');
    await page.goto(BASE + '/');
    await page.waitForSelector('body[data-ready]');
    const policy = await page.evaluate(() => window.TRTC_ENDPOINTS.iceTransportPolicy);
    assert(policy === 'relay', 'TRTC_ENDPOINTS.iceTransportPolicy: ' + policy);
    const now = Math.floor(Date.now() / 1000);
    const tok = await issue(page, 'probe', ROOM_OK);
    assert(Array.isArray(tok.iceServers) && tok.iceServers.length === 1, 'one ICE server: ' + JSON.stringify(tok));
    const ice = tok.iceServers[0];
    assert(JSON.stringify(ice.urls) === JSON.stringify([TURN_URL]), 'the URL of trtc_turn_urls: ' + ice.urls);
    const m = /^(\d+):probe$/.exec(ice.username);
    assert(m, 'username <expiry>:<user>: ' + ice.username);
    assert(Math.abs(Number(m[1]) - (now + 3600)) <= 5, 'expiry after trtc_turn_ttl 1h: ' + m[1]);
    assert(tok.turnExpiresAt === Number(m[1]), 'turnExpiresAt: ' + tok.turnExpiresAt);
    assert(ice.credential === turnPassword(secret(), ice.username), 'credential is HMAC-SHA1 of coturn\'s secret');
    await page.close();
});

check('alice and bob: video both ways over relay candidates through coturn', {timeout: 60000}, async () => {
    S.ctxAlice = await newContext();
    S.ctxBob = await newContext();
    const t0 = Date.now();
    S.alice = await joinRoom(S.ctxAlice, 'alice', ROOM_OK);
    S.bob = await joinRoom(S.ctxBob, 'bob', ROOM_OK);
    const joined = Date.now();
    const a = await seesVideo(S.alice, 'bob', 30000);
    const b = await seesVideo(S.bob, 'alice', 30000);
    const video = Date.now();
    const paths = {};
    for (const [page, other, self] of [[S.alice, 'bob', 'alice'], [S.bob, 'alice', 'bob']]) {
        const p = await icePath(page, other);
        paths[self] = p;
        const tok = await page.evaluate((r) => JSON.parse(sessionStorage.getItem('trtc.session.' + r)).token, ROOM_OK);
        assert(p.policy === 'relay', self + ': iceTransportPolicy relay: ' + p.policy);
        assert(p.servers.length === 1 && JSON.stringify(p.servers[0].urls) === JSON.stringify([TURN_URL])
               && p.servers[0].username === tok.iceServers[0].username,
               self + ': the issued TURN server and username: ' + JSON.stringify(p.servers));
        assert(p.pair && p.pair.state === 'succeeded' && p.pair.nominated === true,
               self + ': a selected pair, succeeded and nominated: ' + JSON.stringify(p.pair));
        assert(p.pair.local && p.pair.local.type === 'relay', self + ': local candidate is relay: '
               + JSON.stringify(p.pair.local));
        assert(p.pair.remote && p.pair.remote.type === 'relay', self + ': remote candidate is relay: '
               + JSON.stringify(p.pair.remote));
        assert(p.pair.bytesReceived > 0 && p.pair.bytesSent > 0, self + ': bytes over the pair: '
               + JSON.stringify(p.pair));
        assert(p.locals.length > 0 && p.locals.every((x) => x === 'relay'), self + ': only relay candidates: '
               + p.locals);
        S[self + 'User'] = tok.iceServers[0].username;
    }
    return {joinMs: joined - t0, videoAfterJoinMs: video - joined, alice: a, bob: b,
            aliceLocal: paths.alice.pair.local, bobLocal: paths.bob.pair.local};
});

check('coturn allocated relays for both usernames',
      {needs: ['alice and bob: video both ways over relay candidates through coturn']}, async () => {
    for (const u of [S.aliceUser, S.bobUser]) {
        assert(logHas(u, 'ALLOCATE processed, success'), 'ALLOCATE success for ' + u);
        assert(logHas(u, 'CREATE_PERMISSION processed, success') || logHas(u, 'CHANNEL_BIND processed, success'),
               'a permission or channel for ' + u);
    }
    return {users: [S.aliceUser, S.bobUser]};
});

check('credentials of another secret: no relay, no media; coturn answers 401', {timeout: 90000}, async () => {
    const other = crypto.randomBytes(32).toString('hex');
    const wrong = (tok) => {
        tok.iceServers[0].credential = turnPassword(other, tok.iceServers[0].username);
    };
    return spoiled('carl', 'dina', ROOM_WRONG, wrong);
});

check('expired credentials (right secret, past expiry): no relay, no media; coturn answers 401',
      {timeout: 90000}, async () => {
    /* the page takes them for valid (turnExpiresAt untouched): only
     * coturn's own check of the username's expiry stands in the way */
    const key = secret();
    const expired = (tok) => {
        const ice = tok.iceServers[0];
        ice.username = (Math.floor(Date.now() / 1000) - 60) + ':' + tok.userId;
        ice.credential = turnPassword(key, ice.username);
    };
    return spoiled('erin', 'fred', ROOM_EXPIRED, expired);
});

check('TURN credentials past turnExpiresAt: the room page sends the person back, "expired"', async () => {
    const ctx = await newContext();
    const late = await joinAltered(ctx, 'gus', ROOM_LATE, (tok) => {
        tok.turnExpiresAt = Math.floor(Date.now() / 1000) - 1;
    }, false);
    await late.page.waitForURL((u) => new URL(u).pathname === '/', {timeout: 10000});
    const reason = new URL(late.page.url()).searchParams.get('denied');
    assert(reason === 'expired', 'denied=' + reason);
    await late.page.waitForSelector('#login-error:not([hidden])');
    const text = await late.page.textContent('#login-error');
    assert(/expired/.test(text), 'message: ' + text);
    await ctx.close();
});

check('TURN credentials expiring during the call: the page renews its token, with new ones',
      {timeout: 60000}, async () => {
    const ctx = await newContext();
    let at;
    const soon = await joinAltered(ctx, 'ida', ROOM_LATE, (tok) => {
        at = Math.floor(Date.now() / 1000) + 8;
        tok.turnExpiresAt = at;
    });
    const renewed = await poll(() => soon.page.evaluate((r) => {
        const s = JSON.parse(sessionStorage.getItem('trtc.session.' + r));
        return window.trtcDebug.renewals() >= 1 ? s.token : null;
    }, ROOM_LATE), 20000, 'a renewal');
    assert(renewed.turnExpiresAt > at + 60 && renewed.iceServers.length > 0,
           'new TURN credentials: ' + renewed.turnExpiresAt + ' against ' + at);
    await sleep(Math.max(0, at * 1000 + 2000 - Date.now()));
    assert(await soon.page.evaluate(() => !document.querySelector('#room-error [data-key="expiry"]')),
           'no expiry shown past the old credentials\' end');
    await ctx.close();
});

check('TURN credentials expiring during the call, no renewal: the room says so, then',
      {timeout: 60000}, async () => {
    const ctx = await newContext();
    /* when the room's error box first shows (the join may be slow) */
    await ctx.addInitScript(() => {
        document.addEventListener('DOMContentLoaded', () => {
            const box = document.querySelector('#room-error');
            if (box) {
                new MutationObserver(() => {
                    if (!box.hidden && !window.__errorAt) {
                        window.__errorAt = Date.now();
                    }
                }).observe(box, {attributes: true, childList: true});
            }
        });
    });
    let at;
    const soon = await joinAltered(ctx, 'hal', ROOM_LATE, (tok) => {
        at = Math.floor(Date.now() / 1000) + 8;
        tok.turnExpiresAt = at;
    }, true, true);
    await soon.page.waitForSelector('#room-error:not([hidden])', {timeout: 20000});
    const text = await soon.page.textContent('#room-error');
    assert(/expired/.test(text), 'message: ' + text);
    const shown = await soon.page.evaluate(() => window.__errorAt);
    assert(shown >= at * 1000 - 500 && shown <= at * 1000 + 10000,
           'shown at turnExpiresAt: ' + (shown - at * 1000) + ' ms after it');
    await ctx.close();
    return {afterExpiryMs: shown - at * 1000};
});

checkPageErrors();

run({env: ['TRTC_TURN_URL', 'TRTC_TURN_LOG', 'TRTC_TURN_SECRET']});
