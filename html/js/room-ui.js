/*
 * The room page's UI, the same whichever backend carries the media:
 * alerts (never a silent failure), tiles in a grid (click to enlarge),
 * who is speaking, the status and the count, the controls, leaving and
 * the token's expiry.  Backends (backend-*.js) draw only through it; it
 * knows nothing of signaling or connections.  renderMember() decides
 * which of a member's tracks this page shows, by both privileges.
 *
 * Touches: room.html's elements, the tiles' video elements, Web Audio.
 */

import * as T from './app.js';
import {createLayout} from './room-layout.js';
import {createPanel} from './room-panel.js';

var t = T.t;
var $ = T.$;
var P = T.PRIV;

var LEAVE_WAIT_MS = 1500;

/* the state of this page's createRoomUI() */
var roomKey, me, grid, errors, notices, tiles, own, blocked, audio, leaving,
    setError, clearError, setNotice, clearNotice, expiryTimer, panel;


export function createRoomUI(roomKeyArg, meArg) {
    roomKey = roomKeyArg;
    me = meArg;

    grid = $('#grid');
    var view = createLayout($('#stage'), grid, showView);
    $('#view').addEventListener('click', function () {
        showView(view.setMode(view.mode() === 'speaker' ? 'grid' : 'speaker'));
    });
    showView(view.mode());
    document.addEventListener('keydown', function (e) {
        if (e.key === 'Escape') {
            shrink();
        }
    });
    $('#invite').addEventListener('click', invite);
    watchNetwork();
    panel = createPanel(me);
    errors = alerts('#room-error');
    notices = alerts('#room-notice');
    tiles = new Set();
    own = null;
    blocked = [];
    audio = {ctx: null, timer: null};
    leaving = false;

    /* ---- alerts ---- */

    setError = errors.set;
    clearError = errors.clear;
    setNotice = notices.set;
    clearNotice = notices.clear;

    return {
        setError: setError, clearError: clearError,
        setNotice: setNotice, clearNotice: clearNotice,
        loginLink: loginLink, mediaNotice: mediaNotice, shareCancelled: shareCancelled,
        makeTile: makeTile, makeOwnTile: makeOwnTile,
        insertTile: insertTile, removeTile: removeTile,
        setTracks: setTracks, setConn: setConn,
        panel: panel, setOwnHand: function (up) {
            if (own) {
                own.el.setAttribute('data-hand', up ? '1' : '0');
            }
        },
        attachMeter: attachMeter, quiet: quiet,
        renderMember: renderMember,
        startMeters: function () { audio.timer = setInterval(meterTick, 120); },
        stopAudio: function () {
            clearInterval(audio.timer);
            if (audio.ctx) {
                audio.ctx.close().catch(function () {});
            }
        },
        setStatus: setStatus, setCount: setCount,
        showControls: showControls, onControls: onControls,
        disableControls: disableControls,
        leave: leave, leaving: function () { return leaving; },
        expireAt: expireAt
    };
}


/* back to the login page, saying why, with this room filled in */
function loginLink(reason) {
    var href = '/?denied=' + encodeURIComponent(reason)
               + (roomKey !== null ? '&roomId=' + encodeURIComponent(roomKey) : '');
    return T.el('a', {href: href, class: 'button-link', text: t('backToLogin')});
}


/* what of its camera and microphone this page could not open: want and
 * got {audio, video}, err {audio, video} the texts of the errors */
function mediaNotice(want, got, err) {
    if (!want.audio && !want.video) {
        setNotice('role', t('audienceNotice'));
    } else if (!got.audio && !got.video) {
        setNotice('media', t('noDevices', {error: err.video || err.audio || '?'}));
    } else if (want.video && !got.video) {
        setNotice('media', t('noCameraOnly', {error: err.video || '?'}));
    } else if (want.audio && !got.audio) {
        setNotice('media', t('noMicOnly', {error: err.audio || '?'}));
    }
}


/* the person said no to the browser's screen picker: said for a while */
function shareCancelled() {
    setNotice('share', t('shareCancelled'));
    setTimeout(function () { clearNotice('share'); }, 4000);
}


