'use strict';

/*
 * What people expect of a meeting room, in the mesh (conf/trtc-demo.conf;
 * the UI is the same in the SFU mode): the people list with the
 * audience, hosts and raised hands; chat under the verified sender;
 * the speaker view; a display name beside the verified user id; the
 * login card's preview; each tile's audio level and network mark;
 * switching camera, microphone and speaker in the room (also for who
 * comes later).  Screenshots go
 * to TRTC_ARTIFACTS (meeting-*.png).  Run by run.sh (suite "meeting").
 *
 * Output: one line "PLAN <n>", then one line "RESULT <json>" per check.
 */

const path = require('path');
const {
    BASE, check, assert, sleep, poll, laidOut, newContext, newPage, joinRoom, tileSel, attr,
    gone, checkPageErrors, run
} = require('./harness');

const ARTIFACTS = process.env.TRTC_ARTIFACTS || path.join(__dirname, '..', 'artifacts');
const ROOM = '5252';
const S = {};
const DESKTOP = {width: 1280, height: 800};

function shot(page, name) {
    return page.screenshot({path: path.join(ARTIFACTS, 'meeting-' + name + '.png')});
}

const OLGA = 'alice, bob, wei (host, in Chinese) and olga (audience) in one room';

check(OLGA, {timeout: 90000}, async () => {
    S.alice = await joinRoom(await newContext({viewport: DESKTOP}), 'alice', ROOM);
    S.bob = await joinRoom(await newContext({viewport: DESKTOP}), 'bob', ROOM);
    S.wei = await joinRoom(await newContext({viewport: DESKTOP, locale: 'zh-CN'}), 'wei', ROOM,
                           {role: 'host'});
    S.olga = await joinRoom(await newContext({viewport: DESKTOP}), 'olga', ROOM,
                            {role: 'audience'});
    for (const u of ['bob', 'wei', 'olga']) {
        await S.alice.waitForSelector(tileSel(u), {timeout: 20000});
    }
});

function person(page, user) {
    return page.evaluate((u) => {
        const li = document.querySelector('#people li[data-user="' + u + '"]');
        if (!li) {
            return null;
        }
        const o = {};
        for (const a of ['is-host', 'audience', 'hand', 'audio', 'video', 'screen']) {
            o[a.replace('is-', '')] = li.getAttribute('data-' + a);
        }
        o.tag = li.querySelector('.tag').textContent;
        return o;
    }, user);
}

check('the people list: everyone, the audience too, with microphone, camera, host and hand',
      {needs: [OLGA], timeout: 60000}, async () => {
    await S.alice.click('#open-people');
    await poll(() => S.alice.evaluate(() => document.querySelectorAll('#people li').length === 4),
               10000, 'four people listed');
    const users = await S.alice.evaluate(() =>
        Array.from(document.querySelectorAll('#people li')).map((l) => l.getAttribute('data-user')));
    assert(users[0] === 'alice', 'alice first (herself): ' + users);
    assert(JSON.stringify(users.slice().sort()) === '["alice","bob","olga","wei"]',
           'everyone: ' + users);
    const olga = await person(S.alice, 'olga');
    assert(olga.audience === '1' && /audience/.test(olga.tag), 'olga is audience: ' + JSON.stringify(olga));
    const wei = await person(S.alice, 'wei');
    assert(wei.host === '1' && /host/.test(wei.tag), 'wei is the host: ' + JSON.stringify(wei));
    assert((await person(S.alice, 'bob')).audio === 'on', 'bob\'s microphone on');

    await S.bob.click('#mute-audio');
    await poll(async () => (await person(S.alice, 'bob')).audio === 'off', 10000, 'bob muted in the list');
    await S.bob.click('#mute-audio');
    await poll(async () => (await person(S.alice, 'bob')).audio === 'on', 10000, 'bob unmuted');

    await S.wei.click('#raise-hand');
    await poll(async () => (await person(S.alice, 'wei')).hand === '1', 10000, 'wei\'s hand in the list');
    await poll(async () => await attr(S.alice, tileSel('wei'), 'data-hand') === '1', 5000,
               'and on wei\'s tile');
    assert(await S.alice.isVisible(tileSel('wei') + ' .hand'), 'the hand shows on the tile');
    const order = await S.alice.evaluate(() =>
        Array.from(document.querySelectorAll('#people li')).map((l) => l.getAttribute('data-user')));
    assert(order[1] === 'wei', 'a raised hand comes right after yourself: ' + order);
    assert(await attr(S.wei, '#raise-hand', 'aria-pressed') === 'true', 'wei\'s button is pressed');
    await shot(S.alice, 'people-hand-en');
    await S.wei.click('#raise-hand');
    await poll(async () => (await person(S.alice, 'wei')).hand === '0', 10000, 'wei\'s hand down');
    await S.alice.click('#open-people');
    assert(await S.alice.isHidden('#side'), 'the panel closes');
});

