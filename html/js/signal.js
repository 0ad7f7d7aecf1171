/*
 * Room signaling through nginx (nchan), and who is in the room: the room
 * of the mesh (backend-mesh.js) and of the SFU (backend-janus.js), which
 * differ only in where media goes (their "media path").  The WebSocket
 * brings the room's channel and this member's inbox; messages go out
 * with POST; nginx stamps each with its sender's verified user id and
 * privilege bits (trtc_stamp).
 *
 * Protocol.  Every message is a JSON object
 *     {t: type, sid: <this page's random session id>, ...}
 * published with POST /signal/pub?room=R[&to=USER] and received on the
 * WebSocket as {"from": U, "privilege": P, "data": "<that JSON>"}; the
 * sender is always the stamped "from", never anything inside data.
 *
 *   hello    broadcast when the socket opens (also after a reconnect)
 *   welcome  to a newcomer's inbox, in answer to its hello
 *   hb       broadcast every 2 s (heartbeat); a member silent for 6 s is gone
 *   state    broadcast when mute or screen share changes
 *   bye      broadcast on leave and on pagehide, at once and kept alive
 *            past the page (a keepalive POST, the token in its header);
 *            what its sender sent before and arrives after it is dropped
 * and the media path's own (the mesh's sdp, ice and knock: its file).
 * hello, welcome, hb and state carry
 *   st:    {a: audio on, v: video on}
 *   media: {camera: MediaStream id or null, screen: MediaStream id or null,
 *           feeds: the SFU's feed ids}
 * so the receiver knows which incoming stream is the camera and which is
 * the screen before the tracks arrive.  A new sid for a known user (a
 * reload) replaces that user's member.
 *
 * A media path: {join(p, answering), leave(p), update(p, msg) (the
 * member announced other media), handle(from, priv, msg) (true: its
 * message), start(stream), share(stream) (which announces the screen),
 * unshare(), feeds(), close(), pc(p), pcOf(p, track), senders(), and
 * renew(key) where its connection takes a renewed PrivateMapKey}, made
 * by makePath(c) with the members and the means to signal.
 *
 * Touches: nginx's /signal/* endpoints; the page only through
 * room-ui.js and local-media.js.
 */

import * as T from './app.js';
import {createLocalMedia} from './local-media.js';
import {createHost} from './host.js';
import {watchQuality} from './quality.js';

var t = T.t;

var HEARTBEAT_TICKS = 2;        /* one tick a second: a heartbeat every 2 s */
var PEER_TIMEOUT_MS = 6000;
var ECHO_TIMEOUT_MS = 5000;     /* our own heartbeat not back: deaf */
var MESSAGES_KEPT = 100;
var DEPARTED_KEPT = 64;

/* the state of this page's createSignalRoom() */
var ui, me, roomKey, token, local, sig, members, departed, newest, messages, clock,
    path, host;


/* ctx: room.js's {ui, session, me, roomKey, token, ice, own}; makePath:
 * the media path's */
