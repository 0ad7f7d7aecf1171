'use strict';

/*
 * Browser tests of the SFU mode: the demo's web app with
 * conf/trtc-sfu.conf, media through Janus's VideoRoom, presence on the
 * stamped signaling.  Run by run.sh (suite "sfu", after sfu.setup.sh)
 * inside a loopback-only network namespace where Janus gathers on
 * 127.0.0.2.
 *
 * Output: one line "PLAN <n>", then one line "RESULT <json>" per check,
 * {"name", "ok", "diag"}; t/browser-sfu.t turns them into TAP.
 *
 * Environment:
 *   TRTC_BASE        http://127.0.0.1:PORT of the demo server
 *   TRTC_JANUS_DIR   Janus's files (the secrets no page may see)
 *   CHROMIUM         the browser (default /usr/bin/chromium)
 */

const fs = require('fs');
const path = require('path');
const {
    BASE, check, assert, sleep, poll, newContext, newPage, joinRoom, issue,
    stats, seesVideo, tileSel, attr, gone, checkPageErrors, run
} = require('./harness');

const JANUS_DIR = process.env.TRTC_JANUS_DIR;

const ROOM_A = 'sfu room A';
const ROOM_B = '8765';
const MEMBERS = ['alice', 'bob', 'carol', 'dave'];

const S = {};   /* pages and contexts shared by the checks */

/* every secret of Janus's configuration: none may reach a page */
function secrets() {
    const out = [fs.readFileSync(path.join(JANUS_DIR, 'token.secret'), 'utf8').trim()];
    for (const f of ['janus.jcfg', 'janus.plugin.videoroom.jcfg']) {
        const text = fs.readFileSync(path.join(JANUS_DIR, f), 'utf8');
        for (const m of text.matchAll(/^\s*(?:admin_secret|admin_key|token_auth_secret)\s*=\s*"([^"]+)"/mg)) {
            out.push(m[1]);
        }
    }
    /* the rooms' secret, in the body of nginx's room creating request */
    const create = fs.readFileSync(path.join(JANUS_DIR, 'create.conf'), 'utf8');
    for (const m of create.matchAll(/"secret":"([^"]+)"/g)) {
        out.push(m[1]);
    }
    return [...new Set(out)];
}

/* a page's own Janus session, over a socket it opens (through nginx
 * unless url says otherwise): resolves with what Janus answered to each
 * of the requests, in order ({janus, error, data} of each) */
function janusTalk(page, url, steps) {
    return page.evaluate(([u, st]) => new Promise((resolve) => {
        const out = [];
        let ws;
        try {
            ws = new WebSocket(u, 'janus-protocol');
        } catch (e) {
            resolve({refused: String(e)});
            return;
        }
        const timer = setTimeout(() => { ws.close(); resolve({timeout: true, out}); }, 10000);
        let session = null, handle = null, i = 0;
        const next = () => {
            if (i >= st.length) {
                clearTimeout(timer);
                ws.close();
                resolve({out});
                return;
            }
            const m = Object.assign({transaction: 'tx' + i}, st[i]);
            if (session && m.janus !== 'create') {
                m.session_id = session;
            }
            if (handle && m.janus === 'message') {
                m.handle_id = handle;
            }
            ws.send(JSON.stringify(m));
        };
        ws.onopen = next;
        ws.onerror = () => {};
        ws.onclose = (e) => {
            clearTimeout(timer);
            resolve({closed: e.code, out});
        };
        ws.onmessage = (e) => {
            const m = JSON.parse(e.data);
            if (m.janus === 'ack' || m.transaction !== 'tx' + i) {
                return;
            }
            const d = m.plugindata && m.plugindata.data;
            out.push({janus: m.janus, error: m.error || (d && d.error_code ? d : null),
                      data: d || m.data || null});
            if (m.janus === 'success' && m.data && st[i].janus === 'create') {
                session = m.data.id;
            } else if (m.janus === 'success' && m.data && st[i].janus === 'attach') {
                handle = m.data.id;
            }
            i++;
            next();
        };
    }), [url, steps]);
}

