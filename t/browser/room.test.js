'use strict';

/*
 * The room as a first-time user meets it (the mesh, conf/trtc-demo.conf;
 * the UI is the same in every mode): the controls stay on screen on a
 * desktop and on a phone either way up, the tiles fill the stage, a link
 * to a room leads to that room, two tabs in two rooms keep their own
 * cookie, a connecting member does not look muted, one user id is one
 * person (the newer page takes over), and the small things (room
 * numbers, long names, the page title in Chinese, the network check's
 * line, the camera preview).  Screenshots of the main states, desktop and
 * phone, English and Chinese, go to TRTC_ARTIFACTS.  Run by run.sh
 * (suite "room").
 *
 * Output: one line "PLAN <n>", then one line "RESULT <json>" per check.
 */

const path = require('path');
const {
    BASE, check, assert, sleep, poll, laidOut, newContext, newPage, joinRoom, tileSel, attr,
    gone, checkPageErrors, run
} = require('./harness');

const ARTIFACTS = process.env.TRTC_ARTIFACTS || path.join(__dirname, '..', 'artifacts');
const ROOM = '5151';
const S = {};

const VIEWPORTS = {
    desktop: {width: 1280, height: 800},
    phone: {width: 390, height: 844},
    landscape: {width: 844, height: 390}
};

function shot(page, name) {
    return page.screenshot({path: path.join(ARTIFACTS, 'room-' + name + '.png')});
}

/* the boxes a person must see, and whether the page itself scrolls */
function boxes(page) {
    return page.evaluate(() => {
        const r = (s) => {
            const e = document.querySelector(s);
            if (!e) {
                return null;
            }
            const b = e.getBoundingClientRect();
            return {top: b.top, left: b.left, bottom: b.bottom, right: b.right,
                    width: b.width, height: b.height};
        };
        const tiles = Array.from(document.querySelectorAll('#grid > .tile')).map((e) => {
            const b = e.getBoundingClientRect();
            return {user: e.getAttribute('data-user'), width: b.width, height: b.height,
                    left: b.left, top: b.top};
        });
        return {
            vw: innerWidth, vh: innerHeight,
            scrolls: document.scrollingElement.scrollHeight > innerHeight + 1
                     || document.scrollingElement.scrollWidth > innerWidth + 1,
            controls: r('.controls'), leave: r('#leave'), stage: r('.stage'), tiles
        };
    });
}

function inside(box, b, what) {
    assert(box, what + ' exists');
    assert(box.top >= -0.5 && box.left >= -0.5 && box.bottom <= b.vh + 0.5 && box.right <= b.vw + 0.5,
           what + ' inside the ' + b.vw + 'x' + b.vh + ' viewport: ' + JSON.stringify(box));
}

/* ---- the tiles fill the stage ---- */

const TWO = 'alice and bob join at 1280x800';

check(TWO, {timeout: 60000}, async () => {
    S.alice = await joinRoom(await newContext({viewport: VIEWPORTS.desktop}), 'alice', ROOM);
    S.bob = await joinRoom(await newContext({viewport: VIEWPORTS.desktop}), 'bob', ROOM);
    await S.alice.waitForSelector(tileSel('bob'), {timeout: 20000});
});

check('two people at 1280x800: the tiles cover most of the stage', {needs: [TWO]}, async () => {
    await laidOut(S.alice);
    const b = await boxes(S.alice);
    const stage = b.stage.width * b.stage.height;
    const covered = b.tiles.reduce((a, x) => a + x.width * x.height, 0);
    assert(b.tiles.length === 2, 'two tiles: ' + b.tiles.length);
    assert(covered / stage >= 0.7, 'tiles cover ' + Math.round(covered / stage * 100)
           + '% of the stage (at least 70%)');
    inside(b.controls, b, 'the controls');
    return {covered: Math.round(covered / stage * 100) + '%'};
});

/* ---- the controls never leave the screen ---- */

const FOUR = 'four people (one page in Chinese): everyone sees three others';

check(FOUR, {needs: [TWO], timeout: 90000}, async () => {
    S.carol = await joinRoom(await newContext({viewport: VIEWPORTS.desktop}), 'carol', ROOM);
    S.wei = await joinRoom(await newContext({viewport: VIEWPORTS.desktop, locale: 'zh-CN'}),
                           'wei', ROOM, {role: 'host'});
    for (const [p, u] of [['alice', 'carol'], ['alice', 'wei'], ['wei', 'alice'],
                          ['wei', 'bob'], ['wei', 'carol']]) {
        await S[p].waitForSelector(tileSel(u), {timeout: 20000});
    }
    for (const p of ['alice', 'wei']) {
        await poll(() => S[p].evaluate(() =>
            document.querySelectorAll('#grid > .tile[data-conn="connected"]').length === 3),
                   30000, p + ' connected to the three others');
    }
});

