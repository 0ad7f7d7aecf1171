/*
 * The SFU mode's media path: a small client of Janus's VideoRoom over
 * the plain Janus API on a WebSocket (subprotocol "janus-protocol"),
 * chosen by room.js when nginx says endpoints.media === 'sfu'.
 *
 * Presence and identity stay on the room's stamped signaling
 * (signal.js); this file only moves media:
 *   - it asks nginx for the Janus signed tokens of this page's
 *     PrivateMapKey (endpoints.sfuToken) and has nginx make the room
 *     (endpoints.sfuRoom; "already exists" is fine), then opens the
 *     Janus socket through nginx (endpoints.sfuSocket), which checks
 *     the PrivateMapKey for the room before the upgrade;
 *   - every Janus request carries the core token; every join carries
 *     the room token and the room's pin, so Janus itself refuses a room
 *     other than the token's;
 *   - the camera goes out on one publisher handle, the screen on another
 *     (its own feed); signal.js announces both feed ids in its stamped
 *     messages;
 *   - signal.js says which feeds each member announced (want()); a feed is
 *     subscribed to (one subscriber handle each) only when a member
 *     announced it and Janus lists it as a publisher of the room under
 *     that member's name; its stream goes into that member's tiles.
 *
 * Janus API, in short: {janus: "create"} makes a session,
 * {janus: "attach", plugin} a handle, {janus: "message", body, jsep} talks
 * to the plugin ("ack" at once, then an "event" with the same
 * transaction), {janus: "trickle"} sends candidates, {janus: "keepalive"}
 * every 25 s keeps the session (Janus drops it after 60 s of silence).
 *
 * Touches: nginx's /sfu/* endpoints and Janus through them, the members'
 * remote tracks (p.remote); the page only through room-ui.js.
 */
import * as T from './app.js';
import {createSignalRoom} from './signal.js';

var t = T.t;
var P = T.PRIV;

var PLUGIN = 'janus.plugin.videoroom';
var KEEPALIVE_MS = 25000;
var REQUEST_MS = 15000;

function sfuError(text, code) {
    var e = new Error(text);
    e.code = code || 0;
    return e;
}

/* the state of this page's JanusRoom() */
var opts, jr;


/*
 * opts: roomKey, privateMapKey, display (the verified user id),
 *       sendAudio, sendVideo (may this page send them),
 *       ice (the RTCPeerConnection configuration: TURN servers, policy),
 *       onStream(key, kind, stream or null): a member's camera or
 *           screen, as announced, arrived, changed or went away,
 *       onState(text or null): an error to show, or none any more
 */