function sfuUrl(room, pmk) {
    return BASE.replace(/^http/, 'ws') + '/sfu/ws?room=' + encodeURIComponent(room)
           + '&privateMapKey=' + encodeURIComponent(pmk);
}

/* the Janus tokens of a PrivateMapKey, from nginx */
function janusTokens(page, room, pmk) {
    return page.evaluate(async ([r, k]) => {
        const res = await fetch('/sfu/token?room=' + encodeURIComponent(r), {headers: {'X-TRTC-Token': k}});
        return {status: res.status, body: await res.text()};
    }, [room, pmk]);
}

/* the address of the other end of a page's sending connection */
function sendsTo(page) {
    return page.evaluate(async () => {
        const pcs = window.trtcDebug.senders();
        const out = [];
        for (const pc of pcs) {
            const report = await pc.getStats();
            let pair = null;
            report.forEach((s) => {
                if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) {
                    pair = s;
                }
            });
            const remote = pair && report.get(pair.remoteCandidateId);
            out.push(remote ? remote.address || remote.ip : null);
        }
        return out;
    });
}

check('four members in one room: each sees the video of all the others, through Janus',
      {timeout: 150000}, async () => {
    S.ctx = {};
    S.page = {};
    for (const u of MEMBERS) {
        S.ctx[u] = await newContext();
        S.page[u] = await joinRoom(S.ctx[u], u, ROOM_A);
    }
    const seen = {};
    for (const u of MEMBERS) {
        await Promise.all(MEMBERS.filter((o) => o !== u).map(async (o) => {
            seen[u + '>' + o] = (await seesVideo(S.page[u], o, 60000)).framesDecoded;
        }));
    }
    for (const u of MEMBERS) {
        assert(await S.page[u].evaluate(() => window.trtcDebug.peers().every((o) =>
            !window.trtcDebug.pc(o))), u + ' has no browser-to-browser connection');
        const to = await sendsTo(S.page[u]);
        assert(to.length === 1 && to[0] === '127.0.0.2', u + ' sends to Janus (127.0.0.2): ' + to);
        assert((await S.page[u].$$('.tile[data-kind="camera"]')).length === MEMBERS.length,
               u + ' has ' + MEMBERS.length + ' camera tiles');
    }
    return {seen};
});