check('chat: a message reaches everyone as text, under its verified sender; no page can sign '
      + 'as another', {needs: [OLGA], timeout: 60000}, async () => {
    const text = 'hello <b>bob</b> & 张三';
    await S.alice.click('#open-chat');
    await S.alice.fill('#chat-input', text);
    await S.alice.press('#chat-input', 'Enter');
    await poll(async () => await S.bob.textContent('#chat-unread') === '1', 10000, 'bob: 1 unread');
    await S.bob.click('#open-chat');
    const last = (page) => page.evaluate(() => {
        const li = document.querySelector('#chat-log li:last-child');
        return li && {from: li.getAttribute('data-from'), text: li.querySelector('.text').textContent,
                      html: li.querySelector('.text').innerHTML,
                      verified: !!li.querySelector('.verified')};
    });
    let m = await last(S.bob);
    assert(m.from === 'alice' && m.text === text && m.verified, 'bob sees alice\'s message: ' + JSON.stringify(m));
    assert(m.html.indexOf('<b>') < 0, 'as text, not HTML: ' + m.html);
    assert(await S.bob.isHidden('#chat-unread'), 'read once shown');
    await poll(async () => (await last(S.olga) || {}).text === text, 10000, 'the audience gets it too');

    /* bob's page claims to be alice: the room says bob */
    await S.bob.evaluate(() => window.trtcDebug.publish(JSON.stringify(
        {t: 'chat', sid: window.trtcDebug.sid, from: 'alice', text: 'I am alice'})));
    await poll(async () => (await last(S.alice)).text === 'I am alice', 10000, 'the forged one arrives');
    m = await last(S.alice);
    assert(m.from === 'bob', 'under its stamped sender: ' + m.from);

    /* over the bound: dropped by every page */
    await S.bob.evaluate(() => window.trtcDebug.publish(JSON.stringify(
        {t: 'chat', sid: window.trtcDebug.sid, text: 'x'.repeat(501)})));
    await S.bob.evaluate(() => window.trtcDebug.publish(JSON.stringify(
        {t: 'chat', sid: window.trtcDebug.sid, text: 'y'.repeat(500)})));
    await poll(async () => (await last(S.alice)).text === 'y'.repeat(500), 10000, 'the 500 one arrives');
    const long = await S.alice.evaluate(() => Array.from(document.querySelectorAll('#chat-log .text'))
        .some((e) => e.textContent.length > 500));
    assert(!long, 'nothing longer than 500 characters shown');
    assert(await S.alice.evaluate(() => document.querySelector('#chat-input').maxLength) === 500,
           'the field takes 500 characters at most');
    await shot(S.alice, 'chat-en');
    await S.wei.click('#open-chat');
    await poll(async () => (await last(S.wei) || {}).text === 'y'.repeat(500), 10000, 'wei has them');
    await shot(S.wei, 'chat-zh');
    for (const p of ['alice', 'bob', 'wei']) {
        await S[p].click('#open-chat');
    }
});

check('speaker view: a screen share takes the big tile at once; the person switches to the grid '
      + 'and back to who speaks', {needs: [OLGA], timeout: 60000}, async () => {
    const big = () => S.alice.evaluate(() => {
        const b = document.querySelector('#grid > [data-big]');
        return b ? b.getAttribute('data-user') + '/' + b.getAttribute('data-kind')
                   + (b.hasAttribute('data-local') ? '/local' : '') : null;
    });
    assert(await attr(S.alice, '#view', 'data-mode') === 'grid', 'the grid to begin with');
    assert(await big() === null, 'no big tile in the grid');
    await S.bob.click('#share-screen');
    await S.alice.waitForSelector(tileSel('bob', 'screen'), {timeout: 20000});
    await poll(async () => await big() === 'bob/screen', 5000, 'bob\'s screen is the big tile');
    assert(await attr(S.alice, '#view', 'data-mode') === 'speaker', 'the view switched by itself');
    await laidOut(S.alice);
    await shot(S.alice, 'speaker-screen-en');
    await S.alice.click('#view');
    await poll(async () => await big() === null, 5000, 'the grid again');
    await S.bob.click('#share-screen');
    await gone(S.alice, tileSel('bob', 'screen'), 15000, 'the share ended');
    await S.alice.click('#view');
    await poll(async () => /^[a-z]+\/camera$/.test(await big() || ''), 5000,
               'another member\'s camera is the big tile');
    await S.alice.click('#view');
    await poll(async () => await big() === null, 5000, 'back to the grid');
});