function JanusRoom(optsArg) {
    opts = optsArg;

    jr = {
        ws: null, next: null, old: null, session: null, tokens: null, txs: new Map(),
        handles: new Map(),     /* handle id -> handle */
        pub: {camera: null, screen: null},
        publishers: new Map(),  /* feed id -> display, as Janus lists them */
        wants: new Map(),       /* member key -> {uid, camera, screen} */
        subs: new Map(),        /* feed id -> subscription */
        keepalive: null, closed: false, ready: null,
        camera: null, screen: null,     /* what to publish, again after a loss */
        down: false, retry: 0, timer: null
    };

    return {
        /* tokens, room, socket, session; then the camera */
        start: function (stream) {
            jr.camera = stream || null;
            return connectAll();
        },
        renew: renew,
        /* the feeds of this page, for its announcements */
        feeds: function () {
            return {
                camera: jr.pub.camera ? jr.pub.camera.feed : null,
                screen: jr.pub.screen ? jr.pub.screen.feed : null
            };
        },
        share: function (stream) {
            if (!jr.ready) {
                return Promise.reject(sfuError('not connected to the SFU'));
            }
            jr.screen = stream;
            return jr.ready.then(function () {
                if (jr.screen !== stream || jr.pub.screen) {
                    return null;        /* stopped, or sent again already */
                }
                return publish('screen', stream, stream.getVideoTracks().slice(0, 1));
            });
        },
        unshare: function () {
            jr.screen = null;
            unpublish('screen');
        },
        /* the feeds a member announced (or null: gone) */
        want: function (key, uid, feeds) {
            if (!feeds) {
                jr.wants.delete(key);
            } else {
                jr.wants.set(key, {uid: uid, camera: feedOf(feeds.camera),
                                   screen: feedOf(feeds.screen)});
            }
            reconcile();
        },
        /* the connection a received track came in */
        pcOf: function (track) {
            var found = null;
            jr.subs.forEach(function (s) {
                if (s.handle && s.handle.pc && s.stream.getTracks().indexOf(track) >= 0) {
                    found = s.handle.pc;
                }
            });
            return found;
        },
        /* this page's sending connections (tests and figures) */
        publishers: function () {
            return ['camera', 'screen'].map(function (k) {
                return jr.pub[k] && jr.pub[k].handle ? jr.pub[k].handle.pc : null;
            }).filter(Boolean);
        },
        /* as if the connection broke (tests of the recovery) */
        drop: function () {
            if (jr.ws) {
                jr.ws.close();
            }
        },
        close: function () {
            jr.closed = true;
            clearTimeout(jr.timer);
            clearInterval(jr.keepalive);
            jr.subs.forEach(unsubscribe);
            if (jr.ws && jr.ws.readyState === WebSocket.OPEN) {
                try {
                    jr.ws.send(JSON.stringify({janus: 'destroy', session_id: jr.session,
                                               token: jr.tokens.token,
                                               transaction: T.randomId()}));
                } catch (e) { /* closing */ }
            }
            jr.handles.forEach(function (h) {
                if (h.pc) {
                    try { h.pc.close(); } catch (e) { /* closed */ }
                }
            });
            if (jr.ws) {
                try { jr.ws.close(); } catch (e) { /* closed */ }
            }
        }
    };
}


/* ---- nginx: the tokens and the room ---- */

function roomQuery() {
    return '?room=' + encodeURIComponent(opts.roomKey);
}


function fetchJson(url, method) {
    return fetch(url + roomQuery(), {
        method: method,
        headers: {'X-TRTC-Token': opts.privateMapKey},
        cache: 'no-store'
    }).then(function (res) {
        if (!res.ok) {
            throw sfuError('HTTP ' + res.status + ' from ' + url, res.status);
        }
        return res.json();
    });
}


function makeRoom() {
    return fetchJson(T.endpoints.sfuRoom, 'POST').then(function (r) {
        var d = r && r.response;
        if (!d || (d.videoroom !== 'created' && d.error_code !== 427)) {
            throw sfuError('the room was not made: '
                           + ((d && d.error) || (r && r.error && r.error.reason) || '?'));
        }
    });
}


/* ---- the socket ---- */

function socketUrl() {
    return T.wsUrl(T.endpoints.sfuSocket + roomQuery()
                   + '&privateMapKey=' + encodeURIComponent(opts.privateMapKey));
}


/* a socket to Janus with this page's PrivateMapKey; resolves once open.
 * Its messages count while it is the socket (jr.ws), the one a renewal
 * claims the session on (jr.next) or the one a renewal retires (jr.old) */
function openSocket() {
    return new Promise(function (resolve, reject) {
        var ws = new WebSocket(socketUrl(), 'janus-protocol');
        var opened = false;
        ws.onopen = function () {
            opened = true;
            resolve(ws);
        };
        ws.onmessage = function (e) {
            var m;
            if (jr.ws !== ws && jr.next !== ws && jr.old !== ws) {
                return;             /* a socket given up on */
            }
            try { m = JSON.parse(e.data); } catch (x) { return; }
            if (m && typeof m === 'object') {
                onMessage(m);
            }
        };
        ws.onclose = function () {
            if (!opened) {
                reject(sfuError('the SFU socket was refused'));
                return;
            }
            if (jr.ws !== ws) {
                return;             /* retired, or given up on */
            }
            jr.txs.forEach(function (tx) {
                tx.reject(sfuError('the SFU socket closed'));
            });
            jr.txs.clear();
            if (!jr.closed) {
                lost();
            }
        };
    });
}


