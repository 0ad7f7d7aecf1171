'use strict';

/*
 * Room signaling shared by two nginx servers through Redis (nchan's Redis
 * mode): people on either server meet in the same room, rooms stay apart
 * across servers, and restarting one server drops only its own clients,
 * who come back by themselves.  Run by run.sh (suite "redis") after
 * redis.setup.sh, which starts redis-server and the second nginx.
 *
 * Output: one line "PLAN <n>", then one line "RESULT <json>" per check,
 * {"name", "ok", "diag"}; t/browser-redis.t turns them into TAP.
 *
 * Environment:
 *   TRTC_BASE         http://127.0.0.1:PORT of server 1 (run.sh's nginx)
 *   TRTC_BASE2        the same of server 2 (redis.setup.sh's nginx)
 *   TRTC_NGINX2_CTL   a script: "stop" or "start" server 2
 *   TRTC_NGINX2_LOG   server 2's error log
 *   CHROMIUM          the browser (default /usr/bin/chromium)
 */

const fs = require('fs');
const { execFileSync } = require('child_process');
const H = require('./harness');
const {
    check, assert, sleep, poll, newContext, roomStatus, seesVideo, tileSel,
    checkPageErrors, closeBrowser, run
} = H;

const BASE1 = process.env.TRTC_BASE;
const BASE2 = process.env.TRTC_BASE2;
const CTL2 = process.env.TRTC_NGINX2_CTL;
const LOG2 = process.env.TRTC_NGINX2_LOG;

const ROOM_A = '4321';
const ROOM_B = '8765';

/* Each room page counts its WebSockets' opens and closes, and records
 * every state its signaling status shows, sampled every 100 ms: a page
 * whose socket never closed has opened 1, closed 0, states [connected]
 * from the first open on. */
function watchSignaling() {
    if (!location.pathname.startsWith('/room/')) {
        return;
    }
    const Native = window.WebSocket;
    const w = window.__sig = {opened: 0, closed: 0, states: []};
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('open', () => { w.opened++; });
            this.addEventListener('close', () => { w.closed++; });
        }
    };
    setInterval(() => {
        const s = document.querySelector('#room-status');
        const state = s && w.opened > 0 ? s.getAttribute('data-state') : null;
        if (state && w.states[w.states.length - 1] !== state) {
            w.states.push(state);
        }
    }, 100);
}

function watchedContext() {
    return newContext({init: watchSignaling});
}

/* into a room on one of the servers */
async function joinRoom(base, ctx, user, room) {
    const page = await H.joinRoom(ctx, user, room, {base: base});
    assert(new URL(page.url()).origin === base, user + ' on ' + base + ': ' + page.url());
    return page;
}

function sig(page) {
    return page.evaluate(() => window.__sig);
}

function peers(page) {
    return page.evaluate(() => window.trtcDebug.peers());
}

function server2(what) {
    execFileSync('bash', [CTL2, what], {stdio: ['ignore', 'ignore', 'pipe'], timeout: 20000});
}

/* ---- the checks ---- */

const S = {};   /* pages shared by the checks */
const PAIR_A = 'alice on server 1 and bob on server 2, room A: each sees the other\'s video';
const PAIR_B = 'dave on server 1 and carol on server 2, room B: each sees the other\'s video';
const RESTART = 'restarting server 2: bob and carol lose signaling, alice and dave keep theirs';

check(PAIR_A, {timeout: 90000}, async () => {
    S.alice = await joinRoom(BASE1, await watchedContext(), 'alice', ROOM_A);
    S.bob = await joinRoom(BASE2, await watchedContext(), 'bob', ROOM_A);
    const a = await seesVideo(S.alice, 'bob');
    const b = await seesVideo(S.bob, 'alice');
    assert(await S.alice.textContent(tileSel('bob') + ' .name') === 'bob', 'bob\'s tile at alice is named');
    return {a, b};
});

check(PAIR_B, {timeout: 90000}, async () => {
    S.carol = await joinRoom(BASE2, await watchedContext(), 'carol', ROOM_B);
    S.carolJoined = Date.now();
    S.dave = await joinRoom(BASE1, await watchedContext(), 'dave', ROOM_B);
    const c = await seesVideo(S.carol, 'dave');
    const d = await seesVideo(S.dave, 'carol');
    return {c, d};
});

