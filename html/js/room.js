/*
 * The room page: who this tab is in which room (its credentials from the
 * login page), the UI (room-ui.js), and one backend for the media, as
 * the server's TRTC_ENDPOINTS say:
 *
 *   backend "trtc"   TRTC Cloud through the TRTC Web SDK (backend-trtc.js)
 *   media "sfu"      Janus's VideoRoom (backend-janus.js)
 *   otherwise        browser to browser (backend-mesh.js)
 *
 * A backend: {start(), controls(), toggleAudio(), toggleVideo(),
 * toggleShare(), stop() (leaving), pagehide(), debug}, renew(key)
 * where it takes a renewed PrivateMapKey without leaving the room, and
 * switchDevice(kind, id) with localTracks() where it can switch devices.
 * The embedded two share the room's signaling and presence (signal.js).
 *
 * Touches: this tab's credentials, window.trtcDebug (for the tests).
 */

import * as T from './app.js';
import {createRoomUI} from './room-ui.js';
import {createDeviceMenu} from './room-devices.js';

var t = T.t;

/* TURN (trtc_turn_*): the servers and credentials issued with the token,
 * and the server's relay-only switch.  Past turnExpiresAt no new
 * connection gets through the TURN server, so the session ends then, as
 * at the token's own expiry. */
function iceOf(token) {
    var ice = {iceServers: Array.isArray(token.iceServers) ? token.iceServers : []};
    if (T.endpoints.iceTransportPolicy === 'relay') {
        ice.iceTransportPolicy = 'relay';
    }
    return ice;
}

function sessionEnd(token, ice) {
    var end = token.expiresAt | 0;
    if (ice.iceServers.length && (token.turnExpiresAt | 0) > 0) {
        end = Math.min(end, token.turnExpiresAt | 0);
    }
    return end;
}

/* Renewal: a fresh token from the issuer while this one has a third of
 * its life left (5 minutes at most); nginx closes the connections of a
 * token that expired (trtc_auth_close_expired).  A failure is tried
 * again every few seconds until the session's end. */
var RENEW_AHEAD_MAX_S = 300;
var RENEW_RETRY_MS = 5000;

function renewIn(token, end) {
    var ahead = Math.min(RENEW_AHEAD_MAX_S, Math.max(1, (token.expire | 0) / 3));
    return Math.max(0, (end - ahead) * 1000 - Date.now());
}

function keepRenewed(ctx, backend, end) {
    var session = ctx.session, room = ctx.ui;

    function renew() {
        if (room.leaving()) {
            return;
        }
        T.issueToken(ctx.me.uid, ctx.roomKey, session.role).then(function (token) {
            if (token.userId !== ctx.me.uid || String(token.roomId) !== ctx.roomKey) {
                throw new Error('the issuer answered for another member');
            }
            session.token = token;
            T.saveSession(session);
            ctx.token = token.privateMapKey;
            ctx.ice.iceServers = iceOf(token).iceServers;
            end = sessionEnd(token, ctx.ice);
            room.expireAt(end);
            ctx.renewals++;
            return backend.renew(token.privateMapKey);
        }).then(function () {
            setTimeout(renew, renewIn(session.token, end));
        }, function (e) {
            console.warn('renewing the token:', e);
            if (Date.now() / 1000 < end && !room.leaving()) {
                setTimeout(renew, RENEW_RETRY_MS);
            }
        });
    }

    setTimeout(renew, renewIn(session.token, end));
}

function roomFromPath() {
    var m = location.pathname.match(/^\/room\/([^/]+)\/?$/);
    if (!m) {
        return null;
    }
    try { return decodeURIComponent(m[1]); } catch (e) { return null; }
}

function backendOf(endpoints) {
    if (endpoints.backend === 'trtc') {
        return import(endpoints.backendScript || './backend-trtc.js').then(function (m) {
            return m.createTrtcBackend;
        });
    }
    if (endpoints.media === 'sfu') {
        return import('./backend-janus.js').then(function (m) {
            return m.createJanusBackend;
        });
    }
    return import('./backend-mesh.js').then(function (m) {
        return m.createMeshBackend;
    });
}