/* ---- tiles ---- */

function makeTile(uid, kind, opts) {
    var video = T.el('video', {autoplay: true, playsInline: true});
    video.muted = !!opts.muted;
    var tag = T.el('span', {class: 'tag', text: opts.tag || ''});
    tag.hidden = !opts.tag;
    var box = T.el('div', {
        class: 'tile', 'data-user': uid, 'data-kind': kind,
        'data-audio': 'off', 'data-video': 'off', 'data-speaking': '0',
        'data-local': opts.local ? '' : null, tabindex: '0',
        title: t('enlargeHint')
    }, [
        video,
        T.el('div', {class: 'avatar', 'aria-hidden': 'true'},
             [T.el('span', {text: kind === 'screen' ? '' : uid.charAt(0).toUpperCase()})]),
        T.el('div', {class: 'conn', role: 'status'}),
        T.el('div', {class: 'hand', title: t('handRaised'), text: '✋'}),
        T.el('div', {class: 'quality', 'aria-hidden': 'true'},
             [T.el('i'), T.el('i'), T.el('i')]),
        T.el('div', {class: 'tile-bar'}, [
            T.el('span', {class: 'mic', 'aria-hidden': 'true'}),
            T.el('span', {class: 'lvl', 'aria-hidden': 'true'}, [T.el('span')]),
            T.el('span', {class: 'name', text: opts.name}),
            T.el('span', {class: 'uid', hidden: true, title: t('verifiedTitle')}),
            tag
        ])
    ]);
    box.addEventListener('click', function () { toggleEnlarge(box); });
    box.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            toggleEnlarge(box);
        }
    });
    return {el: box, video: video, tag: tag, tracks: [], meter: null, loudAt: 0};
}


/* this page's own tile, in the grid: its camera (one, made by room.js),
 * or a screen it shares (after the camera) */
function makeOwnTile(kind) {
    var tile = makeTile(me.uid, kind, {
        local: true, muted: true,
        name: kind === 'screen' ? t('screenOf', {user: me.uid}) : me.uid,
        tag: kind === 'screen' ? '' : t('you')
    });
    insertTile(tile, kind === 'screen' ? own : null);
    if (kind === 'camera') {
        own = tile;
        nameTile(tile, me.uid, me.name);
    }
    return tile;
}


function insertTile(tile, after) {
    if (after && after.el.parentNode === grid) {
        grid.insertBefore(tile.el, after.el.nextSibling);
    } else {
        grid.appendChild(tile.el);
    }
    tiles.add(tile);
}


function removeTile(tile) {
    if (!tile) {
        return;
    }
    detachMeter(tile);
    tile.video.srcObject = null;
    tile.el.remove();
    tiles.delete(tile);
}


/* the view button says what a click gives */
function showView(mode) {
    var b = $('#view');
    b.setAttribute('data-mode', mode);
    b.querySelector('.top-label').textContent = t(mode === 'speaker' ? 'gridView' : 'speakerView');
}


function toggleEnlarge(box) {
    var was = box.hasAttribute('data-enlarged');
    shrink();
    if (!was) {
        box.setAttribute('data-enlarged', '');
    }
}


function shrink() {
    grid.querySelectorAll('[data-enlarged]').forEach(function (x) {
        x.removeAttribute('data-enlarged');
    });
}


function setTracks(tile, tracks) {
    var same = tracks.length === tile.tracks.length && tracks.every(function (x, i) {
        return x === tile.tracks[i];
    });
    if (same) {
        return;
    }
    tile.tracks = tracks.slice();
    tile.video.srcObject = tracks.length ? new MediaStream(tracks) : null;
    if (tracks.length) {
        play(tile.video);
    }
}


/* autoplay with sound may be refused until the person interacts */
function play(video) {
    var p = video.play();
    if (!p) {
        return;
    }
    p.catch(function (e) {
        if (e && e.name === 'NotAllowedError' && !video.muted) {
            video.muted = true;
            blocked.push(video);
            soundBlocked();
            video.play().catch(function () {});
        }
    });
}