check('room isolation across servers: room A sees nobody of room B, and room B nobody of room A',
      {needs: [PAIR_A, PAIR_B]}, async () => {
    const wait = 5000 - (Date.now() - S.carolJoined);
    if (wait > 0) {
        await sleep(wait);              /* at least two heartbeats of each */
    }
    const rooms = [[S.alice, ['bob'], ['carol', 'dave']], [S.bob, ['alice'], ['carol', 'dave']],
                   [S.carol, ['dave'], ['alice', 'bob']], [S.dave, ['carol'], ['alice', 'bob']]];
    for (const [page, mates, others] of rooms) {
        const self = await page.evaluate(() => window.trtcDebug.self);
        const p = await peers(page);
        assert(JSON.stringify(p) === JSON.stringify(mates), self + '\'s peers are ' + mates + ': ' + p);
        for (const o of others) {
            assert(await page.$(tileSel(o)) === null, 'no tile of ' + o + ' at ' + self);
        }
        const froms = await page.evaluate(() => [...new Set(window.trtcDebug.messages.map((m) => m.from))]);
        assert(froms.every((f) => f === self || mates.includes(f)),
               self + ' got messages only from its room: ' + froms);
    }
});

check(RESTART, {needs: [PAIR_A, PAIR_B], timeout: 40000}, async () => {
    for (const [who, page] of [['alice', S.alice], ['dave', S.dave]]) {
        const w = await sig(page);
        assert(w.opened === 1 && w.closed === 0, who + '\'s one socket is open: ' + JSON.stringify(w));
    }
    S.stopped = Date.now();
    server2('stop');
    /* server 2's people see it go and try again */
    for (const [who, page] of [['bob', S.bob], ['carol', S.carol]]) {
        await poll(() => roomStatus(page).then((s) => s === 'connecting'), 10000, who + ' shows connecting');
        const w = await sig(page);
        assert(w.closed >= 1, who + '\'s socket closed: ' + JSON.stringify(w));
    }
    /* server 1's people no longer hear them: their tiles go */
    await poll(async () => !(await peers(S.alice)).includes('bob') && !(await peers(S.dave)).includes('carol'),
               15000, 'alice drops bob, dave drops carol');
    assert(await S.alice.$(tileSel('bob')) === null, 'bob\'s tile gone at alice');
    assert(await roomStatus(S.bob) !== 'connected', 'bob still cut off while server 2 is down');
    return {down_ms: Date.now() - S.stopped};
});

check('server 2 back: bob and carol reconnect by themselves and the calls resume; ' +
      'alice\'s and dave\'s sockets never closed', {needs: [RESTART], timeout: 70000}, async () => {
    server2('start');
    const t0 = Date.now();
    for (const [who, page] of [['bob', S.bob], ['carol', S.carol]]) {
        await poll(() => roomStatus(page).then((s) => s === 'connected'), 30000, who + ' connected again');
        const w = await sig(page);
        assert(w.opened >= 2, who + ' opened a new socket: ' + JSON.stringify(w));
    }
    const back = Date.now() - t0;
    const ab = await seesVideo(S.alice, 'bob', 30000);
    const ba = await seesVideo(S.bob, 'alice', 15000);
    const dc = await seesVideo(S.dave, 'carol', 30000);
    const cd = await seesVideo(S.carol, 'dave', 15000);
    for (const [who, page] of [['alice', S.alice], ['dave', S.dave]]) {
        const w = await sig(page);
        assert(w.opened === 1 && w.closed === 0, who + '\'s socket never closed: ' + JSON.stringify(w));
        assert(JSON.stringify(w.states) === '["connected"]',
               who + '\'s status never left connected: ' + JSON.stringify(w.states));
    }
    const bob = await sig(S.bob);
    assert(bob.states.includes('connecting') && bob.states[bob.states.length - 1] === 'connected',
           'bob\'s status went connecting, then connected: ' + JSON.stringify(bob.states));
    return {reconnect_ms: back, ab, ba, dc, cd};
});

checkPageErrors();

check('server 2 stopped twice; its error log: no alerts or crashes', async () => {
    await closeBrowser();
    server2('stop');
    const log = fs.readFileSync(LOG2, 'utf8');
    const bad = log.split('\n').filter((l) =>
        /\[(alert|crit|emerg)\]|exited on signal|AddressSanitizer|LeakSanitizer|runtime error:/.test(l));
    assert(bad.length === 0, bad.slice(0, 5).join('\n'));
    const stops = (log.match(/signal 15 \(SIGTERM\) received/g) || []).length;
    assert(stops === 2, 'server 2 was stopped twice (the restart, and now): ' + stops);
});

run({env: ['TRTC_BASE2', 'TRTC_NGINX2_CTL', 'TRTC_NGINX2_LOG']});
