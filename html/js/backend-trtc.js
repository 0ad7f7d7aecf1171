/*
 * The room on TRTC Cloud: the TRTC Web SDK v5 (trtc-sdk-v5, vendored into
 * /static/vendor/ by `make vendor`) instead of the embedded mesh, with the
 * same page (html/room.html) and UI (room-ui.js): room.js picks this file
 * when the server's TRTC_ENDPOINTS say "backend": "trtc"
 * (conf/trtc-cloud.conf), and it loads the SDK (endpoints.sdk).
 *
 * enterRoom gets the UserSig and PrivateMapKey the server issued, and
 * proxies on this host: the SDK's signaling WebSocket goes to
 * endpoints.websocketProxy, where nginx checks the UserSig (trtc_auth on
 * $arg_userSig for $arg_userId) before passing it on to Tencent; its log
 * reports go to endpoints.loggerProxy; TURN servers issued with the
 * token (trtc_turn_*) become proxy.turnServer.
 *
 * A refused WebSocket does not say why: when entering fails, the page
 * asks endpoints.signalCheck (the same check, 204 or 401) to tell a
 * refused token from a network problem, as the mesh does with its probe.
 *
 * Chat and raised hands go through nginx's own room signaling, stamped
 * with the sender's verified user id as in the embedded modes
 * (room-chat.js), where the server offers it (TRTC_ENDPOINTS subscribe
 * and publish); the people are the SDK's.
 *
 * Touches: the SDK (window.TRTC, which its bundle sets), nginx's proxy
 * endpoints; the page only through room-ui.js, but for the SDK's views
 * inside the tiles.
 */
import * as T from './app.js';
import {createRoomChat} from './room-chat.js';

var t = T.t;
var P = T.PRIV;
var $ = T.$;

var SPEAKING_VOLUME = 8;        /* of the SDK's 0..100 */

/* the SDK's bundle is a classic script: it leaves itself in window.TRTC */
function loadSDK(src) {
    return new Promise(function (resolve, reject) {
        var s = T.el('script', {src: src});
        s.onload = function () { resolve(window.TRTC || null); };
        s.onerror = function () { reject(new Error('cannot load ' + src)); };
        document.head.appendChild(s);
    });
}

/* ctx: room.js's {ui, session, me, roomKey, token, ice, own}; token is the
 * PrivateMapKey alone, session.token all the issued credentials */

/* the state of this page's createTrtcBackend() */
var ctx, ui, SDK, token, uid, priv, trtc, own, peers, local, state, debug, chat;


export function createTrtcBackend(ctxArg) {
    ctx = ctxArg;

    ui = ctx.ui;
    SDK = null;
    token = ctx.session.token;
    uid = ctx.me.uid;
    priv = ctx.me.priv;
    trtc = null;
    own = ctx.own;
    peers = new Map();      /* userId -> {uid, tiles: {camera, screen}} */
    local = {
        audio: false, video: false,         /* opened */
        audioMuted: false, videoMuted: false,
        sharing: false, screenTile: null
    };
    state = {entered: false, refused: false, leaving: false, retry: 0, timer: null,
             checking: null};
    debug = {errors: [], enter: null, check: null, proxy: null, sdkVersion: null};
    chat = null;

    if (T.offers('subscribe') && T.offers('publish')) {
        chat = createRoomChat({
            me: ctx.me, roomKey: ctx.roomKey, token: ctx.token,
            hand: function () { return ui.panel.hand(); },
            chat: function (from, text, name) { ui.panel.receive(from, text, name); },
            changed: people
        });
        ui.panel.enable({
            send: chat.send,
            hand: function (up) {
                ui.setOwnHand(up);
                chat.hand(up);
                people();
            }
        });
        debug.chat = chat;
    }

    return {
        start: start,
        controls: updateControls,
        toggleAudio: function () { return toggle('Audio'); },
        toggleVideo: function () { return toggle('Video'); },
        toggleShare: toggleShare,
        /* the SDK opens the other device and sends it instead */
        switchDevice: function (kind, deviceId) {
            if (!trtc || !deviceId) {
                return Promise.resolve(false);
            }
            return (kind === 'audio'
                    ? trtc.updateLocalAudio({option: {microphoneId: deviceId}})
                    : trtc.updateLocalVideo({option: {cameraId: deviceId}}))
                .then(function () { return true; });
        },
        localTracks: function () {
            return {audio: trtc && local.audio ? trtc.getAudioTrack() : null,
                    video: trtc && local.video ? trtc.getVideoTrack() : null};
        },
        stop: shutdown,
        pagehide: shutdown,
        debug: {trtc: debug}
    };
}


