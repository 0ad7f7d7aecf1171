/*
 * A room's host (a PrivateMapKey with the create bit): remove a member,
 * end the room for everyone, ask a member to mute; and every page's
 * answer to a host.  The server decides: /api/remove (trtc_remove)
 * checks the host's token and cuts the member everywhere, whatever its
 * page does; the messages before it only tell the honest pages why, and
 * a page obeys one only when its stamped sender has the create bit.
 *
 * Messages, in the room's signaling (signal.js):
 *   mute-ask  to a member's inbox: turn the microphone off
 *   removed   to a member's inbox, before its removal
 *   ended     to the room, before everyone's removal
 *
 * Touches: the tiles' bars and the footer's host controls; /api/remove.
 */

import * as T from './app.js';

var t = T.t;
var P = T.PRIV;

/* how long the removed stay out, as the host picks (the server caps it
 * at the host token's lifetime) */
var KEEP_OUT = [600, 1800, 7200];


/* c: {ui, me, roomKey, session, token() (the current PrivateMapKey),
 * send(msg, to) (a Promise of its HTTP status), muteAudio() (true: it
 * was on), stop(key, text) (out of the room, saying why)} */
export function createHost(c) {
    var host = T.has(c.me.priv, P.CREATE);

    if (host && T.endpoints.remove) {
        footer(c);
    }

    return {
        /* a member's tile gets the host's buttons */
        decorate: function (p) {
            if (host && T.endpoints.remove && !p.tiles.camera.hostBar) {
                tileButtons(c, p);
            }
        },
        /* true: a host's message, handled */
        receive: function (from, priv, msg) {
            return receive(c, from, priv, msg);
        }
    };
}


function keepOut(c) {
    var s = T.$('#host-time');
    var secs = s ? parseInt(s.value, 10) || KEEP_OUT[0] : KEEP_OUT[0];
    var life = (c.session.token.expire | 0) || secs;
    return Math.min(secs, life);
}


function remove(c, user, notice) {
    return notice.then(function () {
        return fetch(T.endpoints.remove + '?room=' + encodeURIComponent(c.roomKey)
                     + '&user=' + encodeURIComponent(user) + '&time=' + keepOut(c), {
            method: 'POST',
            headers: {'X-TRTC-Token': c.token(), 'Content-Type': 'text/plain;charset=UTF-8'},
            body: '{}',
            cache: 'no-store'
        });
    }).then(function (res) {
        if (!res.ok) {
            throw new Error('HTTP ' + res.status);
        }
        return true;
    }).catch(function (e) {
        c.ui.setError('host', t('hostFailed', {error: T.errorText(e)}));
        return false;
    });
}


function tileButtons(c, p) {
    var mute = T.el('button', {type: 'button', class: 'host-btn', 'data-host': 'mute',
                               text: t('hostAskMute')});
    var out = T.el('button', {type: 'button', class: 'host-btn danger', 'data-host': 'remove',
                              text: t('hostRemove')});
    var bar = T.el('div', {class: 'host-bar'}, [mute, out]);

    [mute, out].forEach(function (b) {
        b.addEventListener('click', function (e) { e.stopPropagation(); });
        b.addEventListener('keydown', function (e) { e.stopPropagation(); });
    });
    mute.addEventListener('click', function () {
        c.send({t: 'mute-ask', sid: c.me.sid}, p.uid);
    });
    out.addEventListener('click', function () {
        out.disabled = mute.disabled = true;
        remove(c, p.uid, c.send({t: 'removed', sid: c.me.sid}, p.uid));
    });
    p.tiles.camera.el.appendChild(bar);
    p.tiles.camera.hostBar = bar;
}


function footer(c) {
    var box = T.$('#host-controls');
    if (!box) {
        return;
    }
    var select = T.$('#host-time');
    KEEP_OUT.forEach(function (secs) {
        select.appendChild(T.el('option', {value: String(secs),
                                           text: t('hostMinutes', {n: secs / 60})}));
    });
    T.$('#host-end').addEventListener('click', function () {
        T.$('#host-end').disabled = true;
        remove(c, '*', c.send({t: 'ended', sid: c.me.sid})).then(function (ok) {
            if (ok) {
                c.stop('ended', t('youEnded'));
            } else {
                T.$('#host-end').disabled = false;
            }
        });
    });
    box.hidden = false;
}


function receive(c, from, priv, msg) {
    if (msg.t !== 'mute-ask' && msg.t !== 'removed' && msg.t !== 'ended') {
        return false;
    }
    if (!T.has(priv, P.CREATE)) {
        return true;            /* not a host's: nothing to obey */
    }
    switch (msg.t) {
    case 'mute-ask':
        if (from !== c.me.uid && c.muteAudio()) {
            c.ui.setNotice('host', t('mutedBy', {user: from}));
        }
        break;
    case 'removed':
        c.stop('removed', t('removedBy', {user: from}));
        break;
    case 'ended':
        c.stop('ended', t('endedBy', {user: from}));
        break;
    }
    return true;
}