check('nginx: /sfu/ws, /sfu/token and /sfu/room only with a token for that room; no secrets',
      {needs: ['four members in one room: each sees the video of all the others, through Janus']},
      async () => {
    S.ctxEve = await newContext();
    S.eve = await newPage(S.ctxEve, 'eve');
    await S.eve.goto(BASE + '/');
    const tokB = await issue(S.eve, 'eve', ROOM_B);
    const tokA = await issue(S.eve, 'eve', ROOM_A);
    assert(tokB.privateMapKey && tokA.privateMapKey, 'tokens issued');
    S.pmkB = tokB.privateMapKey;
    const codes = await S.eve.evaluate(async ([a, b, ra, rb]) => {
        /* the token where each location reads it: the socket's query,
           the X-TRTC-Token header of /sfu/token and /sfu/room */
        const q = (path, room, k, method) => (path === '/sfu/ws'
            ? fetch(path + '?room=' + encodeURIComponent(room) + '&privateMapKey=' + encodeURIComponent(k))
            : fetch(path + '?room=' + encodeURIComponent(room),
                    {method: method || 'GET', headers: k ? {'X-TRTC-Token': k} : {}})).then((r) => r.status);
        return {
            wsWrongRoom: await q('/sfu/ws', ra, b),
            wsNoToken: await q('/sfu/ws', ra, ''),
            tokenWrongRoom: await q('/sfu/token', ra, b),
            roomWrongRoom: await q('/sfu/room', ra, b, 'POST'),
            roomGet: await q('/sfu/room', rb, b, 'GET'),
            tokenRight: await q('/sfu/token', rb, b),
            tokenInQuery: await fetch('/sfu/token?room=' + encodeURIComponent(rb)
                + '&privateMapKey=' + encodeURIComponent(b)).then((r) => r.status)
        };
    }, [tokA.privateMapKey, tokB.privateMapKey, ROOM_A, ROOM_B]);
    assert([401, 403].includes(codes.wsWrongRoom), 'B token on /sfu/ws of room A refused: ' + JSON.stringify(codes));
    assert([401, 403].includes(codes.wsNoToken), 'no token on /sfu/ws refused');
    assert([401, 403].includes(codes.tokenWrongRoom), 'B token gets no Janus tokens for A');
    assert([401, 403].includes(codes.roomWrongRoom), 'B token makes no room A');
    assert(codes.roomGet === 405, 'GET /sfu/room refused: ' + codes.roomGet);
    assert(codes.tokenRight === 200, 'B token gets B\'s Janus tokens: ' + JSON.stringify(codes));
    assert(codes.tokenInQuery === 401, 'a token in the query of /sfu/token is not read: ' + codes.tokenInQuery);
    /* a WebSocket with room A and the B token does not open */
    const ws = await janusTalk(S.eve, sfuUrl(ROOM_A, S.pmkB), [{janus: 'info'}]);
    assert(ws.closed && ws.out.length === 0, 'socket refused: ' + JSON.stringify(ws));
    /* what the pages get holds no secret */
    const bodies = [];
    bodies.push((await janusTokens(S.eve, ROOM_B, S.pmkB)).body);
    bodies.push(await S.eve.evaluate(async ([r, k]) => (await fetch('/sfu/room?room=' + encodeURIComponent(r),
        {method: 'POST', headers: {'X-TRTC-Token': k}})).text(), [ROOM_B, S.pmkB]));
    bodies.push(await S.page.alice.content());
    const all = bodies.join('\n');
    assert(/"videoroom":"(created|event)"/.test(bodies[1]), 'room B made or there: ' + bodies[1]);
    const sec = secrets();
    assert(sec.length === 4, 'four secrets read from Janus\'s files: ' + sec.length);
    for (const x of sec) {
        assert(x.length >= 32 && !all.includes(x), 'no secret in the responses');
    }
    return {codes};
});