function errText(e) {
    if (e && e.code !== undefined && e.message) {
        return e.message + ' (' + e.code + (e.extraCode ? '/' + e.extraCode : '') + ')';
    }
    return T.errorText(e);
}


/* ---- tiles: the SDK renders into a view inside a tile ---- */

function viewOf(tile) {
    if (!tile.view) {
        tile.video.hidden = true;
        tile.view = T.el('div', {class: 'sdk-view', style: 'position:absolute;inset:0'});
        tile.el.insertBefore(tile.view, tile.video);
    }
    return tile.view;
}


function peer(userId) {
    var p = peers.get(userId);
    if (!p) {
        p = {uid: userId, tiles: {}};
        p.tiles.camera = ui.makeTile(userId, 'camera', {name: userId});
        viewOf(p.tiles.camera);
        ui.insertTile(p.tiles.camera);
        peers.set(userId, p);
        count();
    }
    return p;
}


function dropPeer(userId) {
    var p = peers.get(userId);
    if (!p) {
        return;
    }
    peers.delete(userId);
    if (chat) {
        chat.forget(userId);
    }
    ui.removeTile(p.tiles.screen);
    ui.removeTile(p.tiles.camera);
    count();
}


function count() {
    ui.setCount(peers.size + 1);
    people();
}


function setFlag(tile, name, on) {
    if (tile) {
        tile.el.setAttribute('data-' + name, on ? 'on' : 'off');
        if (name === 'audio' && !on) {
            tile.el.setAttribute('data-speaking', '0');
        }
        people();
    }
}


/* the people list, from what the SDK told: the others' privileges are
 * Tencent's to check, so they are listed as members who may speak */
function people() {
    var on = function (tile, name) {
        return !!tile && tile.el.getAttribute('data-' + name) === 'on';
    };
    var list = [{uid: uid, me: true, priv: priv, audio: on(own, 'audio'),
                 video: on(own, 'video'), screen: !!local.sharing,
                 hand: ui.panel.hand(), name: ctx.me.name}];
    peers.forEach(function (p) {
        var said = chat && chat.of(p.uid);
        p.tiles.camera.el.setAttribute('data-hand', said && said.hand ? '1' : '0');
        list.push({uid: p.uid, priv: P.ENTER | P.SEND_AUDIO | P.SEND_VIDEO,
                   audio: on(p.tiles.camera, 'audio'), video: on(p.tiles.camera, 'video'),
                   screen: !!p.tiles.screen, hand: !!(said && said.hand),
                   name: said ? said.name : ''});
    });
    ui.panel.setPeople(list);
}


/* ---- controls ---- */

function updateControls() {
    var md = navigator.mediaDevices;
    var a = local.audio && !local.audioMuted, v = local.video && !local.videoMuted;
    ui.showControls({
        audio: {shown: T.has(priv, P.SEND_AUDIO), enabled: local.audio, on: a},
        video: {shown: T.has(priv, P.SEND_VIDEO), enabled: local.video, on: v},
        share: {shown: T.has(priv, P.SEND_SCREEN), on: local.sharing,
                enabled: !!(md && md.getDisplayMedia)}
    });
    setFlag(own, 'audio', a);
    setFlag(own, 'video', v);
}


/* mute or unmute the microphone (kind "Audio") or the camera
 * ("Video"): the SDK's updateLocalAudio or updateLocalVideo */