for (const lang of ['alice', 'wei']) {
    check(lang + ': at 1280x800 with a tile enlarged, 390x844 and 844x390, the controls and Leave '
          + 'are on screen and the page does not scroll', {needs: [FOUR], timeout: 60000}, async () => {
        const page = S[lang];
        const tag = lang === 'alice' ? 'en' : 'zh';
        const seen = {};

        await page.setViewportSize(VIEWPORTS.desktop);
        await page.click(tileSel('bob'));
        await poll(async () => await attr(page, tileSel('bob'), 'data-big') === '', 5000,
                   'bob\'s tile enlarged');
        await laidOut(page);
        let b = await boxes(page);
        inside(b.controls, b, 'desktop, enlarged: the controls');
        inside(b.leave, b, 'desktop, enlarged: Leave');
        assert(!b.scrolls, 'desktop, enlarged: the page does not scroll');
        const big = b.tiles.find((x) => x.user === 'bob');
        assert(big.width >= 0.7 * b.stage.width, 'the enlarged tile is most of the stage\'s width: '
               + Math.round(big.width) + ' of ' + Math.round(b.stage.width));
        for (const x of b.tiles.filter((y) => y.user !== 'bob')) {
            assert(x.left + x.width <= b.stage.right + 0.5 && x.top >= b.stage.top - 0.5,
                   'the strip tile of ' + x.user + ' is in the stage');
        }
        await shot(page, 'desktop-enlarged-' + tag);
        await page.keyboard.press('Escape');
        await poll(async () => await attr(page, tileSel('bob'), 'data-enlarged') === null, 5000,
                   'Escape shrinks it');
        await laidOut(page);
        await shot(page, 'desktop-' + tag);
        seen.desktop = b.controls;

        for (const name of ['phone', 'landscape']) {
            await page.setViewportSize(VIEWPORTS[name]);
            await laidOut(page);
            b = await boxes(page);
            inside(b.controls, b, name + ': the controls');
            inside(b.leave, b, name + ': Leave');
            assert(!b.scrolls, name + ': the page does not scroll');
            assert(b.tiles.length === 4 && b.tiles.every((x) => x.width >= 100 && x.height >= 56),
                   name + ': four tiles of a visible size: ' + JSON.stringify(b.tiles));
            await shot(page, name + '-' + tag);
            seen[name] = b.controls;
        }
        await page.setViewportSize(VIEWPORTS.desktop);
        return seen;
    });
}

check('the Chinese page is in Chinese: title, status, buttons', {needs: [FOUR]}, async () => {
    const title = await S.wei.title();
    assert(/房间 5151/.test(title), 'title: ' + title);
    const leave = await S.wei.textContent('#leave');
    assert(/离开/.test(leave), 'Leave in Chinese: ' + leave);
    const login = await newPage(await newContext({locale: 'zh-CN'}), 'zh-login');
    await login.goto(BASE + '/');
    await login.waitForSelector('body[data-ready]');
    assert(/TRTC 房间/.test(await login.title()), 'login title in Chinese: ' + await login.title());
    await login.context().close();
});

/* ---- a connecting member does not look muted ---- */

check('a member whose connection never comes up shows "Connecting", not a muted microphone; '
      + 'a muted one shows muted', {needs: [FOUR], timeout: 60000}, async () => {
    /* frank's connections gather no candidate (relay only, no TURN) */
    const ctx = await newContext({init: () => {
        const Orig = window.RTCPeerConnection;
        window.RTCPeerConnection = function (cfg) {
            return new Orig(Object.assign({}, cfg, {iceServers: [], iceTransportPolicy: 'relay'}));
        };
        window.RTCPeerConnection.prototype = Orig.prototype;
    }});
    const frank = await joinRoom(ctx, 'frank', ROOM);
    await S.alice.waitForSelector(tileSel('frank'), {timeout: 20000});
    await sleep(3000);
    const f = await S.alice.evaluate((sel) => {
        const e = document.querySelector(sel);
        const mic = e.querySelector('.mic'), conn = e.querySelector('.conn');
        return {conn: e.getAttribute('data-conn'), micShown: getComputedStyle(mic).display !== 'none',
                text: conn.textContent, textShown: getComputedStyle(conn).display !== 'none'};
    }, tileSel('frank'));
    assert(f.conn === 'connecting' || f.conn === 'failed', 'frank is connecting (or failed): ' + f.conn);
    assert(!f.micShown, 'no microphone state on frank\'s tile');
    assert(f.textShown && /Connecting|failed/.test(f.text), 'the tile says so: ' + f.text);

    await S.bob.click('#mute-audio');
    await poll(async () => await attr(S.alice, tileSel('bob'), 'data-audio') === 'off', 10000,
               'bob muted at alice');
    const m = await S.alice.evaluate((sel) => {
        const e = document.querySelector(sel);
        return {conn: e.getAttribute('data-conn'),
                micShown: getComputedStyle(e.querySelector('.mic')).display !== 'none',
                textShown: getComputedStyle(e.querySelector('.conn')).display !== 'none'};
    }, tileSel('bob'));
    assert(m.conn === 'connected' && m.micShown && !m.textShown,
           'bob: connected, his muted microphone shown, no connecting text: ' + JSON.stringify(m));
    await shot(S.alice, 'connecting-and-muted-en');
    await S.bob.click('#mute-audio');
    await ctx.close();
    await gone(S.alice, tileSel('frank'), 15000, 'frank gone');
    return {frank: f.conn};
});

