/*
 * The mesh: media browser to browser, one RTCPeerConnection per member,
 * negotiated through the room's signaling (signal.js) with messages to
 * the member's inbox:
 *
 *   sdp      {to: its sid, cid, d: {type, sdp}}
 *   ice      {to: its sid, cid, c: candidate}
 *   knock    {to, cid}: a new connection of the polite side, waiting for
 *            an offer
 *
 * cid names the sender's RTCPeerConnection, rcid the receiver's one as
 * far as the sender knows (null until paired): messages for an earlier
 * connection are ignored, and an offer from a new connection of the
 * other side (rcid null) or a knock makes this side start over too.
 *
 * Negotiation: the first offer comes from the side with the smaller
 * "userId/sid" (with receive-only transceivers when it has nothing to
 * send); the other side puts its tracks into that offer's transceivers
 * when answering.  After that it is "perfect negotiation": either side
 * may offer at any time (screen share on and off); on a collision the
 * polite side (the larger "userId/sid") gives way.
 *
 * Privileges are enforced on the receiving side (room-ui.js
 * renderMember): media from a member whose stamped privilege lacks the
 * matching send bit is never rendered or played.
 *
 * Touches: a member's connection state on its object (p.pc and the
 * negotiation's fields) and its remote tracks; the page only through
 * room-ui.js, the network only through signal.js.
 */

import * as T from './app.js';
import {createSignalRoom} from './signal.js';

var t = T.t;
var P = T.PRIV;

var POLITE_WAIT_MS = 4000;

export function createMeshBackend(ctx) {
    return createSignalRoom(ctx, meshPath);
}

/* c: signal.js's {ui, local, me, roomKey, token, ice, members, ensure, remove,
 * update, direct, announce, connected} */

/* the state of this page's meshPath() */
var c, ui, local, me;


function meshPath(cArg) {
    c = cArg;

    ui = c.ui;
    local = c.local;
    me = c.me;

    return {
        ownsConn: true,         /* its tiles show its connections' state */
        join: join, leave: leave, handle: handle,
        update: function () {},
        start: function () {},
        share: share, unshare: unshare,
        feeds: function () { return undefined; },
        close: function () {},
        pc: function (p) { return p.pc; },
        pcOf: function (p) { return p.pc; },
        /* the connections this page sends on: one per member */
        senders: function () {
            return Array.from(c.members.values()).map(function (p) { return p.pc; });
        }
    };
}


function sendSignal(p, msg) {
    msg.cid = p.cid;
    msg.rcid = p.remoteCid;
    return c.direct(p, msg);
}


function txOf(pc, sender) {
    return pc.getTransceivers().find(function (x) { return x.sender === sender; }) || null;
}


/* a member's connection; answering: for an offer that is here */
function join(p, answering) {
    var pc = new RTCPeerConnection(c.ice);
    p.pc = pc;
    p.cid = T.randomId();       /* this connection, in its sdp and ice */
    p.remoteCid = null;
    p.polite = me.key > p.key;
    p.seenStreams = new WeakSet();
    p.queue = Promise.resolve();
    p.makingOffer = false;
    p.ignoreOffer = false;
    p.answerPending = false;
    p.screenTx = null;

    pc.onnegotiationneeded = function () {
        if (p.closed) {
            return;
        }
        p.makingOffer = true;
        pc.setLocalDescription().then(function () {
            if (!p.closed) {
                sendSignal(p, {t: 'sdp', d: pc.localDescription.toJSON()});
            }
        }).catch(function (e) {
            console.warn('offer to ' + p.uid, e);
        }).finally(function () {
            p.makingOffer = false;
        });
    };

    pc.onicecandidate = function (e) {
        if (e.candidate && !p.closed) {
            sendSignal(p, {t: 'ice', c: e.candidate.toJSON()});
        }
    };

    pc.ontrack = function (e) {
        onTrack(p, e);
    };

    ui.setConn(p.tiles.camera, 'new');
    pc.onconnectionstatechange = function () {
        var s = pc.connectionState;
        if (p.closed) {
            return;
        }
        ui.setConn(p.tiles.camera, s);
        if (s === 'failed') {
            ui.setError('peer-' + p.uid, t('peerFailed', {user: p.uid}));
            pc.restartIce();
        } else if (s === 'connected') {
            ui.clearError('peer-' + p.uid);
        }
    };

    /* The first offer comes from the impolite side only: a glare on
     * the very first offer (rolled back) left Chromium gathering no
     * ICE candidates at all.  The polite side adds its tracks when
     * that offer arrives, before answering; or after a while if it
     * never does. */
    if (p.polite || answering) {
        p.pendingLocal = true;
        if (!answering) {
            sendSignal(p, {t: 'knock'});
        }
        p.pendingTimer = setTimeout(function () {
            if (!p.closed && p.pendingLocal) {
                addLocalTracks(p);
                ensureOffer(p);
            }
        }, POLITE_WAIT_MS);
    } else {
        addLocalTracks(p);
        ensureOffer(p);
    }
}