/* A renewed PrivateMapKey: the Janus tokens of it, a second socket with
 * it, the session claimed on that one; the first is closed a second
 * later (the answers it still owes come in first).  The session, its
 * handles and their media go on as they are. */
var RETIRE_MS = 1000;

function renew(privateMapKey) {
    opts.privateMapKey = privateMapKey;
    if (jr.closed || jr.down || !jr.session || jr.next) {
        return Promise.resolve();   /* the next connectAll() takes it */
    }
    return fetchJson(T.endpoints.sfuToken, 'GET').then(function (tokens) {
        jr.tokens = tokens;
        return openSocket();
    }).then(function (ws) {
        jr.next = ws;
        return request({janus: 'claim'}, ws);
    }).then(function () {
        var old = jr.ws;
        jr.old = old;
        jr.ws = jr.next;
        jr.next = null;
        setTimeout(function () {
            if (jr.old === old) {
                jr.old = null;
            }
            try { old.close(); } catch (e) { /* closed */ }
        }, RETIRE_MS);
    }, function (e) {
        if (jr.next) {
            try { jr.next.close(); } catch (x) { /* closed */ }
            jr.next = null;
        }
        throw e;
    });
}


/* one request; resolves with the reply ("success", or the plugin's
 * "event" for a message), rejects on "error" */
function request(msg, socket) {
    var ws = socket || jr.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
        return Promise.reject(sfuError('the SFU socket is not open'));
    }
    msg.transaction = T.randomId();
    msg.token = jr.tokens.token;
    if (jr.session && msg.janus !== 'create') {
        msg.session_id = jr.session;
    }
    return new Promise(function (resolve, reject) {
        var tx = {resolve: resolve, reject: reject, timer: null};
        tx.timer = setTimeout(function () {
            jr.txs.delete(msg.transaction);
            reject(sfuError('no answer from the SFU to ' + msg.janus));
        }, REQUEST_MS);
        jr.txs.set(msg.transaction, tx);
        ws.send(JSON.stringify(msg));
    });
}


function settle(m, ok) {
    var tx = jr.txs.get(m.transaction);
    if (!tx) {
        return false;
    }
    jr.txs.delete(m.transaction);
    clearTimeout(tx.timer);
    if (ok) {
        tx.resolve(m);
    } else {
        tx.reject(sfuError((m.error && m.error.reason) || 'error', m.error && m.error.code));
    }
    return true;
}


function onMessage(m) {
    var h = m.sender ? jr.handles.get(m.sender) : null;
    switch (m.janus) {
    case 'ack':
        return;             /* the event follows */
    case 'success':
    case 'error':
        settle(m, m.janus === 'success');
        return;
    case 'event':
        var data = m.plugindata && m.plugindata.data;
        if (data && data.error_code) {
            if (!settle({transaction: m.transaction,
                         error: {reason: data.error, code: data.error_code}}, false))
            {
                console.warn('SFU: ' + data.error);
            }
            return;
        }
        if (!settle(m, true) && h && data) {
            h.onEvent(data, m.jsep || null);
        }
        return;
    case 'trickle':
        if (h && h.pc && m.candidate && !m.candidate.completed) {
            h.pc.addIceCandidate(m.candidate).catch(function () {});
        }
        return;
    case 'hangup':
    case 'detached':
        if (h) {
            h.onGone();
        }
        return;
    case 'timeout':
        lost();
        return;
    }
}


/* the socket, the session or a publisher is gone: everything
 * again from the start, a little later (1, 2, 4 .. 10 s); while
 * connecting (down), connectAll's own failure does that */
function lost() {
    if (jr.closed || jr.down) {
        return;
    }
    jr.down = true;
    opts.onState('the connection to the SFU was lost; connecting again');
    teardown();
    jr.timer = setTimeout(connectAll, Math.min(10000, 1000 * Math.pow(2, jr.retry++)));
}