export function createSignalRoom(ctx, makePath) {
    ui = ctx.ui;
    me = ctx.me;
    roomKey = ctx.roomKey;
    token = ctx.token;
    local = createLocalMedia(ui, me, ctx.session, ctx.own);

    sig = {ws: null, open: false, retry: 0, timer: null, chains: new Map(),
           refused: false, overlap: null, echoAt: 0, deaf: false};
    members = new Map();    /* userId -> member */
    departed = new Set();   /* userId/sid of the members that said bye */
    newest = new Map();     /* userId -> {sid, at} of its latest page */
    messages = [];
    clock = {worker: null, timer: null, ticks: 0};

    path = makePath({ui: ui, local: local, me: me, roomKey: roomKey, token: token,
                     ice: ctx.ice, members: members, ensure: ensure, remove: remove,
                     update: update, direct: direct, announce: announce,
                     connected: function () { return sig.open; }});

    local.ended = ended;

    host = createHost({ui: ui, me: me, roomKey: roomKey, session: ctx.session,
                       token: function () { return token; }, send: send,
                       muteAudio: function () {
                           if (!local.state().a) {
                               return false;
                           }
                           toggle('audio');
                           return true;
                       },
                       stop: stopFor});

    ui.panel.enable({
        send: function (text) {
            return send({t: 'chat', text: text}).then(function (status) {
                return status >= 200 && status < 300;
            });
        },
        hand: function (up) {
            ui.setOwnHand(up);
            announce('state');
            people();
        }
    });

    return {
        start: function () {
            return local.open().catch(function (e) {
                ui.setNotice('media', t('noDevices', {error: T.errorText(e)}));
            }).then(function () {
                if (ui.leaving()) {
                    return;
                }
                local.render();
                controls();
                people();
                startClock();
                clock.quality = watchQuality(function () {
                    return Array.from(members.values());
                }, function (p) {
                    var r = p.remote && p.remote.values().next().value;
                    return r ? path.pcOf(p, r.track) : path.pc(p);
                });
                connect();
                path.start(local.stream);
            });
        },
        controls: controls,
        toggleAudio: function () { toggle('audio'); },
        toggleVideo: function () { toggle('video'); },
        toggleShare: share,
        switchDevice: function (kind, deviceId) {
            return local.switchDevice(kind, deviceId, path.senders());
        },
        localTracks: function () {
            return {audio: local.audio, video: local.video};
        },
        /* the bye, then everything let go */
        stop: function () {
            return bye().finally(shutdown);
        },
        /* a renewed token: the signaling socket opened again with it,
         * then the media path's own connection */
        renew: function (key) {
            token = key;
            resubscribe();
            return path.renew ? path.renew(key) : Promise.resolve();
        },
        /* the page goes away: the same bye, which outlives it */
        pagehide: function () {
            bye();
            shutdown();
        },
        debug: {
            peers: function () { return Array.from(members.keys()); },
            members: function () { return Array.from(members.values()); },
            screenTrack: function () {
                return local.screen ? local.screen.getVideoTracks()[0] || null : null;
            },
            publish: function (data, to) {
                return post(String(data), to);
            },
            messages: messages,
            pc: function (uid) {
                var p = members.get(uid);
                return p ? path.pc(p) : null;
            },
            pcOf: function (p, track) { return path.pcOf(p, track); },
            localStream: function () { return local.stream; },
            senders: function () { return path.senders(); },
            /* forget a member as if it had timed out (tests of the recovery) */
            drop: function (uid) {
                var p = members.get(uid);
                if (p) {
                    remove(p);
                }
                return !!p;
            },
            sfu: path.sfu || null
        }
    };
}


/* ---- out: one POST per message ---- */

function publishUrl(to) {
    return T.endpoints.publish + '?room=' + encodeURIComponent(roomKey)
           + (to ? '&to=' + encodeURIComponent(to) : '');
}


/* resolves with the HTTP status, 0 when it did not get through;
 * keepalive: the request outlives the page */
function post(body, to, keepalive) {
    return T.postMessage(publishUrl(to), token, body, keepalive);
}


/* the bye waits for no message before it (the page goes soon, whatever
 * is still on its way) and is kept alive past the page */
function bye() {
    return sig.open ? post(JSON.stringify({t: 'bye', sid: me.sid}), null, true)
                    : Promise.resolve();
}


/* messages to one destination go out in order (an offer before its
 * candidates); different destinations do not wait for each other */
function send(msg, to) {
    msg.sid = me.sid;
    msg.at = me.since;
    var body = JSON.stringify(msg);
    var key = to || '';
    var prev = sig.chains.get(key) || Promise.resolve();
    var p = prev.then(function () { return post(body, to); }).then(function (status) {
        published(status);
        return status;
    });
    sig.chains.set(key, p.catch(function () {}));
    return p;
}


function published(status) {
    if (status >= 200 && status < 300) {
        ui.clearError('publish');
        return;
    }
    if (ui.leaving()) {
        return;
    }
    if (status === 401 || status === 403) {
        ui.setError('publish', t('publishRejected', {status: status}),
                    ui.loginLink('signal_refused'));
    } else {
        ui.setError('publish', t('publishFailed',
                                 {detail: status ? 'HTTP ' + status : 'network'}));
    }
}


function mediaInfo() {
    return {
        camera: local.stream ? local.stream.id : null,
        screen: local.screen ? local.screenCarrier.id : null,
        feeds: path.feeds()
    };
}


/* {a: audio on, v: video on, h: hand raised}, as announced */
function myState() {
    var st = local.state();
    st.h = ui.panel.hand();
    if (me.name) {
        st.n = me.name;
    }
    return st;
}


function announce(type) {
    return send({t: type, st: myState(), media: mediaInfo()});
}


/* to one member's inbox, for this page of it */
function direct(p, msg) {
    msg.to = p.sid;
    if (msg.t === 'sdp') {
        msg.st = myState();
        msg.media = mediaInfo();
    }
    return send(msg, p.uid);
}