function leave(p) {
    clearTimeout(p.pendingTimer);
    try { p.pc.close(); } catch (e) { /* closed */ }
}


/* What this page takes from a member: no kind of media its stamped
 * privilege does not let it send.  Its connection only sends that kind
 * to it (sendonly, or inactive): a browser receives on a section only
 * where its own description says so, and trtc_stamp passes no
 * description of that member's that sends the kind; so a modified page
 * gets nothing of that kind through, not even bytes. */
function takes(p, kind) {
    return kind === 'audio' ? T.has(p.priv, P.SEND_AUDIO)
                            : T.has(p.priv, P.SEND_VIDEO) || T.has(p.priv, P.SEND_SCREEN);
}

function restrict(p) {
    p.pc.getTransceivers().forEach(function (x) {
        if (takes(p, x.receiver.track.kind) || x.stopped || x.currentDirection === 'stopped') {
            return;
        }
        if (x.direction === 'sendrecv') {
            x.direction = 'sendonly';
        } else if (x.direction === 'recvonly') {
            x.direction = 'inactive';
        }
    });
}


/* always something to offer: receive audio and video at least */
function ensureOffer(p) {
    ['audio', 'video'].forEach(function (kind) {
        var has = p.pc.getTransceivers().some(function (x) {
            return x.receiver.track.kind === kind;
        });
        if (!has) {
            p.pc.addTransceiver(kind, {direction: 'recvonly'});
        }
    });
    restrict(p);
}


function addLocalTracks(p) {
    var pc = p.pc;
    p.pendingLocal = false;
    clearTimeout(p.pendingTimer);
    if (local.audio && T.has(me.priv, P.SEND_AUDIO)) {
        pc.addTrack(local.audio, local.stream);
    }
    if (local.video && T.has(me.priv, P.SEND_VIDEO)) {
        pc.addTrack(local.video, local.stream);
    }
    if (local.screen) {
        p.screenTx = txOf(pc, pc.addTrack(local.screen.getVideoTracks()[0], local.screenCarrier));
    }
    restrict(p);
}


/* knock, sdp and ice: the mesh's own messages */
function handle(from, priv, msg) {
    var p;
    if (msg.t === 'knock') {
        /* a new connection of theirs waits for our offer: if ours is
         * paired with an older one of theirs, start over */
        if (msg.to !== me.sid || typeof msg.cid !== 'string') {
            return true;
        }
        p = c.ensure(from, msg.sid, priv);
        c.update(p, msg);
        if (!p.polite && p.remoteCid && p.remoteCid !== msg.cid) {
            c.remove(p);
            c.ensure(from, msg.sid, priv);
        }
        return true;
    }
    if (msg.t !== 'sdp' && msg.t !== 'ice') {
        return false;
    }
    if (msg.to !== me.sid || typeof msg.cid !== 'string') {
        return true;            /* for an earlier page of ours */
    }
    var fresh = msg.t === 'sdp' && msg.d && msg.d.type === 'offer' && !msg.rcid;
    p = c.ensure(from, msg.sid, priv, fresh);
    if (msg.rcid && msg.rcid !== p.cid) {
        return true;            /* for an earlier connection of ours */
    }
    if (p.remoteCid && msg.cid !== p.remoteCid) {
        if (!fresh) {
            return true;        /* from an earlier connection of theirs */
        }
        /* they started over (they had dropped us): so do we */
        c.remove(p);
        p = c.ensure(from, msg.sid, priv, true);
    }
    if (!p.remoteCid) {
        if (msg.t !== 'sdp') {
            return true;
        }
        p.remoteCid = msg.cid;  /* paired */
    }
    c.update(p, msg);
    p.queue = p.queue.then(function () {
        return onSignal(p, msg);
    }).catch(function (e) {
        console.warn('signal from ' + p.uid, e);
    });
    return true;
}