function soundBlocked() {
    if (notices.has('sound')) {
        return;
    }
    var button = T.el('button', {type: 'button', class: 'small', text: t('enableSound')});
    setNotice('sound', t('soundBlocked'), button);
    var unblock = function () {
        blocked.splice(0).forEach(function (v) {
            v.muted = false;
            v.play().catch(function () {});
        });
        if (audio.ctx) {
            audio.ctx.resume().catch(function () {});
        }
        clearNotice('sound');
        document.removeEventListener('click', unblock, true);
    };
    document.addEventListener('click', unblock, true);
}


/* ---- who is speaking: an analyser per audible track ---- */

function audioCtx() {
    if (!audio.ctx && (window.AudioContext || window.webkitAudioContext)) {
        audio.ctx = new (window.AudioContext || window.webkitAudioContext)();
        if (audio.ctx.state === 'suspended') {
            audio.ctx.resume().catch(function () {});
            setTimeout(function () {
                if (audio.ctx && audio.ctx.state === 'suspended') {
                    soundBlocked();
                }
            }, 1000);
        }
    }
    return audio.ctx;
}


function attachMeter(tile, track) {
    if (tile.meter && tile.meter.track === track) {
        return;
    }
    detachMeter(tile);
    var ctx = track && audioCtx();
    if (!ctx) {
        return;
    }
    try {
        var src = ctx.createMediaStreamSource(new MediaStream([track]));
        var an = ctx.createAnalyser();
        an.fftSize = 512;
        src.connect(an);
        tile.meter = {track: track, src: src, an: an, buf: new Float32Array(an.fftSize)};
    } catch (e) {
        tile.meter = null;
    }
}


function detachMeter(tile) {
    if (tile.meter) {
        try { tile.meter.src.disconnect(); } catch (e) { /* gone */ }
        tile.meter = null;
    }
    tile.el.setAttribute('data-speaking', '0');
}


function meterTick() {
    var now = Date.now();
    tiles.forEach(function (tile) {
        if (!tile.meter) {
            return;                 /* a backend of its own says it */
        }
        var speaking = false, lv = 0;
        if (tile.el.getAttribute('data-audio') === 'on') {
            lv = T.level(tile.meter.an, tile.meter.buf);
            if (lv > 0.02) {
                tile.loudAt = now;
            }
            speaking = now - tile.loudAt < 500;
        }
        /* the level, as a bar beside the microphone */
        tile.el.style.setProperty('--level', String(Math.min(1, lv * 4).toFixed(2)));
        var v = speaking ? '1' : '0';
        if (tile.el.getAttribute('data-speaking') !== v) {
            tile.el.setAttribute('data-speaking', v);
        }
    });
}


/* muted is silent at once, not at the meter's next look */
function quiet(tile) {
    if (tile.el.getAttribute('data-audio') !== 'on') {
        tile.loudAt = 0;
        tile.el.setAttribute('data-speaking', '0');
    }
}


/* may this member's track of this kind be shown or played here? */
function allowed(p, kind, trackKind) {
    if (kind === 'screen') {
        return trackKind === 'video' && T.has(p.priv, P.SEND_SCREEN)
               && T.has(me.priv, P.RECV_SCREEN);
    }
    if (trackKind === 'audio') {
        return T.has(p.priv, P.SEND_AUDIO) && T.has(me.priv, P.RECV_AUDIO);
    }
    return T.has(p.priv, P.SEND_VIDEO) && T.has(me.priv, P.RECV_VIDEO);
}


/* p.remote: track id -> {track, stream, kind (or from p.media)} */
function remoteTracks(p, kind) {
    var out = [];
    p.remote.forEach(function (r) {
        if (r.track.readyState !== 'live' || r.stream.getTracks().indexOf(r.track) < 0) {
            return;
        }
        var k = r.kind || (r.stream.id === p.media.screen ? 'screen'
                           : r.stream.id === p.media.camera ? 'camera' : null);
        if (k === kind && allowed(p, kind, r.track.kind)) {
            out.push(r.track);
        }
    });
    /* audio first, then video: a stable order for setTracks */
    return out.sort(function (a, b) { return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0; });
}


