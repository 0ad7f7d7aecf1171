'use strict';

/*
 * A room's host, in the mesh (conf/trtc-demo.conf, ?role=host): only
 * the host sees the host's controls; asking a member to mute turns its
 * microphone off and tells it who asked; a member without the create
 * bit cannot play host, neither through the pages' messages nor at the
 * server; an audience page modified to send gets no media through
 * (trtc_stamp refuses its offers); a removed member is out, told why, and refused when it comes
 * back; ending the room puts everyone out.  Run by run.sh (suite
 * "host").
 *
 * Output: one line "PLAN <n>", then one line "RESULT <json>" per check.
 */

const {
    BASE, check, assert, sleep, poll, newContext, joinRoom, attr, tileSel, gone,
    roomStatus, checkPageErrors, run
} = require('./harness');

const ROOM = '3030';
const S = {};

const JOIN = 'alice (host), bob and carol in one room: only alice has the host\'s controls';
const ERROR = (page, key) => page.evaluate((k) => {
    const e = document.querySelector('#room-error [data-key="' + k + '"]');
    return e ? e.textContent : null;
}, key);

async function refused(page, room, user) {
    await page.goto(BASE + '/room/' + room + '/');
    await page.waitForURL((u) => new URL(u).pathname === '/', {timeout: 10000});
    const reason = new URL(page.url()).searchParams.get('denied');
    await page.waitForSelector('#login-error:not([hidden])');
    const text = await page.textContent('#login-error');
    const issued = await page.evaluate(async ([r, u]) => (await fetch('/api/token?userId=' + u
        + '&roomId=' + r, {method: 'POST'})).status, [room, user]);
    return {reason, text, issued};
}

check(JOIN, {timeout: 90000}, async () => {
    S.alice = await joinRoom(await newContext(), 'alice', ROOM, {role: 'host'});
    S.bob = await joinRoom(await newContext(), 'bob', ROOM);
    S.carol = await joinRoom(await newContext(), 'carol', ROOM);
    for (const [p, u] of [['alice', 'bob'], ['alice', 'carol'], ['bob', 'carol']]) {
        await S[p].waitForSelector(tileSel(u), {timeout: 20000});
    }
    assert(await S.alice.isVisible(tileSel('bob') + ' [data-host="remove"]'), 'alice: remove on bob\'s tile');
    assert(await S.alice.isVisible(tileSel('bob') + ' [data-host="mute"]'), 'alice: ask to mute on bob\'s tile');
    assert(await S.alice.isVisible('#host-end'), 'alice: end for everyone');
    assert(await S.bob.$('[data-host]') === null, 'bob: no host buttons');
    assert(!(await S.bob.isVisible('#host-end')), 'bob: no end button');
});

check('alice asks bob to mute: his microphone goes off, and he is told who asked', {needs: [JOIN]},
      async () => {
    assert(await attr(S.bob, '#mute-audio', 'aria-pressed') === 'false', 'bob\'s microphone is on');
    await S.alice.click(tileSel('bob') + ' [data-host="mute"]');
    await poll(async () => await attr(S.bob, '#mute-audio', 'aria-pressed') === 'true', 10000,
               'bob muted');
    const notice = await S.bob.textContent('#room-notice');
    assert(/alice/.test(notice), 'bob is told: ' + notice);
    await poll(async () => await attr(S.alice, tileSel('bob'), 'data-audio') === 'off', 10000,
               'alice sees bob muted');
});

check('bob, no host, cannot play one: his messages are ignored, the server refuses him', {needs: [JOIN]},
      async () => {
    await S.bob.evaluate(() => window.trtcDebug.publish(JSON.stringify({t: 'removed', sid: 'x'}), 'carol'));
    await S.bob.evaluate(() => window.trtcDebug.publish(JSON.stringify({t: 'ended', sid: 'x'})));
    await sleep(1500);
    assert(await roomStatus(S.carol) === 'connected', 'carol is still in');
    assert(await ERROR(S.carol, 'removed') === null && await ERROR(S.carol, 'ended') === null,
           'and told nothing');
    const st = await S.bob.evaluate(async (r) => {
        const k = JSON.parse(sessionStorage.getItem('trtc.session.' + r)).token.privateMapKey;
        return (await fetch('/api/remove?room=' + r + '&user=carol&time=60',
                            {method: 'POST', body: '{}', headers: {'X-TRTC-Token': k}})).status;
    }, ROOM);
    assert(st === 401, '/api/remove refuses bob: ' + st);
    return {status: st};
});