function onSignal(p, msg) {
    var pc = p.pc;
    if (p.closed) {
        return Promise.resolve();
    }
    if (msg.t === 'ice') {
        if (!msg.c || typeof msg.c !== 'object') {
            return Promise.resolve();
        }
        return pc.addIceCandidate(msg.c).catch(function (e) {
            if (!p.ignoreOffer) {
                console.warn('candidate from ' + p.uid, e);
            }
        });
    }
    var d = msg.d;
    if (!d || (d.type !== 'offer' && d.type !== 'answer') || typeof d.sdp !== 'string') {
        return Promise.resolve();
    }
    var ready = !p.makingOffer && (pc.signalingState === 'stable' || p.answerPending);
    var collision = d.type === 'offer' && !ready;
    p.ignoreOffer = !p.polite && collision;
    if (p.ignoreOffer) {
        return Promise.resolve();
    }
    p.answerPending = d.type === 'answer';
    return pc.setRemoteDescription({type: d.type, sdp: d.sdp}).finally(function () {
        p.answerPending = false;
    }).then(function () {
        if (d.type === 'offer' && !p.closed) {
            if (p.pendingLocal) {
                addLocalTracks(p);      /* into the offer's transceivers */
            }
            restrict(p);
            return pc.setLocalDescription().then(function () {
                sendSignal(p, {t: 'sdp', d: pc.localDescription.toJSON()});
            });
        }
    });
}


function onTrack(p, e) {
    var stream = e.streams && e.streams[0];
    var track = e.track;
    if (!stream || p.closed) {
        return;                 /* we always send tracks in a stream */
    }
    p.remote.set(track.id, {track: track, stream: stream});
    var again = function () { ui.renderMember(p); };
    if (!p.seenStreams.has(stream)) {
        p.seenStreams.add(stream);
        stream.addEventListener('removetrack', again);
        stream.addEventListener('addtrack', again);
    }
    if (!p.seenStreams.has(track)) {
        p.seenStreams.add(track);
        track.addEventListener('ended', again);
        track.addEventListener('mute', again);
        track.addEventListener('unmute', again);
    }
    ui.renderMember(p);
}


/* tell the others which stream is the screen, then send it */
function share(stream) {
    var track = stream.getVideoTracks()[0];
    c.announce('state');
    c.members.forEach(function (p) {
        if (p.closed || p.pendingLocal) {
            return;                 /* gets the screen with the rest */
        }
        var tx = p.screenTx;
        if (tx && !tx.stopped && tx.currentDirection !== 'stopped') {
            tx.sender.replaceTrack(track).catch(function (e) { console.warn(e); });
            tx.direction = 'sendrecv';
        } else {
            p.screenTx = txOf(p.pc, p.pc.addTrack(track, local.screenCarrier));
        }
        restrict(p);
    });
}


function unshare() {
    c.members.forEach(function (p) {
        var tx = p.screenTx;
        if (p.closed || !tx || tx.currentDirection === 'stopped') {
            return;
        }
        tx.sender.replaceTrack(null).catch(function () {});
        tx.direction = 'recvonly';      /* renegotiates: the tile goes away */
        restrict(p);
    });
}