check('Janus itself: a room token for room B does not join room A; it joins B',
      {needs: ['nginx: /sfu/ws, /sfu/token and /sfu/room only with a token for that room; no secrets']},
      async () => {
    const b = JSON.parse((await janusTokens(S.eve, ROOM_B, S.pmkB)).body);
    const a = await S.page.alice.evaluate(async (r) => (await fetch('/sfu/token?room=' + encodeURIComponent(r),
        {headers: {'X-TRTC-Token': JSON.parse(sessionStorage.getItem('trtc.session.' + r)).token.privateMapKey}}))
        .json(), ROOM_A);
    assert(Number.isSafeInteger(a.room) && Number.isSafeInteger(b.room) && a.room !== b.room
           && /^[0-9a-f]{64}$/.test(a.pin) && a.pin !== b.pin,
           'room ids and pins: ' + a.room + ' ' + b.room);
    /* bob's camera feed, as bob announced it to alice */
    const feed = await S.page.alice.evaluate(() => {
        let f = null;
        window.trtcDebug.messages.forEach((m) => {
            const d = JSON.parse(m.data);
            if (m.from === 'bob' && d.media && d.media.feeds && typeof d.media.feeds.camera === 'number') {
                f = d.media.feeds.camera;
            }
        });
        return f;
    });
    assert(feed, 'bob announced his feed');
    const join = (room, token, pin) => ({janus: 'message', token: b.token,
        body: {request: 'join', ptype: 'publisher', room: room, display: 'eve', token: token, pin: pin}});
    const watch = (room, token, pin) => ({janus: 'message', token: b.token,
        body: {request: 'join', ptype: 'subscriber', room: room, streams: [{feed: feed}], token: token,
               pin: pin}});
    const attach = {janus: 'attach', plugin: 'janus.plugin.videoroom', token: b.token};
    const r = await janusTalk(S.eve, sfuUrl(ROOM_B, S.pmkB), [
        {janus: 'create'},                          /* no core token */
        {janus: 'create', token: b.token},
        attach,
        join(a.room, b.roomToken, b.pin),           /* room A, B's room token */
        join(a.room, b.roomToken.replace('room=' + b.room, 'room=' + a.room), b.pin),
        join(a.room, undefined, b.pin),
        join(b.room, b.roomToken, b.pin),           /* its own room: in */
        attach,
        watch(a.room, b.roomToken, b.pin),          /* bob's camera: no */
        watch(a.room, a.roomToken, a.pin)           /* with room A's token and pin: yes */
    ]);
    const o = r.out || [];
    assert(o.length === 10, 'ten answers: ' + JSON.stringify(r));
    assert(o[0].janus === 'error', 'no session without the core token: ' + JSON.stringify(o[0]));
    assert(o[1].janus === 'success' && o[2].janus === 'success', 'session and handle with it');
    for (const k of [3, 4, 5, 8]) {
        assert(o[k].error && o[k].error.error_code, 'room A refused (' + k + '): ' + JSON.stringify(o[k]));
    }
    assert(o[6].data && o[6].data.videoroom === 'joined', 'room B joined: ' + JSON.stringify(o[6]));
    assert(o[9].data && o[9].data.videoroom === 'attached', 'room A\'s own token subscribes: '
           + JSON.stringify(o[9]));
    /* and eve is in none of room A's pages */
    await sleep(1000);
    for (const u of MEMBERS) {
        assert(!(await S.page[u].$(tileSel('eve'))), 'no eve at ' + u);
    }
    return {refused: [3, 4, 5, 8].map((k) => o[k].error.error_code)};
});

check('mute: bob\'s video and audio off show at all the others, then on again',
      {needs: ['four members in one room: each sees the video of all the others, through Janus']},
      async () => {
    const others = MEMBERS.filter((u) => u !== 'bob');
    await S.page.bob.click('#mute-video');
    await S.page.bob.click('#mute-audio');
    for (const u of others) {
        await poll(async () => await attr(S.page[u], tileSel('bob'), 'data-video') === 'off'
                               && await attr(S.page[u], tileSel('bob'), 'data-audio') === 'off',
                   5000, 'bob off at ' + u);
    }
    await S.page.bob.click('#mute-video');
    await S.page.bob.click('#mute-audio');
    for (const u of others) {
        await poll(async () => await attr(S.page[u], tileSel('bob'), 'data-video') === 'on'
                               && await attr(S.page[u], tileSel('bob'), 'data-audio') === 'on',
                   5000, 'bob on again at ' + u);
    }
    await seesVideo(S.page.alice, 'bob', 15000);
});

check('screen share: carol\'s screen shows at all the others; stopping removes it',
      {needs: ['four members in one room: each sees the video of all the others, through Janus'],
       timeout: 60000}, async () => {
    const others = MEMBERS.filter((u) => u !== 'carol');
    await S.page.carol.click('#share-screen');
    const widths = {};
    for (const u of others) {
        await S.page[u].waitForSelector(tileSel('carol', 'screen'), {timeout: 20000});
        const s = await poll(async () => {
            const st = (await stats(S.page[u])).carol;
            return st && st.screen && st.screen.videoWidth > 0 && st.screen.framesDecoded > 0 ? st : null;
        }, 20000, 'carol\'s screen frames at ' + u);
        assert(s.videoWidth > 0 && s.videoWidth !== s.screen.videoWidth,
               'camera and screen apart at ' + u + ': ' + JSON.stringify(s));
        widths[u] = s.screen.videoWidth;
    }
    assert((await sendsTo(S.page.carol)).length === 2, 'carol sends two feeds');
    const hadTrack = await S.page.carol.evaluate(() => {
        const tr = window.trtcDebug.screenTrack();
        if (tr) {
            tr.dispatchEvent(new Event('ended'));
        }
        return !!tr;
    });
    assert(hadTrack, 'the screen track ended');
    for (const u of others) {
        await gone(S.page[u], tileSel('carol', 'screen'), 8000, 'carol\'s screen tile gone at ' + u);
    }
    await seesVideo(S.page.alice, 'carol', 15000);
    return {widths};
});

