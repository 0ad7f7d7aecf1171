/*
 * Chat and raised hands for a backend whose media and presence are
 * elsewhere (TRTC Cloud, backend-trtc.js): the room's signaling of
 * nginx (nchan, as signal.js uses it), for these messages alone.  Every
 * message is stamped by nginx with its sender's verified user id
 * (trtc_stamp), so the sender a chat line shows is that one, as in the
 * embedded modes.
 *
 * Messages ({t, sid, ...}, published with POST, received on the room's
 * WebSocket as {"from", "privilege", "data"}):
 *   hello  when the socket opens: {n: display name, h: hand raised};
 *          the others answer with a hello of their own when their hand
 *          is up, so a newcomer sees it
 *   hand   {h: raised or not, n}
 *   chat   {text}
 * Nothing is kept but each member's hand and name, as last said.
 *
 * Touches: nginx's /signal/* endpoints (TRTC_ENDPOINTS subscribe and
 * publish); the page only through the callbacks it is given.
 */

import * as T from './app.js';

var RETRY_MAX_MS = 10000;
var KNOWN_MAX = 1000;           /* members remembered; more: forgotten */

/* c: {me, roomKey, token (the PrivateMapKey), hand() -> own hand up,
 *     chat(from, text, name), changed() (a hand or a name)} */
export function createRoomChat(c) {
    var ws = null, retry = 0, timer = null, stopped = false;
    var known = new Map();      /* user id -> {hand, name} */

    function post(msg) {
        msg.sid = c.me.sid;
        return T.postMessage(T.endpoints.publish + '?room=' + encodeURIComponent(c.roomKey),
                             c.token, JSON.stringify(msg));
    }

    function hello() {
        return post({t: 'hello', h: c.hand(), n: c.me.name || undefined});
    }

    function remember(from, msg) {
        var k = known.get(from) || {hand: false, name: ''};
        if (typeof msg.h === 'boolean') {
            k.hand = msg.h;
        }
        if (typeof msg.n === 'string') {
            k.name = T.displayName(msg.n);
        }
        if (!known.has(from) && known.size >= KNOWN_MAX) {
            known.delete(known.keys().next().value);
        }
        known.set(from, k);
        c.changed();
    }

    function onMessage(text) {
        var outer, msg;
        try {
            outer = JSON.parse(text);
            msg = JSON.parse(outer.data);
        } catch (e) {
            return;
        }
        if (!msg || typeof msg.t !== 'string' || typeof outer.from !== 'string'
            || !T.validUserId(outer.from) || outer.from === c.me.uid)
        {
            return;             /* our own, from any of our pages */
        }
        switch (msg.t) {
        case 'hello':
            remember(outer.from, msg);
            if (c.hand()) {
                post({t: 'hand', h: true, n: c.me.name || undefined});
            }
            break;
        case 'hand':
            remember(outer.from, msg);
            break;
        case 'chat':
            c.chat(outer.from, msg.text, (known.get(outer.from) || {}).name);
            break;
        }
    }

    function connect() {
        if (stopped) {
            return;
        }
        var url = T.wsUrl(T.endpoints.subscribe + '?room=' + encodeURIComponent(c.roomKey)
                          + '&privateMapKey=' + encodeURIComponent(c.token));
        try {
            ws = new WebSocket(url);
        } catch (e) {
            return;
        }
        ws.onopen = function () {
            retry = 0;
            hello();
        };
        ws.onmessage = function (e) {
            if (typeof e.data === 'string') {
                onMessage(e.data);
            }
        };
        ws.onclose = function () {
            ws = null;
            if (!stopped) {
                timer = setTimeout(connect, Math.min(RETRY_MAX_MS, 1000 * Math.pow(2, retry++)));
            }
        };
    }

    return {
        start: connect,
        stop: function () {
            stopped = true;
            clearTimeout(timer);
            if (ws) {
                try { ws.close(); } catch (e) { /* closed */ }
            }
        },
        /* true once published (the stamping server took it) */
        send: function (text) {
            return post({t: 'chat', text: text}).then(function (status) {
                return status >= 200 && status < 300;
            });
        },
        hand: function (up) {
            return post({t: 'hand', h: up, n: c.me.name || undefined});
        },
        /* what a member last said of itself: {hand, name}, or null */
        of: function (uid) {
            return known.get(uid) || null;
        },
        forget: function (uid) {
            if (known.delete(uid)) {
                c.changed();
            }
        }
    };
}