/* ---- in: the WebSocket ---- */

/* the socket of the room's channel and this member's inbox; renewing:
 * the one open now (with the old token) is the one to replace, quietly */
function connect(renewing) {
    if (ui.leaving() || sig.refused) {
        return;
    }
    clearTimeout(sig.timer);
    if (!renewing) {
        ui.setStatus('connecting');
    }
    var url = T.wsUrl(T.endpoints.subscribe + '?room=' + encodeURIComponent(roomKey)
                      + '&privateMapKey=' + encodeURIComponent(token));
    var ws, opened = false;
    try {
        ws = new WebSocket(url);
    } catch (e) {
        sig.overlap = null;
        ui.setError('signal', t('signalDown', {detail: T.errorText(e)}));
        return;
    }
    sig.ws = ws;
    ws.onopen = function () {
        opened = true;
        sig.open = true;
        sig.echoAt = Date.now();
        sig.retry = 0;
        ui.clearError('signal');
        ui.setStatus('connected');
        if (renewing) {
            retire(renewing);
        } else {
            announce('hello');
        }
    };
    ws.onmessage = function (e) {
        if (typeof e.data === 'string' && (!sig.overlap || sig.overlap(ws, e.data))) {
            onRaw(e.data);
        }
    };
    ws.onclose = function (e) {
        if (sig.ws !== ws) {
            return;             /* replaced by a renewal */
        }
        sig.open = false;
        if (ui.leaving() || sig.refused) {
            return;             /* left, or stopped for a reason it shows */
        }
        if (renewing) {
            retire(renewing);
        }
        ui.setStatus('connecting');
        if (opened) {
            ui.setError('signal', t('signalLost'));
            reconnect();
        } else {
            diagnose(e);
        }
    };
}


/* A renewed token: a second socket with it; the first is closed a
 * second after the second opened (what nginx had sent it by then comes
 * in first).  Meanwhile both bring what is published: each message is
 * handled once. */
var RETIRE_MS = 1000;
var OVERLAP_KEPT = 4096;

function resubscribe() {
    if (!sig.open || sig.overlap) {
        return;                 /* the next connect() takes the new token */
    }
    sig.overlap = overlap();
    connect(sig.ws);
}

function retire(old) {
    setTimeout(function () {
        try { old.close(); } catch (e) { /* closed */ }
        sig.overlap = null;
    }, RETIRE_MS);
}

/* true for the first arrival of each copy of a message: the n-th copy
 * a socket brings is new when no socket brought n copies before */
function overlap() {
    var seen = new Map();
    return function (ws, raw) {
        var c = seen.get(raw);
        if (!c) {
            c = {per: new Map(), handled: 0};
            if (seen.size < OVERLAP_KEPT) {
                seen.set(raw, c);
            }
        }
        var n = (c.per.get(ws) || 0) + 1;
        c.per.set(ws, n);
        if (n > c.handled) {
            c.handled = n;
            return true;
        }
        return false;
    };
}


function reconnect() {
    var delay = Math.min(10000, 1000 * Math.pow(2, sig.retry++));
    sig.timer = setTimeout(connect, delay);
}


/* a refused WebSocket does not say why: ask the publisher, which
 * checks the same token for the same room */
function diagnose(closeEvent) {
    post(JSON.stringify({t: 'probe', sid: me.sid})).then(function (status) {
        if (ui.leaving()) {
            return;
        }
        if (status === 401 || status === 403) {
            sig.refused = true;
            ui.setStatus('refused');
            ui.setError('signal', t('signalRefused'), ui.loginLink('signal_refused'));
        } else {
            ui.setError('signal', t('signalDown', {
                detail: status ? 'WebSocket ' + (closeEvent && closeEvent.code) : 'offline'
            }));
            reconnect();
        }
    });
}