function renderMember(p) {
    if (p.closed) {
        return;
    }
    var cam = p.tiles.camera;
    var tracks = remoteTracks(p, 'camera');
    var a = tracks.find(function (x) { return x.kind === 'audio'; });
    var v = tracks.find(function (x) { return x.kind === 'video'; });
    setTracks(cam, tracks);
    cam.el.setAttribute('data-video', v && p.state.video ? 'on' : 'off');
    cam.el.setAttribute('data-audio', a && p.state.audio ? 'on' : 'off');
    cam.el.setAttribute('data-hand', p.state.hand ? '1' : '0');
    nameTile(cam, p.uid, p.state.name);
    attachMeter(cam, a || null);
    quiet(cam);
    audienceTag(cam, p.priv);
    if (cam.connAuto) {
        /* no connection of its own to watch: connecting while media it
         * announced has not come */
        var expect = (p.state.audio && allowed(p, 'camera', 'audio'))
                     || (p.state.video && allowed(p, 'camera', 'video'));
        setConn(cam, expect && !tracks.length ? 'connecting' : 'connected');
    }

    var screen = remoteTracks(p, 'screen').slice(0, 1);
    if (screen.length) {
        if (!p.tiles.screen) {
            p.tiles.screen = makeTile(p.uid, 'screen', {name: t('screenOf', {user: p.uid})});
            insertTile(p.tiles.screen, cam);
        }
        setTracks(p.tiles.screen, screen);
        p.tiles.screen.el.setAttribute('data-video', 'on');
    } else if (p.tiles.screen) {
        removeTile(p.tiles.screen);
        p.tiles.screen = null;
    }
}


/* a display name is the member's own claim: shown, with the verified
 * user id beside it */
function nameTile(tile, uid, name) {
    var shown = name && name !== uid;
    tile.el.querySelector('.name').textContent = shown ? name : uid;
    var u = tile.el.querySelector('.uid');
    u.textContent = shown ? uid + ' ✓' : '';
    u.hidden = !shown;
    tile.el.setAttribute('data-name', shown ? name : '');
}


/* a member who may send neither audio nor video is tagged */
function audienceTag(tile, priv) {
    var audience = !T.has(priv, P.SEND_AUDIO) && !T.has(priv, P.SEND_VIDEO);
    tile.tag.textContent = audience ? t('audienceTag') : '';
    tile.tag.hidden = !audience;
}


/* ---- a member's connection, as its tile shows it ----
 * state: an RTCPeerConnection's connectionState, or connecting or
 * connected; "connecting" again after "connected" is reconnecting.  A
 * tile not connected shows so over its picture and no microphone
 * state, so that nobody looks muted who is not there yet. */

var CONN_SHOWN = {
    'new': 'connecting', connecting: 'connecting', connected: 'connected',
    disconnected: 'reconnecting', failed: 'failed', closed: 'failed'
};

function setConn(tile, state) {
    var shown = CONN_SHOWN[state] || 'connecting';
    if (shown === 'connecting' && tile.wasConnected) {
        shown = 'reconnecting';
    }
    if (shown === 'connected') {
        tile.wasConnected = true;
    }
    if (tile.el.getAttribute('data-conn') === shown) {
        return;
    }
    tile.el.setAttribute('data-conn', shown);
    tile.el.querySelector('.conn').textContent = shown === 'connected' ? ''
                                                 : t('conn.' + shown);
}


/* ---- status, count, controls ---- */

var signalState = 'connecting', offline = false;

function setStatus(state) {
    signalState = state;
    if (state === 'connected') {
        offline = false;        /* a socket opened: the network is there */
    }
    showStatus();
}

function showStatus() {
    var state = offline && signalState !== 'refused' ? 'offline' : signalState;
    var s = $('#room-status');
    s.setAttribute('data-state', state);
    $('#room-status-text').textContent = state === 'connected' ? t('connected')
                                         : state === 'offline' ? t('offline')
                                         : state === 'reconnecting' ? t('reconnecting')
                                         : state === 'refused' ? '' : t('connecting');
}