function toggle(kind) {
    var track = kind.toLowerCase(), muted = track + 'Muted';
    if (!local[track]) {
        return Promise.resolve();
    }
    var mute = !local[muted];
    return trtc['updateLocal' + kind]({mute: mute}).then(function () {
        local[muted] = mute;
    }, function (e) {
        ui.setError('media', errText(e));
    }).then(updateControls);
}


function screenGone() {
    local.sharing = false;
    ui.removeTile(local.screenTile);
    local.screenTile = null;
    updateControls();
}


function toggleShare() {
    $('#share-screen').disabled = true;
    if (local.sharing) {
        return trtc.stopScreenShare().catch(function () {}).then(screenGone);
    }
    var tile = ui.makeOwnTile('screen');
    tile.el.setAttribute('data-video', 'on');
    local.screenTile = tile;
    return trtc.startScreenShare({view: viewOf(tile)}).then(function () {
        ui.clearError('share');
        local.sharing = true;
        updateControls();
    }, function (e) {
        screenGone();
        if (e && /NotAllowed|denied|cancel/i.test(String(e.message) + e.name)) {
            ui.shareCancelled();
        } else {
            ui.setError('share', t('shareFailed', {error: errText(e)}));
        }
    });
}


/* ---- local media, before entering (published once in) ---- */

function openMedia() {
    var wantA = T.has(priv, P.SEND_AUDIO);
    var wantV = T.has(priv, P.SEND_VIDEO);
    var want = {audio: wantA, video: wantV};
    var errV = null, errA = null;
    if (!wantA && !wantV) {
        ui.mediaNotice(want, {}, {});
        return Promise.resolve();
    }
    var video = !wantV ? Promise.resolve() : trtc.startLocalVideo({
        view: viewOf(own),
        option: Object.assign({mirror: false},      /* the tile's CSS mirrors */
                              ctx.session.camera ? {cameraId: ctx.session.camera} : {})
    }).then(function () {
        local.video = true;
    }, function (e) { errV = e; });
    return video.then(function () {
        return !wantA ? null : trtc.startLocalAudio({
            option: ctx.session.microphone ? {microphoneId: ctx.session.microphone} : {}
        }).then(function () {
            local.audio = true;
        }, function (e) { errA = e; });
    }).then(function () {
        ui.mediaNotice(want, {audio: local.audio, video: local.video},
                       {audio: errA && errText(errA), video: errV && errText(errV)});
        updateControls();
    });
}


/* ---- entering ---- */

/* the issued TURN servers (RTCIceServer form, room.js's ctx.ice) as the SDK's */
function turnServers() {
    var out = [];
    ctx.ice.iceServers.forEach(function (s) {
        [].concat(s.urls || []).forEach(function (url) {
            if (/^turns?:/.test(url)) {
                out.push({url: url, username: s.username, credential: s.credential,
                          credentialType: 'password'});
            }
        });
    });
    return out;
}


function enterParams() {
    var proxy = {
        websocketProxy: T.wsUrl(T.endpoints.websocketProxy),
        loggerProxy: location.origin + T.endpoints.loggerProxy
    };
    var turn = turnServers();
    if (turn.length) {
        proxy.turnServer = turn;
    }
    debug.proxy = proxy;
    var params = {
        sdkAppId: token.sdkAppId,
        userId: uid,
        userSig: token.userSig,
        privateMapKey: token.privateMapKey,
        enableAutoPlayDialog: false,
        proxy: proxy
    };
    if (typeof token.roomId === 'number') {
        params.roomId = token.roomId;
    } else {
        params.strRoomId = String(token.roomId);
    }
    return params;
}


/* the proxy's own check of this UserSig: 204, 401, or 0 (no answer) */
function checkToken() {
    var url = T.endpoints.signalCheck + '?userId=' + encodeURIComponent(uid)
              + '&userSig=' + encodeURIComponent(token.userSig);
    return fetch(url, {cache: 'no-store'}).then(function (res) {
        return res.status;
    }, function () {
        return 0;
    }).then(function (status) {
        debug.check = status;
        return status;
    });
}