function onRaw(text) {
    var outer, msg;
    try { outer = JSON.parse(text); } catch (e) { return; }
    if (!outer || typeof outer.from !== 'string' || typeof outer.data !== 'string') {
        return;
    }
    messages.push(outer);
    if (messages.length > MESSAGES_KEPT) {
        messages.splice(0, messages.length - MESSAGES_KEPT);
    }
    try { msg = JSON.parse(outer.data); } catch (e) { return; }
    if (!msg || typeof msg !== 'object' || typeof msg.t !== 'string'
        || typeof msg.sid !== 'string' || !T.validUserId(outer.from))
    {
        return;
    }
    if (outer.from === me.uid && msg.sid === me.sid) {
        sig.echoAt = Date.now();
        return;
    }
    if (outer.from === me.uid) {
        /* our own broadcast echoed; or this user id on a newer page (in
         * another tab or device), which takes over, as in TRTC */
        if (msg.sid !== me.sid && later(msg, {sid: me.sid, at: me.since})) {
            stopFor('taken', t('takenOver', {user: me.uid}));
        }
        return;
    }
    if (!latest(outer.from, msg)) {
        return;                 /* from a page this user id left for a newer one */
    }
    handle(outer.from, outer.privilege | 0, msg);
}


/* is a message from a later page than the one of {sid, at}? */
function later(msg, than) {
    var at = typeof msg.at === 'number' ? msg.at : 0;
    return at > than.at || (at === than.at && msg.sid > than.sid);
}


/* one page a user id: the latest seen; false for an earlier one's */
function latest(uid, msg) {
    var last = newest.get(uid);
    if (last && last.sid !== msg.sid && !later(msg, last)) {
        return false;
    }
    if (!last || last.sid !== msg.sid) {
        newest.set(uid, {sid: msg.sid, at: typeof msg.at === 'number' ? msg.at : 0});
    }
    return true;
}


function handle(from, priv, msg) {
    var p;
    if (departed.has(from + '/' + msg.sid)) {
        return;                 /* sent before its bye, arrived after it */
    }
    if (host.receive(from, priv, msg)) {
        return;
    }
    switch (msg.t) {
    case 'hello':
        p = ensure(from, msg.sid, priv);
        update(p, msg);
        send({t: 'welcome', to: msg.sid, st: myState(), media: mediaInfo()}, from);
        break;
    case 'welcome':
    case 'hb':
    case 'state':
        if (msg.to && msg.to !== me.sid) {
            return;
        }
        p = ensure(from, msg.sid, priv);
        update(p, msg);
        break;
    case 'chat':
        p = members.get(from);
        if (p && p.sid === msg.sid) {
            ui.panel.receive(from, msg.text, p.state.name);
        }
        break;
    case 'bye':
        departed.add(from + '/' + msg.sid);
        if (departed.size > DEPARTED_KEPT) {
            departed.delete(departed.values().next().value);
        }
        p = members.get(from);
        if (p && p.sid === msg.sid) {
            remove(p);
        }
        break;
    default:
        if (path.handle(from, priv, msg)) {
            return;
        }
        p = members.get(from);
        if (p && p.sid === msg.sid) {
            p.lastSeen = Date.now();
        }
    }
}


/* answering: a new member's connection is for answering an offer
 * that is here already, so it must not make one of its own */
function ensure(uid, sid, priv, answering) {
    var p = members.get(uid);
    if (p && p.sid !== sid) {
        remove(p);              /* reloaded: a new page, a new member */
        p = null;
    }
    if (!p) {
        p = {
            uid: uid, sid: sid, priv: priv, key: uid + '/' + sid,
            state: {audio: false, video: false},
            media: {camera: null, screen: null},
            mediaSeen: null,    /* the last media announced, as JSON */
            remote: new Map(),
            lastSeen: Date.now(),
            closed: false,
            tiles: {}
        };
        p.tiles.camera = ui.makeTile(uid, 'camera', {name: uid});
        p.tiles.camera.connAuto = !path.ownsConn;
        ui.insertTile(p.tiles.camera);
        host.decorate(p);
        members.set(uid, p);
        path.join(p, answering);
        count();
        ui.renderMember(p);
    }
    p.lastSeen = Date.now();
    if (p.priv !== priv) {
        p.priv = priv;
        ui.renderMember(p);
    }
    return p;
}


function remove(p) {
    if (p.closed) {
        return;
    }
    p.closed = true;
    path.leave(p);
    ui.removeTile(p.tiles.camera);
    ui.removeTile(p.tiles.screen);
    if (members.get(p.uid) === p) {
        members.delete(p.uid);
    }
    ui.clearError('peer-' + p.uid);
    count();
}


/* what a member announced: drawn again, and told to the media path,
 * only when it changed (a heartbeat every 2 s mostly changes nothing) */