check('offline: the own status says so, and connected again when the network is back',
      {needs: [FOUR], timeout: 60000}, async () => {
    const ctx = S.carol.context();
    await poll(async () => await attr(S.carol, tileSel('bob'), 'data-user') === 'bob', 20000,
               'bob\'s tile at carol before');
    await ctx.setOffline(true);
    let state;
    try {
        await poll(async () => /^(offline|reconnecting|connecting)$/.test(
            state = await attr(S.carol, '#room-status', 'data-state')), 15000,
                   'carol\'s status no longer connected');
        const text = await S.carol.textContent('#room-status');
        assert(/Offline|Reconnecting|Connecting/.test(text), 'says so: ' + text);
        /* longer than a silent member is kept (6 s), then still there:
         * not hearing anyone drops no one */
        await sleep(8000);
        const bob = await attr(S.carol, tileSel('bob'), 'data-user');
        assert(bob === 'bob', 'the others\' tiles stay while carol cannot hear them');
    } finally {
        await ctx.setOffline(false);
    }
    await poll(async () => await attr(S.carol, '#room-status', 'data-state') === 'connected', 30000,
               'carol connected again');
    return {state};
});

/* ---- links, invitations, tabs ---- */

check('a room link without a token: the login page with that room filled in, then that room',
      {timeout: 60000}, async () => {
    const ctx = await newContext();
    const page = await newPage(ctx, 'invitee');
    await page.goto(BASE + '/room/' + encodeURIComponent('Q&A #7') + '/');
    await page.waitForURL((u) => new URL(u).pathname === '/', {timeout: 10000});
    await page.waitForSelector('body[data-ready]');
    assert(await page.inputValue('#roomId') === 'Q&A #7', 'room filled in: '
           + await page.inputValue('#roomId'));
    const text = await page.textContent('#login-error');
    assert(/invited to room Q&A #7/.test(text), 'an invitation, not an error: ' + text);
    assert(await attr(page, '#login-error', 'class') === 'alert info', 'shown as information');
    await page.fill('#userId', 'ines');
    await page.click('#join');
    await page.waitForURL((u) => new URL(u).pathname === '/room/' + encodeURIComponent('Q&A #7') + '/',
                          {timeout: 15000});
    await page.waitForSelector('body[data-ready]', {timeout: 20000});
    await ctx.close();
});

check('Invite copies the room\'s link, which carries no token', {needs: [TWO]}, async () => {
    /* the list replaces the context's permissions: without camera and
     * microphone, Chromium hides its addresses behind mDNS names, which
     * nothing resolves here, and new connections never gather */
    await S.alice.context().grantPermissions(['clipboard-read', 'clipboard-write', 'camera',
                                              'microphone'], {origin: BASE});
    await S.alice.click('#invite');
    await poll(async () => /Invite link/.test(await S.alice.textContent('#room-notice')), 5000,
               'the notice');
    const link = BASE + '/room/' + ROOM + '/';
    const copied = await S.alice.evaluate(() => navigator.clipboard.readText());
    assert(copied === link, 'the clipboard holds ' + link + ': ' + copied);
    const notice = await S.alice.textContent('#room-notice');
    assert(notice.indexOf(link) >= 0 && !/privateMapKey|userSig|eJ/.test(notice), 'notice: ' + notice);
});

check('two tabs of one browser in two rooms: each reloads into its own room', {timeout: 90000},
      async () => {
    const ctx = await newContext();
    const one = await joinRoom(ctx, 'tia', '6161');
    const two = await joinRoom(ctx, 'tob', '6262', {page: await newPage(ctx, 'tob')});
    await one.reload();
    await one.waitForSelector('body[data-ready]', {timeout: 20000});
    assert(new URL(one.url()).pathname === '/room/6161/', 'tab one still in room 6161: ' + one.url());
    await poll(async () => await attr(one, '#room-status', 'data-state') === 'connected', 15000,
               'tab one connected');
    assert(/6161/.test(await one.title()), 'tab one\'s title: ' + await one.title());
    await two.reload();
    await two.waitForSelector('body[data-ready]', {timeout: 20000});
    assert(new URL(two.url()).pathname === '/room/6262/', 'tab two still in room 6262');
    const paths = (await ctx.cookies()).map((c) => c.path).sort();
    assert(JSON.stringify(paths) === '["/room/6161/","/room/6262/"]', 'a cookie per room: ' + paths);
    await ctx.close();
});

/* ---- one user id, one person ---- */

check('the same user id joins again elsewhere: the newer page stays, the older says why, '
      + 'the others see one tile', {needs: [FOUR], timeout: 90000}, async () => {
    const older = S.carol;
    const newer = await joinRoom(await newContext({viewport: VIEWPORTS.desktop}), 'carol', ROOM);
    await poll(async () => await attr(older, '#room-status', 'data-state') === 'refused', 15000,
               'the older carol page stops');
    const text = await older.textContent('#room-error');
    assert(/another window or device/.test(text), 'the older page says why: ' + text);
    await poll(() => S.alice.evaluate((sel) => document.querySelectorAll(sel).length === 1,
                                      tileSel('carol')), 10000, 'one carol tile at alice');
    let seen;
    try {
        await poll(async () => (seen = await S.alice.evaluate(() => {
            const pc = window.trtcDebug.pc('carol');
            return document.querySelector('.tile[data-user="carol"]').getAttribute('data-conn')
                   + ' ' + (pc ? pc.connectionState + '/' + pc.signalingState : 'no pc');
        })).startsWith('connected'), 30000, 'alice connected to the newer carol');
    } catch (e) {
        throw new Error(e.message + ': ' + seen);
    }
    await sleep(5000);      /* heartbeats of both came and went: still one, still there */
    const n = await S.alice.evaluate((sel) => document.querySelectorAll(sel).length, tileSel('carol'));
    assert(n === 1, 'still one carol tile: ' + n);
    assert(await attr(newer, '#room-status', 'data-state') === 'connected', 'the newer page stays');
    await shot(older, 'taken-over-en');
    S.carol = newer;
});

/* ---- small things ---- */

check('room numbers out of range, leading zeros and long names get a clear error, not a room',
      async () => {
    const page = await newPage(await newContext(), 'rooms');
    await page.goto(BASE + '/?userId=rita');
    await page.waitForSelector('body[data-ready]');
    const cases = [['0', /1 to 4294967294/], ['4294967295', /1 to 4294967294/],
                   ['0123', /leading zeros/], ['x'.repeat(100), /at most 64 characters; this one has 100/]];
    for (const [room, re] of cases) {
        await page.fill('#roomId', room);
        assert(await page.inputValue('#roomId') === room, 'the field keeps all '
               + room.length + ' characters');
        await page.click('#join');
        await poll(async () => re.test(await page.textContent('#login-error')), 3000,
                   'error for ' + room.slice(0, 12));
        assert(new URL(page.url()).pathname === '/', 'still on the login page');
    }
    await page.fill('#roomId', '4294967294');
    await page.click('#join');
    await page.waitForURL((u) => new URL(u).pathname === '/room/4294967294/', {timeout: 15000});
    await page.context().close();
});

check('the device check: the network line once, the camera preview not cropped', {timeout: 60000},
      async () => {
    const page = await newPage(await newContext(), 'check');
    await page.goto(BASE + '/');
    await page.waitForSelector('body[data-ready]');
    await page.click('#device-check');
    await page.waitForSelector('.check-dialog[open]');
    const fit = await page.evaluate(() =>
        getComputedStyle(document.querySelector('.check-panels video')).objectFit);
    assert(fit === 'contain', 'the preview shows the whole picture: object-fit ' + fit);
    await page.click('.check-steps [data-step="network"]');
    await poll(async () => /samples/.test(await page.textContent('[data-panel="network"]')), 20000,
               'the network result');
    const panel = await page.textContent('[data-panel="network"]');
    const lines = panel.match(/samples/g) || [];
    assert(lines.length === 1, 'the round trips said once: ' + panel.replace(/\s+/g, ' '));
    await page.context().close();
});

checkPageErrors();
run({total: 420000});