/* a member's page may announce any feed id (every member's are in the
 * heartbeats): only Janus's list of who publishes what decides.  Dave's
 * page announces bob's camera feed as its own; alice and carol must go
 * on seeing bob. */
check('a member announcing another\'s camera feed: the others still see the real owner\'s',
      {needs: ['four members in one room: each sees the video of all the others, through Janus'],
       timeout: 60000}, async () => {
    const bobFeed = await S.page.bob.evaluate(() => window.trtcDebug.sfu.feeds().camera);
    assert(typeof bobFeed === 'number', 'bob has a camera feed: ' + bobFeed);
    /* every message dave's page publishes now claims bob's feed */
    await S.page.dave.evaluate((f) => {
        const realFetch = window.__realFetch = window.fetch;
        window.fetch = (url, opts) => {
            if (String(url).indexOf('/signal/pub') >= 0 && opts && typeof opts.body === 'string') {
                try {
                    const m = JSON.parse(opts.body);
                    if (m.media) {
                        m.media.feeds = {camera: f, screen: null};
                        opts = Object.assign({}, opts, {body: JSON.stringify(m)});
                    }
                } catch (e) { /* not JSON */ }
            }
            return realFetch(url, opts);
        };
        return window.trtcDebug.publish(JSON.stringify({t: 'state', sid: window.trtcDebug.sid,
            st: {a: true, v: true}, media: {camera: null, screen: null, feeds: {}}}));
    }, bobFeed);
    const watchers = ['alice', 'carol'];
    for (const u of watchers) {
        await poll(() => S.page[u].evaluate((f) => window.trtcDebug.messages.some((m) => {
            const d = JSON.parse(m.data);
            return m.from === 'dave' && d.media && d.media.feeds && d.media.feeds.camera === f;
        }), bobFeed), 10000, 'dave\'s claim of bob\'s feed at ' + u);
    }
    try {
        for (const u of watchers) {
            await seesVideo(S.page[u], 'bob', 10000);
            const n = await S.page[u].$eval(tileSel('bob') + ' video',
                                             (v) => v.srcObject ? v.srcObject.getVideoTracks().length : 0);
            assert(n === 1, 'bob\'s tile at ' + u + ' plays his camera: ' + n);
        }
    } finally {
        await S.page.dave.evaluate(() => { window.fetch = window.__realFetch; });
    }
    /* dave, honest again, is seen again */
    for (const u of watchers) {
        await seesVideo(S.page[u], 'dave', 20000);
    }
});