function update(p, msg) {
    var changed = false;
    if (msg.st && typeof msg.st === 'object') {
        var st = {audio: msg.st.a === true, video: msg.st.v === true, hand: msg.st.h === true,
                  name: T.displayName(msg.st.n)};
        if (st.audio !== p.state.audio || st.video !== p.state.video
            || st.hand !== p.state.hand || st.name !== p.state.name)
        {
            p.state = st;
            changed = true;
        }
    }
    if (msg.media && typeof msg.media === 'object') {
        var media = {
            camera: typeof msg.media.camera === 'string' ? msg.media.camera : null,
            screen: typeof msg.media.screen === 'string' ? msg.media.screen : null
        };
        var seen = JSON.stringify([media.camera, media.screen, msg.media.feeds]);
        if (seen !== p.mediaSeen) {
            p.mediaSeen = seen;
            p.media = media;
            path.update(p, msg);
            changed = true;
        }
    }
    if (changed) {
        ui.renderMember(p);
        people();
    }
}


function count() {
    ui.setCount(members.size + 1);
    people();
}


/* everyone, for the people list: this page, and the members as stamped */
function people() {
    var st = myState();
    var list = [{uid: me.uid, name: me.name, me: true, priv: me.priv, audio: st.a,
                 video: st.v, screen: !!local.screen, hand: st.h}];
    members.forEach(function (p) {
        list.push({uid: p.uid, name: p.state.name, priv: p.priv, audio: p.state.audio,
                   video: p.state.video, screen: !!p.media.screen, hand: p.state.hand});
    });
    ui.panel.setPeople(list);
}


/* ---- the clock: heartbeats and vanished members ----
 * A worker's timer is not throttled in a background tab the way the
 * page's own timers are. */

function tick() {
    clock.ticks++;
    if (sig.open && clock.ticks % HEARTBEAT_TICKS === 0) {
        announce('hb');
    }
    var now = Date.now();
    /* our own heartbeats come back through the room: when they stop,
     * the network is gone, though the socket may not know it yet */
    var deaf = sig.open && now - sig.echoAt > ECHO_TIMEOUT_MS;
    if (deaf !== sig.deaf) {
        sig.deaf = deaf;
        if (sig.open) {
            ui.setStatus(deaf ? 'reconnecting' : 'connected');
        }
    }
    /* a member has vanished when our own heartbeat came back through the
     * room PEER_TIMEOUT_MS after theirs last did: measured against what
     * we heard, not against this clock, so a page or a machine too busy
     * to tick on time drops no one it merely has not heard yet */
    members.forEach(function (p) {
        if (!sig.open || deaf) {
            p.lastSeen = now;   /* we cannot hear anyone: drop no one */
        } else if (sig.echoAt - p.lastSeen > PEER_TIMEOUT_MS) {
            remove(p);
        }
    });
}


function startClock() {
    try {
        var src = 'setInterval(function () { postMessage(0); }, 1000);';
        var url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));
        clock.worker = new Worker(url);
        URL.revokeObjectURL(url);
        clock.worker.onmessage = tick;
    } catch (e) {
        clock.timer = setInterval(tick, 1000);
    }
    ui.startMeters();
}


/* ---- this page ---- */

function controls() {
    ui.showControls(local.controls());
}


function toggle(kind) {
    if (local.toggle(kind)) {
        controls();
        announce('state');
        people();
    }
}


function share() {
    if (local.screen) {
        stopShare();
        return;
    }
    /* the path sends it, and announces it when the others can
     * know it for the screen */
    local.startShare(stopShare).then(function (stream) {
        return stream ? path.share(stream) : null;
    }).finally(controls);
}


function stopShare(which) {
    if (!local.stopShare(which)) {
        return;
    }
    path.unshare();
    controls();
    if (sig.open) {
        announce('state');
    }
}


function shutdown() {
    if (clock.worker) { clock.worker.terminate(); }
    clearInterval(clock.timer);
    clearInterval(clock.quality);
    clearTimeout(sig.timer);
    if (sig.ws) {
        try { sig.ws.close(); } catch (e) { /* closed */ }
    }
    members.forEach(remove);
    path.close();
    local.stop();
    ui.stopAudio();
}


/* a host removed this member, or ended the room: everything let go, no
 * reconnecting, and the page says why (the server refuses it anyway) */
function stopFor(key, text) {
    if (sig.refused) {
        return;
    }
    sig.refused = true;
    shutdown();
    ui.setStatus('refused');
    ui.disableControls();
    ui.setError(key, text, ui.loginLink(key));
}


function ended() {
    controls();
    people();
    if (sig.open) {
        announce('state');
    }
}
