'use strict';

/*
 * Tokens that expire during a call: the pages renew them and nobody sees
 * it; a page that cannot renew is cut off by nginx.  The issuer gives
 * 20 s tokens (renew.setup.sh); alice and bob talk for 90 s, each page
 * renewing at least three times, with the other's video playing and
 * tile shown throughout, the signaling status never leaving
 * "connected"; carol's renewals are blocked, and when her token
 * expires her sockets are closed and the others lose her.  Run by
 * run.sh (suite "renew": the mesh; "renew-sfu": the same through Janus).
 *
 * Output: one line "PLAN <n>", then one line "RESULT <json>" per check.
 */

const H = require('./harness');
const {
    check, assert, sleep, poll, newContext, roomStatus, tileSel,
    checkPageErrors, run
} = H;

const ROOM = '2020';
const TALK_MS = 90000;
const MEDIA = process.env.TRTC_RENEW_MEDIA || 'mesh';

/* every room page: its WebSockets' opens and closes (by URL path), and
 * each time the signaling status or a tile of another member changed,
 * sampled every 100 ms */
function watch() {
    if (!location.pathname.startsWith('/room/')) {
        return;
    }
    const Native = window.WebSocket;
    const w = window.__watch = {opened: {}, closed: {}, states: [], tiles: {}, lostTile: {}};
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            const p = new URL(args[0], location.href).pathname;
            this.addEventListener('open', () => { w.opened[p] = (w.opened[p] || 0) + 1; });
            this.addEventListener('close', () => { w.closed[p] = (w.closed[p] || 0) + 1; });
        }
    };
    setInterval(() => {
        const s = document.querySelector('#room-status');
        const state = s ? s.getAttribute('data-state') : null;
        if (state && w.states[w.states.length - 1] !== state) {
            w.states.push(state);
        }
        const now = new Set();
        document.querySelectorAll('.tile[data-kind="camera"]').forEach((t) => {
            now.add(t.getAttribute('data-user'));
        });
        Object.keys(w.tiles).forEach((u) => {
            if (!now.has(u) && !w.lostTile[u]) {
                w.lostTile[u] = Date.now();
            }
        });
        now.forEach((u) => { w.tiles[u] = true; });
    }, 100);
}

function watched(page) {
    return page.evaluate(() => window.__watch);
}

function framesOf(page, other) {
    return page.evaluate((o) => window.trtcDebug.stats().then((s) => s[o] || null), other);
}

const S = {};
const JOIN = 'alice, bob and carol join with 20 s tokens; carol\'s issuer is then out of reach';
const TALK = 'alice and bob talk for 90 s: video and tiles throughout, signaling connected, '
             + 'three renewals each';
const CUT = 'carol, who could not renew, is cut off by nginx when her token expires';

check(JOIN, {timeout: 90000}, async () => {
    for (const u of ['alice', 'bob', 'carol']) {
        S[u] = await H.joinRoom(await newContext({init: watch}), u, ROOM);
    }
    await S.carol.route('**/api/token*', (r) => r.abort());
    S.carolJoined = Date.now();
    const tok = await S.alice.evaluate((r) => JSON.parse(sessionStorage.getItem('trtc.session.' + r)).token,
                                       ROOM);
    assert(tok.expire === 20, 'the issuer gives 20 s tokens: ' + tok.expire);
    for (const [a, b] of [['alice', 'bob'], ['bob', 'alice'], ['alice', 'carol'], ['carol', 'alice']]) {
        await H.seesVideo(S[a], b, 30000);
    }
    return {media: MEDIA};
});

check(TALK, {needs: [JOIN], timeout: TALK_MS + 60000}, async () => {
    const end = Date.now() + TALK_MS;
    const last = {};
    let looks = 0;
    while (Date.now() < end) {
        await sleep(3000);
        looks++;
        for (const [a, b] of [['alice', 'bob'], ['bob', 'alice']]) {
            const s = await framesOf(S[a], b);
            assert(s && s.videoWidth > 0 && s.framesDecoded > (last[a] || 0),
                   a + '\'s video of ' + b + ' plays on at look ' + looks + ' ('
                   + Math.round((Date.now() - end + TALK_MS) / 1000) + ' s): '
                   + (last[a] || 0) + ' frames, then ' + JSON.stringify(s));
            last[a] = s.framesDecoded;
        }
    }
    const out = {};
    for (const [a, b] of [['alice', 'bob'], ['bob', 'alice']]) {
        const w = await watched(S[a]);
        const n = await S[a].evaluate(() => window.trtcDebug.renewals());
        assert(n >= 3, a + ' renewed her token at least three times: ' + n);
        const since = w.states.slice(w.states.indexOf('connected'));
        assert(JSON.stringify(since) === '["connected"]',
               a + '\'s signaling status stayed connected: ' + JSON.stringify(w.states));
        assert(!w.lostTile[b], a + ' never lost ' + b + '\'s tile');
        assert((w.opened['/signal/sub'] || 0) > n,
               a + ' reopened her signaling socket with each token: ' + JSON.stringify(w.opened));
        if (MEDIA === 'sfu') {
            assert((w.opened['/sfu/ws'] || 0) > n,
                   a + ' reopened her SFU socket with each token: ' + JSON.stringify(w.opened));
        }
        out[a] = {renewals: n, opened: w.opened, frames: last[a]};
    }
    return out;
});

check(CUT, {needs: [JOIN], timeout: 60000}, async () => {
    /* by now her token expired (20 s after she joined, long ago) */
    const w = await poll(async () => {
        const x = await watched(S.carol);
        return (x.closed['/signal/sub'] || 0) >= 1 ? x : null;
    }, 30000, 'carol\'s signaling socket closed');
    const n = await S.carol.evaluate(() => window.trtcDebug.renewals());
    assert(n === 0, 'carol renewed nothing: ' + n);
    await poll(async () => (await roomStatus(S.carol)) !== 'connected', 20000, 'carol not connected');
    assert(await S.carol.evaluate(() => !!document.querySelector('#room-error [data-key="expiry"]')),
           'carol is told her token expired');
    for (const u of ['alice', 'bob']) {
        await H.gone(S[u], tileSel('carol'), 30000, 'carol\'s tile gone at ' + u);
    }
    const late = await S.carol.evaluate(async (r) => {
        const k = JSON.parse(sessionStorage.getItem('trtc.session.' + r)).token.privateMapKey;
        const res = await fetch('/signal/pub?room=' + r, {method: 'POST', body: '{"t":"hb","sid":"x"}',
                                                          headers: {'X-TRTC-Token': k}});
        return res.status;
    }, ROOM);
    assert(late === 401, 'her old token publishes nothing: ' + late);
    return {closed: w.closed, states: w.states};
});

checkPageErrors();

run({total: 240000});