/* the bytes of media page received from other, on their connection */
function received(page, other) {
    return page.evaluate(async (o) => {
        const pc = window.trtcDebug.pc(o);
        let n = 0;
        if (pc) {
            (await pc.getStats()).forEach((s) => {
                if (s.type === 'inbound-rtp') {
                    n += s.bytesReceived || 0;
                }
            });
        }
        return n;
    }, other);
}

check('fay, audience, with a page modified to send: nobody gets a byte of her media', {needs: [JOIN]},
      async () => {
    S.fay = await joinRoom(await newContext(), 'fay', ROOM, {role: 'audience'});
    await poll(async () => !!(await S.fay.evaluate(() => window.trtcDebug.pc('alice'))),
               20000, 'fay connected to alice');
    await sleep(2000);
    const before = await received(S.alice, 'fay');
    /* her own camera and microphone, put on her connections by hand */
    const sent = await S.fay.evaluate(async () => {
        const s = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
        for (const uid of window.trtcDebug.peers()) {
            const pc = window.trtcDebug.pc(uid);
            s.getTracks().forEach((tr) => pc.addTrack(tr, s));
        }
        return s.getTracks().length;
    });
    assert(sent === 2, 'fay added her tracks');
    await sleep(6000);
    const after = {alice: await received(S.alice, 'fay'), bob: await received(S.bob, 'fay')};
    const seen = await S.alice.evaluate(() => window.trtcDebug.messages.filter((m) => m.from === 'fay')
        .map((m) => { const d = JSON.parse(m.data); return d.t + ':' + (d.d && d.d.type ? d.d.type + ':'
            + (d.d.sdp.match(/a=(sendrecv|sendonly|recvonly|inactive)/g) || []).join(',') : ''); }));
    const dirs = await S.fay.evaluate(() => window.trtcDebug.pc('alice').getTransceivers()
        .map((x) => x.direction + '/' + x.currentDirection + '/' + x.mid));
    assert(after.alice === before, 'alice got nothing from fay: ' + before + ' then ' + after.alice
           + ' ' + JSON.stringify({seen, dirs}));
    assert(after.bob === 0 || after.bob === before, 'bob got nothing from fay: ' + after.bob);
    const offered = await S.fay.evaluate(() => window.trtcDebug.pc('alice').getTransceivers()
        .filter((x) => x.currentDirection === 'sendrecv' || x.currentDirection === 'sendonly').length);
    assert(offered === 0, 'no connection of hers was negotiated to send: ' + offered);
    return {before, after};
});

check('alice removes carol: she is out, told why, gone at the others, and refused when she comes back',
      {needs: [JOIN]}, async () => {
    await S.alice.click(tileSel('carol') + ' [data-host="remove"]');
    const why = await poll(() => ERROR(S.carol, 'removed'), 10000, 'carol told');
    assert(/alice/.test(why), 'carol is told who: ' + why);
    for (const p of ['alice', 'bob']) {
        await gone(S[p], tileSel('carol'), 15000, 'carol\'s tile gone at ' + p);
    }
    const back = await refused(S.carol, ROOM, 'carol');
    assert(back.reason === 'removed', 'her page is refused: ' + back.reason);
    assert(/removed/i.test(back.text), 'with the reason: ' + back.text);
    assert(back.issued === 403, 'the issuer gives her no token: ' + back.issued);
    assert(await roomStatus(S.bob) === 'connected', 'bob is still in');
    return back;
});

check('alice ends the meeting: everyone is out and told, and nobody gets back in', {needs: [JOIN]},
      async () => {
    await S.alice.click('#host-end');
    const mine = await poll(() => ERROR(S.alice, 'ended'), 10000, 'alice told');
    const his = await poll(() => ERROR(S.bob, 'ended'), 10000, 'bob told');
    assert(/alice/.test(his), 'bob is told who: ' + his);
    const back = await refused(S.bob, ROOM, 'bob');
    assert(back.reason === 'removed' && back.issued === 403, 'bob cannot come back: '
           + JSON.stringify(back));
    return {mine, his};
});

checkPageErrors();

run();
