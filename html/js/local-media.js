/*
 * This page's own media in the embedded modes (mesh and SFU): the camera
 * and microphone it may send (by its privilege, with the devices chosen
 * on the login page, falling back to one of the two), muting, the
 * screen it shares, and its own tiles.  The TRTC Cloud backend has the
 * SDK's instead.
 *
 * Touches: getUserMedia and getDisplayMedia, its own tiles (through
 * room-ui.js) and the share button while the browser asks.
 */

import * as T from './app.js';

var t = T.t;
var $ = T.$;
var P = T.PRIV;

/* the state of this page's createLocalMedia() */
var ui, me, session, local;


/* own: this page's camera tile (room.js makes it) */
export function createLocalMedia(uiArg, meArg, sessionArg, own) {
    ui = uiArg;
    me = meArg;
    session = sessionArg;

    local = {
        stream: null,       /* camera + microphone */
        audio: null,
        video: null,
        screen: null,       /* the screen share's own MediaStream */
        /* the stream the screen is sent in: one id for the page's life,
         * so a second share on the same transceiver keeps its msid
         * (Chromium kept the first msid despite sender.setStreams) */
        screenCarrier: new MediaStream(),
        tiles: {camera: own},
        ended: null         /* called when a track ends by itself */
    };

    local.state = state;
    local.open = open;
    local.render = render;
    local.toggle = toggle;
    local.controls = controls;
    local.startShare = startShare;
    local.stopShare = stopShare;
    local.stop = stop;
    local.switchDevice = switchDevice;
    return local;
}


/* {a: audio on, v: video on}, as the signaling announces it */
function state() {
    return {
        a: !!(local.audio && local.audio.enabled && local.audio.readyState === 'live'),
        v: !!(local.video && local.video.enabled && local.video.readyState === 'live')
    };
}


function open() {
    var wantA = T.has(me.priv, P.SEND_AUDIO);
    var wantV = T.has(me.priv, P.SEND_VIDEO);
    var want = {audio: wantA, video: wantV};
    if (!wantA && !wantV) {
        ui.mediaNotice(want, {}, {});
        return Promise.resolve();
    }
    var md = navigator.mediaDevices;
    if (!md || !md.getUserMedia) {
        ui.mediaNotice(want, {}, {audio: 'getUserMedia', video: 'getUserMedia'});
        return Promise.resolve();
    }
    var a = wantA ? (session.microphone ? {deviceId: session.microphone} : true) : false;
    var v = wantV ? Object.assign({width: {ideal: 640}, height: {ideal: 360}},
                                  session.camera ? {deviceId: session.camera} : {}) : false;
    var errV = null, errA = null;
    return md.getUserMedia({audio: a, video: v}).catch(function (both) {
        /* one of the two may be missing or refused: try each alone */
        var tracks = [];
        return (v ? md.getUserMedia({video: v}).then(function (s) {
            tracks = tracks.concat(s.getTracks());
        }, function (e) { errV = e; }) : Promise.resolve()).then(function () {
            return a ? md.getUserMedia({audio: a}).then(function (s) {
                tracks = tracks.concat(s.getTracks());
            }, function (e) { errA = e; }) : null;
        }).then(function () {
            if (!tracks.length) {
                errA = errA || both;
                errV = errV || both;
                return null;
            }
            return new MediaStream(tracks);
        });
    }).then(function (stream) {
        ui.mediaNotice(want, {audio: !!stream && stream.getAudioTracks().length > 0,
                              video: !!stream && stream.getVideoTracks().length > 0},
                       {audio: errA && T.errorText(errA), video: errV && T.errorText(errV)});
        if (!stream) {
            return;
        }
        local.stream = stream;
        local.audio = stream.getAudioTracks()[0] || null;
        local.video = stream.getVideoTracks()[0] || null;
        stream.getTracks().forEach(watchEnd);
    });
}


function watchEnd(tr) {
    tr.addEventListener('ended', function () {
        local.render();
        if (local.ended) {
            local.ended();
        }
    });
}


/*
 * Another camera or microphone in the room: its track takes the old
 * one's place in the same stream and in every connection that sends it
 * (replaceTrack: no new negotiation, the others see the same track),
 * muted if the old one was.  pcs: the connections this page sends on.
 */
