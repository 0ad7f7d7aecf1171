'use strict';

/*
 * A room's host, in the mesh (conf/trtc-demo.conf, ?role=host): only
 * the host sees the host's controls; asking a member to mute turns its
 * microphone off and tells it who asked; a member without the create
 * bit cannot play host, neither through the pages' messages nor at the
 * server; a removed member is out, told why, and refused when it comes
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