check('a display name: 张三 on the tile, the list and the chat, beside the verified user id',
      {needs: [OLGA], timeout: 60000}, async () => {
    const page = await newPage(await newContext({viewport: DESKTOP}), 'zhang');
    await page.goto(BASE + '/?userId=zhang&roomId=' + ROOM);
    await page.waitForSelector('body[data-ready]');
    await page.fill('#displayName', 'x'.repeat(65));
    await page.click('#join');
    await poll(async () => /at most 64 characters; this one has 65/.test(
        await page.textContent('#login-error')), 5000, 'a name too long is refused');
    await page.fill('#displayName', '张三');
    await page.click('#join');
    await page.waitForURL((u) => new URL(u).pathname === '/room/' + ROOM + '/', {timeout: 15000});
    await page.waitForSelector('body[data-ready]', {timeout: 20000});
    const sel = tileSel('zhang');
    await S.alice.waitForSelector(sel, {timeout: 20000});
    await poll(async () => await S.alice.textContent(sel + ' .name') === '张三', 10000,
               'the name on zhang\'s tile at alice');
    assert(await S.alice.textContent(sel + ' .uid') === 'zhang ✓', 'the verified id beside it');
    assert(await page.textContent(tileSel('zhang') + ' .name') === '张三', 'and on zhang\'s own tile');
    await page.click('#open-chat');
    await page.fill('#chat-input', '你好');
    await page.press('#chat-input', 'Enter');
    await poll(() => S.alice.evaluate(() => {
        const li = document.querySelector('#chat-log li:last-child');
        return li && li.querySelector('.claim').textContent === '张三'
               && li.querySelector('.from').textContent === 'zhang';
    }), 10000, 'the chat shows 张三 and zhang');
    await S.alice.click('#open-people');
    const who = await S.alice.textContent('#people li[data-user="zhang"] .name');
    assert(who === '张三 · zhang ✓', 'the list: ' + who);
    await S.alice.click('#open-people');
    await page.context().close();
    await gone(S.alice, sel, 15000, 'zhang gone');
});

check('the login card previews the camera and the microphone\'s level before joining',
      {timeout: 45000}, async () => {
    const page = await newPage(await newContext(), 'preview');
    await page.goto(BASE + '/?userId=pia&roomId=77');
    await page.waitForSelector('body[data-ready]');
    await page.waitForSelector('#preview:not([hidden])', {timeout: 15000});
    await poll(() => page.evaluate(() => document.querySelector('#preview-video').videoWidth > 0),
               10000, 'the camera plays');
    await poll(async () => Number(await attr(page, '#preview .meter', 'data-level')) > 0, 15000,
               'the microphone moves the meter');
    await page.screenshot({path: path.join(ARTIFACTS, 'meeting-login-preview-en.png')});
    await page.evaluate(() => { window.previewStream = document.querySelector('#preview-video').srcObject; });
    await page.selectOption('#role', 'audience');
    await poll(() => page.isHidden('#preview'), 5000, 'no preview for the audience');
    const live = await page.evaluate(() =>
        window.previewStream.getTracks().filter((x) => x.readyState === 'live').length);
    assert(live === 0, 'and the devices let go: ' + live + ' live tracks');
    await page.context().close();
});

check('each tile: the audio level beside the microphone, and a network mark from the connection\'s '
      + 'round trip and loss', {needs: [OLGA], timeout: 45000}, async () => {
    const sel = tileSel('bob');
    await poll(async () => /^(good|fair|poor)$/.test(await attr(S.alice, sel, 'data-quality') || ''),
               15000, 'a network mark on bob\'s tile');
    const rtt = Number(await attr(S.alice, sel, 'data-rtt'));
    const q = await attr(S.alice, sel, 'data-quality');
    assert(rtt >= 0 && rtt < 10000, 'from a measured round trip: ' + rtt + ' ms');
    assert(await S.alice.isVisible(sel + ' .quality'), 'the mark is shown');
    await poll(() => S.alice.evaluate((s) =>
        Number(document.querySelector(s).style.getPropertyValue('--level')) > 0, sel), 15000,
               'bob\'s beeps move his level');
    assert(await S.alice.isVisible(sel + ' .lvl'), 'the level is shown');
    return {quality: q, rtt};
});