function switchDevice(kind, deviceId, pcs) {
    var old = kind === 'audio' ? local.audio : local.video;
    if (!old || !deviceId || !local.stream) {
        return Promise.resolve(false);
    }
    var c = kind === 'audio' ? {audio: {deviceId: {exact: deviceId}}}
            : {video: {deviceId: {exact: deviceId}, width: {ideal: 640}, height: {ideal: 360}}};
    return navigator.mediaDevices.getUserMedia(c).then(function (s) {
        var track = (kind === 'audio' ? s.getAudioTracks() : s.getVideoTracks())[0];
        if (!track || ui.leaving()) {
            T.stopTracks(s);
            return false;
        }
        track.enabled = old.enabled;
        var jobs = [];
        pcs.forEach(function (pc) {
            (pc ? pc.getSenders() : []).forEach(function (sender) {
                if (sender.track === old) {
                    jobs.push(sender.replaceTrack(track));
                }
            });
        });
        local.stream.removeTrack(old);
        local.stream.addTrack(track);
        if (kind === 'audio') {
            local.audio = track;
        } else {
            local.video = track;
        }
        watchEnd(track);
        local.render();
        /* the old one stops once no connection sends it: stopped while
         * a replaceTrack is under way, Chromium sends no more frames */
        return Promise.all(jobs).then(function () {
            old.stop();
            return true;
        }, function (e) {
            old.stop();
            throw e;
        });
    });
}


function render() {
    var tile = local.tiles.camera;
    var st = local.state();
    ui.setTracks(tile, local.video ? [local.video] : []);
    tile.el.setAttribute('data-video', st.v ? 'on' : 'off');
    tile.el.setAttribute('data-audio', st.a ? 'on' : 'off');
    ui.attachMeter(tile, local.audio);
    ui.quiet(tile);
}


/* mute and unmute: false when there is nothing to mute */
function toggle(kind) {
    var track = kind === 'audio' ? local.audio : local.video;
    if (!track) {
        return false;
    }
    track.enabled = !track.enabled;
    local.render();
    return true;
}


/* the controls of this page's media */
function controls() {
    var st = local.state();
    var md = navigator.mediaDevices;
    return {
        audio: {shown: T.has(me.priv, P.SEND_AUDIO), on: st.a,
                enabled: !!local.audio && local.audio.readyState === 'live'},
        video: {shown: T.has(me.priv, P.SEND_VIDEO), on: st.v,
                enabled: !!local.video && local.video.readyState === 'live'},
        share: {shown: T.has(me.priv, P.SEND_SCREEN), on: !!local.screen,
                enabled: !!(md && md.getDisplayMedia)}
    };
}


/*
 * The screen: resolves with its stream, shown in a tile of its own
 * (null: nothing shared); stopped by the browser's own "stop
 * sharing" too, which calls onStop
 */
function startShare(onStop) {
    if (local.screen) {
        return Promise.resolve(null);
    }
    $('#share-screen').disabled = true;
    return navigator.mediaDevices.getDisplayMedia({video: true, audio: false}).then(function (stream) {
        var track = stream.getVideoTracks()[0];
        if (!track || ui.leaving()) {
            T.stopTracks(stream);
            return null;
        }
        ui.clearError('share');
        track.contentHint = 'detail';
        local.screen = stream;
        track.addEventListener('ended', function () { onStop(stream); });
        local.tiles.screen = ui.makeOwnTile('screen');
        ui.setTracks(local.tiles.screen, [track]);
        local.tiles.screen.el.setAttribute('data-video', 'on');
        return stream;
    }).catch(function (e) {
        if (e && e.name === 'NotAllowedError') {
            ui.shareCancelled();
        } else {
            ui.setError('share', t('shareFailed', {error: T.errorText(e)}));
        }
        return null;
    });
}


/* false when that screen (or any, without one) is not shared */
function stopShare(which) {
    var stream = local.screen;
    if (!stream || (which && which !== stream)) {
        return false;
    }
    local.screen = null;
    T.stopTracks(stream);
    ui.removeTile(local.tiles.screen);
    local.tiles.screen = null;
    return true;
}


function stop() {
    T.stopTracks(local.screen);
    T.stopTracks(local.stream);
}