/* refused: stop the SDK's retries, and say so (not the SDK's
 * words: it takes a refused socket for a firewall) */
function refused() {
    state.refused = true;
    clearTimeout(state.timer);
    ui.clearError('sdk');
    ui.setStatus('refused');
    ui.setError('signal', t('signalRefused'), ui.loginLink('signal_refused'));
    /* exitRoom does not stop a join under way: destroy does (and
     * closes the camera and microphone) */
    try {
        trtc.destroy();
    } catch (x) {
        trtc.exitRoom().catch(function () {});
    }
    local.audio = local.video = local.sharing = false;
    ui.removeTile(local.screenTile);
    local.screenTile = null;
    updateControls();
}


/* the SDK failed to enter or to reach its signaling: a refused
 * token, or the network? */
function diagnose(e, retry) {
    if (state.checking) {
        return !retry ? state.checking : state.checking.then(function () {
            return diagnose(e, true);
        });
    }
    state.checking = checkToken().then(function (status) {
        state.checking = null;
        if (state.leaving || state.refused) {
            return;
        }
        if (status === 401 || status === 403) {
            refused();
        } else if (retry) {
            ui.setError('signal', t('signalDown', {
                detail: status ? errText(e) : 'offline'
            }));
            var delay = Math.min(30000, 2000 * Math.pow(2, state.retry++));
            state.timer = setTimeout(enter, delay);
        }
    });
    return state.checking;
}


function enter() {
    if (state.leaving || state.refused) {
        return Promise.resolve();
    }
    ui.setStatus('connecting');
    return trtc.enterRoom(enterParams()).then(function () {
        debug.enter = {ok: true};
        state.entered = true;
        state.retry = 0;
        ui.clearError('signal');
        ui.setStatus('connected');
    }, function (e) {
        debug.enter = {ok: false, code: e && e.code, extraCode: e && e.extraCode,
                       message: errText(e)};
        if (!state.leaving && !state.refused) {
            return diagnose(e, true);
        }
        return null;
    });
}


/* ---- the SDK's events ---- */

function listen() {
    var E = SDK.EVENT;
    var on = function (name, fn) {
        trtc.on(name, function (ev) {
            fn(ev || {});
        });
    };
    on(E.ERROR, function (e) {
        debug.errors.push({code: e.code, extraCode: e.extraCode, message: e.message});
        if (state.leaving || state.refused) {
            return;
        }
        ui.setError('sdk', errText(e));
        /* the SDK retries a refused socket for ever, and calls
         * it a firewall (5501) */
        diagnose(e, false);
    });
    on(E.CONNECTION_STATE_CHANGED, function (ev) {
        if (state.entered && !state.leaving) {
            ui.setStatus(ev.state === 'CONNECTED' ? 'connected' : 'connecting');
            if (ev.state === 'CONNECTED') {
                ui.clearError('signal');
            } else if (ev.state === 'RECONNECTING') {
                ui.setError('signal', t('signalLost'));
            }
        }
    });
    /* "kick": this user id entered on a newer page, which stays (as
     * the embedded rooms do); "banned", "room_disband": Tencent's
     * server API removed it or ended the room */
    on(E.KICKED_OUT, function (ev) {
        ui.setStatus('refused');
        if (ev.reason === 'kick') {
            ui.setError('taken', t('takenOver', {user: uid}), ui.loginLink('taken'));
        } else if (ev.reason === 'banned' || ev.reason === 'room_disband') {
            var key = ev.reason === 'banned' ? 'removed' : 'ended';
            ui.setError(key, T.refusalText(key, ctx.roomKey), ui.loginLink(key));
        } else {
            ui.setError('signal', t('signalDown', {detail: 'kicked out: ' + ev.reason}),
                        ui.loginLink('signal_refused'));
        }
    });
    on(E.REMOTE_USER_ENTER, function (ev) {
        peer(ev.userId);
    });
    on(E.REMOTE_USER_EXIT, function (ev) {
        dropPeer(ev.userId);
    });
    on(E.REMOTE_AUDIO_AVAILABLE, function (ev) {
        setFlag(peer(ev.userId).tiles.camera, 'audio', true);
    });
    on(E.REMOTE_AUDIO_UNAVAILABLE, function (ev) {
        setFlag(peer(ev.userId).tiles.camera, 'audio', false);
    });
    on(E.REMOTE_VIDEO_AVAILABLE, function (ev) {
        var p = peer(ev.userId);
        var tile = p.tiles.camera;
        if (ev.streamType === SDK.TYPE.STREAM_TYPE_SUB) {
            if (!p.tiles.screen) {
                p.tiles.screen = ui.makeTile(p.uid, 'screen',
                                             {name: t('screenOf', {user: p.uid})});
                ui.insertTile(p.tiles.screen, p.tiles.camera);
            }
            tile = p.tiles.screen;
        }
        setFlag(tile, 'video', true);
        trtc.startRemoteVideo({userId: ev.userId, streamType: ev.streamType,
                               view: viewOf(tile)}).catch(function (e) {
            ui.setError('peer-' + ev.userId, t('peerFailed', {user: ev.userId})
                        + ' (' + errText(e) + ')');
        });
    });
    on(E.REMOTE_VIDEO_UNAVAILABLE, function (ev) {
        var p = peers.get(ev.userId);
        if (!p) {
            return;
        }
        trtc.stopRemoteVideo({userId: ev.userId, streamType: ev.streamType})
            .catch(function () {});
        if (ev.streamType === SDK.TYPE.STREAM_TYPE_SUB) {
            ui.removeTile(p.tiles.screen);
            p.tiles.screen = null;
        } else {
            setFlag(p.tiles.camera, 'video', false);
        }
    });
    on(E.SCREEN_SHARE_STOPPED, screenGone);
    on(E.AUTOPLAY_FAILED, function () {
        ui.setNotice('sound', t('soundBlocked'));
        document.addEventListener('click', function () {
            ui.clearNotice('sound');
        }, {once: true, capture: true});
    });
}