function teardown() {
    var ws = jr.ws;
    clearInterval(jr.keepalive);
    jr.ws = null;
    jr.session = null;
    jr.txs.forEach(function (tx) {
        clearTimeout(tx.timer);
        tx.reject(sfuError('the SFU socket closed'));
    });
    jr.txs.clear();
    jr.subs.forEach(unsubscribe);
    jr.handles.forEach(function (h) {
        if (h.pc) {
            try { h.pc.close(); } catch (e) { /* closed */ }
        }
    });
    jr.handles.clear();
    jr.pub = {camera: null, screen: null};
    jr.publishers.clear();
    if (ws) {
        try { ws.close(); } catch (e) { /* closed */ }
    }
}


/* tokens, room, socket, session; then the camera (and the
 * screen, when back after a loss) */
function connectAll() {
    jr.down = true;         /* a loss meanwhile: the catch below */
    jr.ready = fetchJson(T.endpoints.sfuToken, 'GET').then(function (tokens) {
        jr.tokens = tokens;
        return makeRoom();
    }).then(openSocket).then(function (ws) {
        if (jr.closed) {
            ws.close();
            throw sfuError('left');
        }
        jr.ws = ws;
        return request({janus: 'create'});
    }).then(function (r) {
        jr.session = r.data.id;
        jr.keepalive = setInterval(function () {
            request({janus: 'keepalive'}).catch(function () {});
        }, KEEPALIVE_MS);
        var stream = jr.camera;
        var tracks = stream ? stream.getTracks().filter(function (tr) {
            return tr.kind === 'audio' ? opts.sendAudio : opts.sendVideo;
        }) : [];
        return publish('camera', stream, tracks);
    }).then(function () {
        if (jr.screen) {
            return publish('screen', jr.screen, jr.screen.getVideoTracks().slice(0, 1));
        }
    }).then(function () {
        jr.down = false;
        jr.retry = 0;
        opts.onState(null);
        reconcile();
    });
    jr.ready.catch(function (e) {
        if (jr.closed) {
            return;
        }
        jr.down = false;
        if (e.code === 401 || e.code === 403) {
            opts.onState(e.message);    /* the token is refused: no use */
        } else {
            lost();
        }
    });
    return jr.ready;
}


/* ---- handles ---- */

function attach(onEvent, onGone) {
    return request({janus: 'attach', plugin: PLUGIN}).then(function (r) {
        var h = {
            id: r.data.id, pc: null,
            onEvent: onEvent || function () {},
            onGone: onGone || function () {}
        };
        jr.handles.set(h.id, h);
        return h;
    });
}


function message(h, body, jsep) {
    var msg = {janus: 'message', handle_id: h.id, body: body};
    if (jsep) {
        msg.jsep = jsep;
    }
    return request(msg).then(function (r) {
        return {data: r.plugindata && r.plugindata.data, jsep: r.jsep || null};
    });
}


function detach(h) {
    if (!h) {
        return;
    }
    jr.handles.delete(h.id);
    if (h.pc) {
        try { h.pc.close(); } catch (e) { /* closed */ }
    }
    request({janus: 'detach', handle_id: h.id}).catch(function () {});
}


function newPc(h) {
    var pc = new RTCPeerConnection(opts.ice || {iceServers: []});
    h.pc = pc;
    pc.onicecandidate = function (e) {
        if (!jr.handles.has(h.id)) {
            return;
        }
        request({janus: 'trickle', handle_id: h.id,
                 candidate: e.candidate ? e.candidate.toJSON() : {completed: true}})
            .catch(function () {});
    };
    return pc;
}


/* ---- the room's publishers, as Janus lists them ---- */

function notePublishers(data) {
    var changed = false;
    if (Array.isArray(data.publishers)) {
        data.publishers.forEach(function (x) {
            if (feedOf(x.id) !== null && typeof x.display === 'string') {
                jr.publishers.set(x.id, x.display);
                changed = true;
            }
        });
    }
    ['unpublished', 'leaving'].forEach(function (k) {
        if (feedOf(data[k]) !== null && jr.publishers.delete(data[k])) {
            changed = true;
        }
    });
    if (changed) {
        reconcile();
    }
}