check('the room\'s UI in the SFU: tiles connected, the people list, chat under the stamped sender, '
      + 'a raised hand, network marks from the connections to Janus',
      {needs: ['four members in one room: each sees the video of all the others, through Janus'],
       timeout: 60000}, async () => {
    const a = S.page.alice, b = S.page.bob;
    await poll(() => a.evaluate(() => Array.from(document.querySelectorAll('#grid .tile[data-user]'))
        .filter((x) => !x.hasAttribute('data-local') && x.getAttribute('data-kind') === 'camera')
        .every((x) => x.getAttribute('data-conn') === 'connected')), 10000, 'every tile connected at alice');
    await a.click('#open-people');
    await poll(() => a.evaluate(() => document.querySelectorAll('#people li').length === 4), 10000,
               'four people listed');
    await b.click('#raise-hand');
    await poll(() => a.evaluate(() => {
        const li = document.querySelector('#people li[data-user="bob"]');
        return li && li.getAttribute('data-hand') === '1';
    }), 10000, 'bob\'s hand at alice');
    await b.click('#raise-hand');
    await a.click('#open-people');
    await b.evaluate(() => window.trtcDebug.publish(JSON.stringify(
        {t: 'chat', sid: window.trtcDebug.sid, from: 'alice', text: 'through the SFU room'})));
    await poll(() => a.evaluate(() => {
        const li = document.querySelector('#chat-log li:last-child');
        return li && li.getAttribute('data-from') === 'bob'
               && li.querySelector('.text').textContent === 'through the SFU room';
    }), 10000, 'the chat message at alice, from bob (stamped), not alice (claimed)');
    await poll(async () => /^(good|fair|poor)$/.test(await attr(a, tileSel('carol'), 'data-quality') || ''),
               15000, 'a network mark on carol\'s tile');
    return {quality: await attr(a, tileSel('carol'), 'data-quality'),
            rtt: await attr(a, tileSel('carol'), 'data-rtt')};
});

check('leaving: dave leaves, his tile goes at all the others; the rest still see each other',
      {needs: ['four members in one room: each sees the video of all the others, through Janus'],
       timeout: 60000}, async () => {
    const others = MEMBERS.filter((u) => u !== 'dave');
    await S.page.dave.click('#leave');
    await S.page.dave.waitForURL((u) => new URL(u).pathname === '/', {timeout: 10000});
    for (const u of others) {
        await gone(S.page[u], tileSel('dave'), 5000, 'dave gone at ' + u);
    }
    for (const u of others) {
        for (const o of others) {
            if (o !== u) {
                await seesVideo(S.page[u], o, 15000);
            }
        }
    }
});

check('a lost SFU connection comes back: alice\'s socket to Janus breaks; all see each other again',
      {needs: ['leaving: dave leaves, his tile goes at all the others; the rest still see each other'],
       timeout: 60000}, async () => {
    const others = MEMBERS.filter((u) => u !== 'dave' && u !== 'alice');
    const before = await S.page.alice.evaluate(() => window.trtcDebug.sfu.feeds().camera);
    assert(typeof before === 'number', 'alice has a feed: ' + before);
    await S.page.alice.evaluate(() => window.trtcDebug.sfu.drop());
    const after = await poll(() => S.page.alice.evaluate((b) => {
        const f = window.trtcDebug.sfu.feeds().camera;
        return typeof f === 'number' && f !== b ? f : null;
    }, before), 20000, 'alice publishes again');
    for (const u of others) {
        await seesVideo(S.page[u], 'alice', 20000);
        await seesVideo(S.page.alice, u, 20000);
        assert((await S.page[u].$$(tileSel('alice'))).length === 1, 'one tile for alice at ' + u);
    }
    await poll(() => S.page.alice.evaluate(() =>
        document.querySelector('#room-error').hidden), 5000, 'no error left at alice');
    return {before, after};
});

check('an audience member: fay watches everyone and sends nothing; the others see her tile tagged',
      {needs: ['leaving: dave leaves, his tile goes at all the others; the rest still see each other'],
       timeout: 60000}, async () => {
    const speakers = MEMBERS.filter((u) => u !== 'dave');
    S.ctxFay = await newContext();
    S.fay = await joinRoom(S.ctxFay, 'fay', ROOM_A, {role: 'audience'});
    await Promise.all(speakers.map((u) => seesVideo(S.fay, u, 30000)));
    assert((await sendsTo(S.fay)).length === 0, 'fay sends no media');
    for (const u of speakers) {
        await S.page[u].waitForSelector(tileSel('fay'), {timeout: 10000});
        assert(await attr(S.page[u], tileSel('fay'), 'data-video') === 'off', 'fay has no video at ' + u);
        assert(await S.page[u].textContent(tileSel('fay') + ' .tag') !== '', 'fay is tagged at ' + u);
    }
});

checkPageErrors();

run({env: ['TRTC_JANUS_DIR']});