/* the browser knows before any socket does that the network is gone;
 * the events, not navigator.onLine, which is false on a machine with
 * only a loopback interface though its pages reach the server */
function watchNetwork() {
    window.addEventListener('offline', function () { offline = true; showStatus(); });
    window.addEventListener('online', function () { offline = false; showStatus(); });
}


/* a link to this room: the room in the path, never a token */
function invite() {
    var link = location.origin + T.roomPath(roomKey);
    var done = function (key) {
        setNotice('invite', t(key, {link: link}));
        setTimeout(function () { clearNotice('invite'); }, 8000);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(link).then(function () { done('inviteCopied'); },
                                                 function () { done('inviteShow'); });
    } else {
        done('inviteShow');
    }
}


function setCount(n) {
    $('#room-count').textContent = t('count', {n: n});
}


function setLabel(button, key, pressed) {
    button.querySelector('.ctl-label').textContent = t(key);
    button.setAttribute('aria-pressed', pressed ? 'true' : 'false');
}


/* view: {audio, video, share}, each {shown, enabled, on} */
function showControls(view) {
    var ma = $('#mute-audio'), mv = $('#mute-video'), sh = $('#share-screen');
    ma.hidden = !view.audio.shown;
    mv.hidden = !view.video.shown;
    sh.hidden = !view.share.shown;
    ma.disabled = !view.audio.enabled;
    mv.disabled = !view.video.enabled;
    sh.disabled = !view.share.enabled;
    setLabel(ma, view.audio.on || ma.disabled ? 'muteAudio' : 'unmuteAudio',
             !view.audio.on && !ma.disabled);
    setLabel(mv, view.video.on || mv.disabled ? 'muteVideo' : 'unmuteVideo',
             !view.video.on && !mv.disabled);
    setLabel(sh, view.share.on ? 'stopShare' : 'shareScreen', view.share.on);
}


/* handlers: {audio, video, share, leave}, each a function */
function onControls(handlers) {
    $('#mute-audio').addEventListener('click', handlers.audio);
    $('#mute-video').addEventListener('click', handlers.video);
    $('#share-screen').addEventListener('click', handlers.share);
    $('#leave').addEventListener('click', handlers.leave);
}


function disableControls() {
    ['#mute-audio', '#mute-video', '#share-screen'].forEach(function (s) {
        $(s).disabled = true;
    });
    $('#leave').addEventListener('click', function () { location.assign('/'); });
}


/* stop(): the backend says goodbye and lets go, LEAVE_WAIT_MS at most */
function leave(stop) {
    if (leaving) {
        return Promise.resolve();
    }
    leaving = true;
    $('#leave').disabled = true;
    return Promise.race([Promise.resolve().then(stop), T.sleep(LEAVE_WAIT_MS)])
        .catch(function () {}).then(function () {
            T.dropSession(roomKey);
            location.assign('/?userId=' + encodeURIComponent(me.uid)
                            + '&roomId=' + encodeURIComponent(roomKey));
        });
}


/* the session's end; again with each renewed token */
function expireAt(unixTime) {
    var ms = unixTime * 1000 - Date.now();
    clearTimeout(expiryTimer);
    clearError('expiry');
    if (ms < 0x7fffffff) {
        expiryTimer = setTimeout(function () {
            if (!leaving) {
                setError('expiry', t('tokenExpired'), loginLink('expired'));
            }
        }, Math.max(0, ms));
    }
}


/* an alert box: messages by key, each with an optional action */
function alerts(selector) {
    var map = new Map();

    function render() {
        var box = $(selector);
        box.textContent = '';
        map.forEach(function (m, key) {
            var p = T.el('p', {'data-key': key, text: m.text});
            if (m.action) {
                p.appendChild(document.createTextNode(' '));
                p.appendChild(m.action);
            }
            box.appendChild(p);
        });
        box.hidden = map.size === 0;
    }

    return {
        set: function (key, text, action) {
            map.set(key, {text: text, action: action});
            render();
        },
        clear: function (key) {
            if (map.delete(key)) {
                render();
            }
        },
        has: function (key) { return map.has(key); }
    };
}