/* Chromium's fake cameras deliver no frames through a sender whose track
 * was replaced (a plain page with two connections shows the same), so
 * what is checked is what each connection sends, not the frames */
check('switching camera, microphone and speaker in the room: every connection sends the new '
      + 'device, the chosen speaker plays the others',
      {needs: [OLGA], timeout: 60000}, async () => {
    await S.bob.click('#devices');
    await S.bob.waitForSelector('#device-menu:not([hidden])');
    const opts = (s) => S.bob.$$eval(s + ' option', (o) => o.map((x) => x.value));
    const cams = await opts('#pick-camera'), mics = await opts('#pick-microphone'),
          outs = await opts('#pick-speaker');
    assert(cams.length >= 2 && mics.length >= 2, 'devices to choose from: ' + cams.length
           + ' cameras, ' + mics.length + ' microphones, ' + outs.length + ' speakers');
    const sending = (kind) => S.bob.evaluate((k) => {
        const tr = window.trtcDebug.localStream()[k === 'audio' ? 'getAudioTracks' : 'getVideoTracks']()[0];
        const sent = window.trtcDebug.pc('alice').getSenders().some((x) => x.track === tr);
        return {id: tr.getSettings().deviceId, live: tr.readyState === 'live', sent};
    }, kind);
    const v0 = await sending('video');
    const cam = cams.find((c) => c !== v0.id);
    await S.bob.selectOption('#pick-camera', cam);
    await poll(async () => (await sending('video')).id === cam, 10000, 'bob\'s camera is the other one');
    const v1 = await sending('video');
    assert(v1.live && v1.sent, 'the new camera goes to alice: ' + JSON.stringify(v1));
    const ownShows = await S.bob.evaluate(() => {
        const v = document.querySelector('.tile[data-local][data-kind="camera"] video');
        return v.srcObject.getVideoTracks()[0] === window.trtcDebug.localStream().getVideoTracks()[0];
    });
    assert(ownShows, 'bob\'s own tile shows the new camera');

    const a0 = await sending('audio');
    const mic = mics.find((c) => c !== a0.id && c !== 'default' && c !== 'communications');
    await S.bob.selectOption('#pick-microphone', mic);
    await poll(async () => (await sending('audio')).id === mic, 10000, 'bob\'s microphone switched');
    assert((await sending('audio')).sent, 'the new microphone goes to alice');
    await poll(() => S.alice.evaluate((s) =>
        Number(document.querySelector(s).style.getPropertyValue('--level')) > 0, tileSel('bob')),
               15000, 'alice hears bob\'s new microphone');

    if (outs.length >= 2) {
        const out = outs[outs.length - 1];
        await S.bob.selectOption('#pick-speaker', out);
        let sinks;
        try {
            await poll(async () => (sinks = await S.bob.evaluate((id) =>
                Array.from(document.querySelectorAll('#grid .tile:not([data-local]) video'))
                    .map((v) => v.sinkId)))
                .every((x) => x === out), 5000, 'every video plays on the chosen speaker');
        } catch (e) {
            const direct = await S.bob.evaluate((id) => document.querySelector('#grid .tile:not([data-local]) video')
                .setSinkId(id).then(() => 'ok', (x) => x.name + ': ' + x.message), out);
            throw new Error(e.message + ' ' + JSON.stringify({outs, sinks, direct}));
        }
        /* who comes later plays there too */
        S.kim = await joinRoom(await newContext({viewport: DESKTOP}), 'kim', ROOM);
        await S.bob.waitForSelector(tileSel('kim'), {timeout: 20000});
        await poll(() => S.bob.evaluate((s) => document.querySelector(s + ' video').sinkId,
                                        tileSel('kim')).then((id) => id === out),
                   10000, 'kim, who came later, plays on the chosen speaker');
        await S.kim.context().close();
    }
    await shot(S.bob, 'devices-en');
    await S.bob.click('#device-menu-close');
    assert(await S.bob.isHidden('#device-menu'), 'the menu closes');
    return {cameras: cams.length, microphones: mics.length, speakers: outs.length};
});

checkPageErrors();
/* two fake cameras (Chromium's fake audio devices are several already) */
run({total: 420000, args: ['--use-fake-device-for-media-stream=device-count=2']});