/* who speaks: the SDK's volumes ("" is this page) */
function listenVolume() {
    trtc.enableAudioVolumeEvaluation(300);
    trtc.on(SDK.EVENT.AUDIO_VOLUME, function (ev) {
        (ev.result || []).forEach(function (r) {
            var p = r.userId ? peers.get(r.userId) : null;
            var tile = r.userId ? p && p.tiles.camera : own;
            if (tile) {
                var on = tile.el.getAttribute('data-audio') === 'on'
                         && r.volume > SPEAKING_VOLUME;
                var v = on ? '1' : '0';
                if (tile.el.getAttribute('data-speaking') !== v) {
                    tile.el.setAttribute('data-speaking', v);
                }
            }
        });
    });
}


/* ---- leaving ---- */

function shutdown() {
    state.leaving = true;
    clearTimeout(state.timer);
    if (chat) {
        chat.stop();
    }
    if (!trtc || state.refused) {
        return Promise.resolve();       /* none, or destroyed */
    }
    var c = trtc;
    /* not waited for longer than room-ui.js's leave() waits */
    return Promise.all([
        c.stopScreenShare().catch(function () {}),
        c.stopLocalVideo().catch(function () {}),
        c.stopLocalAudio().catch(function () {})
    ]).then(function () {
        return state.entered ? c.exitRoom() : null;
    }).catch(function () {});
}


function start() {
    return loadSDK(T.endpoints.sdk).then(function (sdk) {
        SDK = sdk;
        if (!SDK || typeof SDK.create !== 'function') {
            throw new Error('the TRTC Web SDK did not load (' + T.endpoints.sdk
                            + '; make vendor)');
        }
        debug.sdkVersion = SDK.VERSION || null;
        if (chat) {
            chat.start();
        }
        trtc = SDK.create();
        listen();
        listenVolume();
        viewOf(own);
        updateControls();
        return openMedia().catch(function (e) {
            ui.setNotice('media', t('noDevices', {error: errText(e)}));
        }).then(function () {
            enter();            /* in the background: the page is ready */
        });
    });
}