/* ---- publishing ---- */

function join(h) {
    return message(h, {
        request: 'join', ptype: 'publisher', room: jr.tokens.room,
        pin: jr.tokens.pin, token: jr.tokens.roomToken,
        display: opts.display
    }).then(function (r) {
        if (!r.data || r.data.videoroom !== 'joined') {
            throw sfuError('the SFU did not let this page in');
        }
        notePublishers(r.data);
        return r.data.id;
    });
}


/* tracks: what to send; kind: 'camera' or 'screen' */
function publish(kind, stream, tracks) {
    var gone = function () {
        if (jr.pub[kind] === entry) {
            lost();             /* Janus hung up on a publisher */
        }
    };
    var h = null;
    var entry = {handle: null, feed: null};
    jr.pub[kind] = entry;
    return attach(function (data) { notePublishers(data); }, gone).then(function (x) {
        h = entry.handle = x;
        return join(h);
    }).then(function (feed) {
        if (!tracks.length) {
            return null;            /* listening only */
        }
        var pc = newPc(h);
        tracks.forEach(function (tr) {
            pc.addTransceiver(tr, {direction: 'sendonly', streams: [stream]});
        });
        return pc.setLocalDescription().then(function () {
            return message(h, {
                request: 'publish',
                audio: tracks.some(function (x) { return x.kind === 'audio'; }),
                video: tracks.some(function (x) { return x.kind === 'video'; })
            }, pc.localDescription.toJSON());
        }).then(function (r) {
            if (!r.jsep || r.jsep.type !== 'answer') {
                throw sfuError('the SFU did not take the ' + kind);
            }
            return pc.setRemoteDescription(r.jsep);
        }).then(function () {
            if (jr.pub[kind] === entry) {
                entry.feed = feed;
            }
            return feed;
        });
    }).catch(function (e) {
        if (jr.pub[kind] === entry) {
            jr.pub[kind] = null;
        }
        detach(h);
        throw e;
    });
}


function unpublish(kind) {
    var entry = jr.pub[kind];
    jr.pub[kind] = null;
    if (entry && entry.handle) {
        message(entry.handle, {request: 'leave'}).catch(function () {}).then(function () {
            detach(entry.handle);
        });
    }
}


/* which feed belongs to which member: announced by that member
 * (stamped signaling) and listed by Janus under its name, and
 * claimed so by no one else.  Only a claim Janus confirms counts: any
 * member may announce any feed id (all are in the heartbeats), and an
 * unconfirmed claim must not take a feed from its owner. */
function reconcile() {
    if (!jr.session || jr.closed) {
        return;
    }
    var owners = new Map();
    var claims = new Map();
    jr.wants.forEach(function (w, key) {
        ['camera', 'screen'].forEach(function (kind) {
            var f = w[kind];
            if (f !== null && jr.publishers.get(f) === w.uid) {
                claims.set(f, (claims.get(f) || 0) + 1);
                owners.set(f, {key: key, kind: kind});
            }
        });
    });
    claims.forEach(function (n, f) {
        if (n > 1) {
            owners.delete(f);
        }
    });
    jr.subs.forEach(function (s, feed) {
        var o = owners.get(feed);
        if (!o || o.key !== s.key || o.kind !== s.kind) {
            unsubscribe(s);
        }
    });
    owners.forEach(function (o, feed) {
        if (!jr.subs.has(feed)) {
            subscribe(feed, o.key, o.kind);
        }
    });
}


