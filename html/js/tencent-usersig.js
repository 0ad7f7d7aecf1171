/*
 * What nginx serves in place of the signing file of Tencent's own TRTC web
 * demos (README.md, "Tencent's demo folders"): v4 base-js's
 * js/debug/GenerateTestUserSig.js and v5 quick-demo-js's
 * js/libs/generateTestUserSig.js.  Same interface, no key: the tokens come
 * from the trtc_issue location of the same server (a synchronous request,
 * since the demos call genTestUserSig synchronously).  Also what the
 * demos' scripts are rewritten to call (sub_filter), so that the SDK's
 * signaling goes through nginx's gated proxy and enters the room with a
 * PrivateMapKey:
 *
 *   genTestUserSig(userId)                          v4: {sdkAppId, userSig}
 *   genTestUserSig({sdkAppId, userId, sdkSecretKey}) v5: the same (the key,
 *                                                    if any, is ignored)
 *   trtcCreateClient(options)    v4: TRTC.createClient, with the proxy set
 *                                and a PrivateMapKey for the room joined
 *   trtcEnterRoom(trtc, options) v5: trtc.enterRoom, with proxy and
 *                                PrivateMapKey
 *   trtcInviteLink(roomId)       quick-demo's invite link: the room, a
 *                                fresh user id, never a token
 *
 * A classic script (the demos load it with <script src>), no build step.
 * The paths below are those of README.md's recipe; nginx fills in the
 * SDKAppID (sub_filter of the placeholder below with $trtc_sdkappid, the
 * first and only one in this file: sub_filter replaces one).
 */

(function (global) {
    'use strict';

    var ISSUER = '/trtc/usersig';
    var WS_PROXY = '/trtc/ws/';
    var LOG_PROXY = '/trtc/log';
    var SDKAPPID = Number('@SDKAPPID@') || 0;

    /* the issuer's reply for a user (and a room): synchronous */
    function issue(userId, roomId) {
        var q = '?userId=' + encodeURIComponent(String(userId));
        var xhr = new XMLHttpRequest();
        var reply;

        if (userId === undefined || userId === null || userId === '') {
            throw new Error('genTestUserSig: no user id');
        }

        if (roomId !== undefined && roomId !== null && roomId !== '') {
            q += '&roomId=' + encodeURIComponent(String(roomId));
        }

        xhr.open('GET', ISSUER + q, false);
        xhr.send();

        try {
            reply = JSON.parse(xhr.responseText);
        } catch (e) {
            reply = {};
        }

        if (xhr.status !== 200 || typeof reply.userSig !== 'string') {
            throw new Error('the server issued no UserSig for "' + userId
                            + '": ' + xhr.status + ' '
                            + (reply.error || xhr.statusText));
        }

        if (reply.userId !== String(userId)) {
            /* the operator's trtc_issue_user decides who the token is for:
             * the SDK would be refused with another user's UserSig */
            throw new Error('the server issues tokens for "' + reply.userId
                            + '" here, not for "' + userId + '"');
        }

        SDKAPPID = reply.sdkAppId;
        return reply;
    }

    function genTestUserSig(arg) {
        var userId = (arg !== null && typeof arg === 'object')
                     ? arg.userId : arg;
        var t = issue(userId, arg && arg.roomId);
        var out = {sdkAppId: t.sdkAppId, userSig: t.userSig};

        if (t.privateMapKey) {
            out.privateMapKey = t.privateMapKey;
        }

        return out;
    }

    genTestUserSig.sdkAppId = SDKAPPID;

    function url(path, ws) {
        var l = global.location;
        var scheme = l.protocol === 'https:' ? 'https:' : 'http:';

        if (ws) {
            scheme = scheme === 'https:' ? 'wss:' : 'ws:';
        }

        return scheme + '//' + l.host + path;
    }

    function roomOf(o) {
        return o.strRoomId !== undefined && o.strRoomId !== ''
               ? o.strRoomId : o.roomId;
    }

    /* v5: TRTC.create()'s enterRoom, through the gated proxy, with a
     * PrivateMapKey for exactly the room entered */
    function trtcEnterRoom(trtc, options) {
        var o = {};
        var k;

        for (k in options) {
            if (Object.prototype.hasOwnProperty.call(options, k)) {
                o[k] = options[k];
            }
        }

        o.proxy = {};

        for (k in (options.proxy || {})) {
            if (Object.prototype.hasOwnProperty.call(options.proxy, k)) {
                o.proxy[k] = options.proxy[k];
            }
        }

        o.proxy.websocketProxy = url(WS_PROXY, true);
        o.proxy.loggerProxy = url(LOG_PROXY, false);

        if (!o.privateMapKey) {
            o.privateMapKey = issue(o.userId, roomOf(o)).privateMapKey;
        }

        return trtc.enterRoom(o);
    }

    /* v4: TRTC.createClient, whose signaling goes to the gated proxy and
     * whose join carries a PrivateMapKey for the room joined */
    function trtcCreateClient(options) {
        var client = global.TRTC.createClient(options);
        var join = client.join;

        client.setProxyServer({websocketProxy: url(WS_PROXY, true),
                               loggerProxy: url(LOG_PROXY, false)});

        client.join = function (o) {
            var p = {};
            var k;

            for (k in (o || {})) {
                if (Object.prototype.hasOwnProperty.call(o, k)) {
                    p[k] = o[k];
                }
            }

            if (!p.privateMapKey) {
                p.privateMapKey = issue(options.userId, roomOf(p))
                                  .privateMapKey;
            }

            return join.call(client, p);
        };

        return client;
    }

    /* quick-demo's invite link: its invite page with the room and a user
     * id of its own, and no token (the invitee gets one from the issuer) */
    function trtcInviteLink(roomId) {
        var l = global.location;
        var page = l.pathname.replace(/[^\/]*$/, '') + 'invite/invite.html';

        return l.origin + page + '?sdkAppId=' + SDKAPPID
               + '&userId=' + Math.floor(Math.random() * 1000000)
               + '&roomId=' + encodeURIComponent(String(roomId));
    }

    global.genTestUserSig = genTestUserSig;
    global.trtcEnterRoom = trtcEnterRoom;
    global.trtcCreateClient = trtcCreateClient;
    global.trtcInviteLink = trtcInviteLink;
}(window));