function main() {
    var roomKey = roomFromPath();

    T.translate();

    if (!T.served) {
        var ui = createRoomUI(roomKey, {uid: '', priv: 0});
        ui.setError('served', t('errNotServed'));
        ui.disableControls();
        return;
    }

    if (roomKey === null) {
        location.replace('/');
        return;
    }

    var session = T.loadSession(roomKey);

    if (!session) {
        location.replace('/?denied=no_session&roomId=' + encodeURIComponent(roomKey));
        return;
    }

    var ice = iceOf(session.token);
    var end = sessionEnd(session.token, ice);

    if (end <= Date.now() / 1000) {
        T.dropSession(roomKey);
        location.replace('/?denied=expired&roomId=' + encodeURIComponent(roomKey));
        return;
    }

    /* since: when this page came, by the server's clock: of two pages
     * of one user id the later one stays (signal.js) */
    var me = {uid: session.token.userId, sid: T.randomId(),
              priv: session.token.privilege | 0,
              since: T.serverNow(session.token),
              name: typeof session.name === 'string' ? session.name.slice(0, 64) : ''};
    me.key = me.uid + '/' + me.sid;

    document.title = t('roomTitle', {room: roomKey}) + ' · ' + me.uid;
    T.$('#room-title').textContent = t('roomTitle', {room: roomKey});

    var room = createRoomUI(roomKey, me);
    room.setStatus('connecting');
    room.setCount(1);
    room.expireAt(end);

    /* what a backend gets; own: this page's camera tile */
    var ctx = {ui: room, session: session, me: me, roomKey: roomKey,
               token: session.token.privateMapKey, ice: ice, own: null,
               renewals: 0};

    backendOf(T.endpoints).then(function (create) {
        ctx.own = room.makeOwnTile('camera');
        var backend = create(ctx);

        room.onControls({
            audio: function () { backend.toggleAudio(); },
            video: function () { backend.toggleVideo(); },
            share: function () { backend.toggleShare(); },
            leave: function () { room.leave(backend.stop); }
        });

        window.addEventListener('pagehide', function () {
            if (!room.leaving()) {
                backend.pagehide();
            }
        });

        window.trtcDebug = Object.assign({
            self: me.uid,
            sid: me.sid,
            privilege: me.priv,
            renewals: function () { return ctx.renewals; },
            stats: function () { return stats(backend.debug); }
        }, backend.debug);

        if (backend.renew) {
            keepRenewed(ctx, backend, end);
        }

        if (backend.switchDevice) {
            createDeviceMenu(backend.localTracks, backend.switchDevice, function (text) {
                room.setNotice('device', text);
            });
        }

        backend.controls();
        return backend.start();
    }).catch(function (e) {
        room.setError('backend', T.errorText(e));
    }).then(function () {
        document.body.setAttribute('data-ready', '1');
    });

    window.addEventListener('pageshow', function (e) {
        if (e.persisted) {
            location.reload();      /* back from the cache: start afresh */
        }
    });
}

/* for the tests: frames decoded and width of each member's video */
function stats(debug) {
    var out = {};
    var jobs = [];

    function one(p, tile) {
        var r = {framesDecoded: 0, videoWidth: 0};
        var vt = tile ? tile.tracks.find(function (x) { return x.kind === 'video'; }) : null;
        if (!vt) {
            return Promise.resolve(r);
        }
        r.videoWidth = tile.video.videoWidth;
        var pc = debug.pcOf(p, vt);
        if (!pc) {
            return Promise.resolve(r);
        }
        return pc.getStats(vt).then(function (report) {
            report.forEach(function (s) {
                if (s.type === 'inbound-rtp' && s.kind === 'video') {
                    r.framesDecoded = s.framesDecoded || 0;
                }
            });
            return r;
        }, function () { return r; });
    }

    (debug.members ? debug.members() : []).forEach(function (p) {
        jobs.push(one(p, p.tiles.camera).then(function (r) {
            out[p.uid] = r;
            if (p.tiles.screen) {
                return one(p, p.tiles.screen).then(function (s) { r.screen = s; });
            }
        }));
    });

    return Promise.all(jobs).then(function () { return out; });
}

main();