function subscribe(feed, key, kind) {
    var s = {feed: feed, key: key, kind: kind, handle: null,
             stream: new MediaStream(), done: false};
    jr.subs.set(feed, s);
    attach(null, function () { unsubscribe(s); }).then(function (h) {
        if (s.done) {
            detach(h);
            return null;
        }
        s.handle = h;
        return message(h, {
            request: 'join', ptype: 'subscriber', room: jr.tokens.room,
            pin: jr.tokens.pin, token: jr.tokens.roomToken,
            streams: [{feed: feed}]
        }).then(function (r) {
            if (!r.jsep || r.jsep.type !== 'offer') {
                throw sfuError('no offer for feed ' + feed);
            }
            var pc = newPc(h);
            pc.ontrack = function (e) {
                if (s.done) {
                    return;
                }
                s.stream.addTrack(e.track);
                e.track.addEventListener('ended', function () {
                    s.stream.removeTrack(e.track);
                    report(s);
                });
                report(s);
            };
            return pc.setRemoteDescription(r.jsep).then(function () {
                return pc.setLocalDescription();
            }).then(function () {
                return message(h, {request: 'start'}, pc.localDescription.toJSON());
            });
        });
    }).catch(function (e) {
        console.warn('SFU: feed ' + feed, e);
        if (!s.done) {
            unsubscribe(s);
            /* once more a little later, if still wanted */
            setTimeout(reconcile, 2000);
        }
    });
}


function report(s) {
    if (!s.done) {
        opts.onStream(s.key, s.kind, s.stream);
    }
}


function unsubscribe(s) {
    if (s.done) {
        return;
    }
    s.done = true;
    if (jr.subs.get(s.feed) === s) {
        jr.subs.delete(s.feed);
    }
    if (s.handle) {
        detach(s.handle);
    }
    opts.onStream(s.key, s.kind, null);
}


/* ---- the room's API ---- */

function feedOf(x) {
    return typeof x === 'number' && x > 0 && x <= Number.MAX_SAFE_INTEGER ? x : null;
}

export function createJanusBackend(ctx) {
    return createSignalRoom(ctx, janusPath);
}

/* the media path of signal.js: Janus's VideoRoom */

function janusPath(c) {
    var ui = c.ui, local = c.local, me = c.me;

    var sfu = JanusRoom({
        roomKey: c.roomKey, privateMapKey: c.token, display: me.uid, ice: c.ice,
        sendAudio: T.has(me.priv, P.SEND_AUDIO), sendVideo: T.has(me.priv, P.SEND_VIDEO),
        onStream: function (key, kind, stream) {
            c.members.forEach(function (p) {
                if (p.key !== key || p.closed) {
                    return;
                }
                p.remote.forEach(function (r, id) {
                    if (r.kind === kind) {
                        p.remote.delete(id);
                    }
                });
                (stream ? stream.getTracks() : []).forEach(function (tr) {
                    p.remote.set(tr.id, {track: tr, stream: stream, kind: kind});
                });
                ui.renderMember(p);
            });
        },
        onState: function (text) {
            if (text) {
                ui.setError('sfu', t('signalDown', {detail: 'SFU: ' + text}));
            } else {
                ui.clearError('sfu');
            }
        }
    });

    return {
        join: function () {},
        leave: function (p) { sfu.want(p.key, p.uid, null); },
        update: function (p, msg) {
            if (msg.media && typeof msg.media === 'object') {
                sfu.want(p.key, p.uid, msg.media.feeds || {});
            }
        },
        handle: function () { return false; },
        /* the camera's feed, announced once Janus has it */
        start: function (stream) {
            sfu.start(stream).then(function () {
                if (c.connected()) {
                    c.announce('state');
                }
            }, function (e) {
                ui.setError('sfu', t('signalDown', {detail: 'SFU: ' + T.errorText(e)}));
            });
        },
        /* the screen: a feed of its own, announced once Janus has it */
        share: function (stream) {
            return sfu.share(stream).then(function () {
                if (c.connected() && local.screen === stream) {
                    c.announce('state');
                }
            }, function (e) {
                ui.setError('share', t('shareFailed', {error: T.errorText(e)}));
            });
        },
        unshare: function () { sfu.unshare(); },
        renew: function (key) { return sfu.renew(key); },
        feeds: function () { return sfu.feeds(); },
        close: function () { sfu.close(); },
        pc: function () { return null; },
        pcOf: function (p, track) { return sfu.pcOf(track); },
        senders: function () { return sfu.publishers(); },
        sfu: sfu
    };
}
