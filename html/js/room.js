/*
 * The room: local preview, a grid of the others, mute, screen share,
 * leave.  Media goes browser to browser (one RTCPeerConnection per peer,
 * a mesh); signaling goes through nginx (nchan), which stamps every
 * message with its sender's verified user id and privilege bits.
 *
 * Signaling protocol.  Every message is a JSON object
 *     {t: type, sid: <this page's random session id>, ...}
 * published with POST /signal/pub?room=R[&to=USER] and received on the
 * WebSocket as {"from": U, "privilege": P, "data": "<that JSON>"}; the
 * sender is always the stamped "from", never anything inside data.
 *
 *   hello    broadcast when the socket opens (also after a reconnect)
 *   welcome  to a newcomer's inbox, in answer to its hello
 *   hb       broadcast every 2 s (heartbeat); a peer silent for 6 s is gone
 *   state    broadcast when mute or screen share changes
 *   bye      broadcast on leave (and by sendBeacon on pagehide)
 *   sdp      to a peer's inbox: {to: its sid, cid, d: {type, sdp}}
 *   ice      to a peer's inbox: {to: its sid, cid, c: candidate}
 *   knock    to a peer's inbox: {to, cid}: a new connection of the polite
 *            side, waiting for an offer
 *            cid names the sender's RTCPeerConnection, rcid the receiver's
 *            one as far as the sender knows (null until paired): messages
 *            for an earlier connection are ignored, and an offer from a
 *            new connection of the other side (rcid null) or a knock makes
 *            this side start over too
 * hello, welcome, hb, state and sdp also carry
 *   st:    {a: audio on, v: video on}
 *   media: {camera: MediaStream id or null, screen: MediaStream id or null}
 * so the receiver knows which incoming stream is the camera and which is
 * the screen before the tracks arrive; in the SFU mode also
 *   media.feeds: {camera: Janus feed id or null, screen: the same}
 * the feeds to subscribe to for this member (js/backend-janus.js).
 *
 * Negotiation: the first offer comes from the side with the smaller
 * "userId/sid" (with receive-only transceivers when it has nothing to
 * send); the other side puts its tracks into that offer's transceivers
 * when answering.  After that it is "perfect negotiation": either side
 * may offer at any time (screen share on and off); on a collision the
 * polite side (the larger "userId/sid") gives way.  A new sid for a known
 * user (a reload) replaces that user's connection.
 *
 * Privileges are enforced on the receiving side: media from a peer whose
 * stamped privilege lacks the matching send bit is never rendered or
 * played.
 */
(function () {
    'use strict';

    var T = window.TRTC;
    var t = T.t;
    var P = T.PRIV;
    var $ = function (s) { return document.querySelector(s); };

    var HEARTBEAT_TICKS = 2;        /* one tick a second: a heartbeat every 2 s */
    var PEER_TIMEOUT_MS = 6000;
    var MESSAGES_KEPT = 100;

    var grid = $('#grid');
    var errors = new Map();
    var notices = new Map();

    /* ---- alerts: never a silent failure ---- */

    function renderBox(box, map) {
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

    function setError(key, text, action) {
        errors.set(key, {text: text, action: action});
        renderBox($('#room-error'), errors);
    }

    function clearError(key) {
        if (errors.delete(key)) {
            renderBox($('#room-error'), errors);
        }
    }

    function setNotice(key, text, action) {
        notices.set(key, {text: text, action: action});
        renderBox($('#room-notice'), notices);
    }

    function clearNotice(key) {
        if (notices.delete(key)) {
            renderBox($('#room-notice'), notices);
        }
    }

    function loginLink(reason, roomKey) {
        var href = '/?denied=' + encodeURIComponent(reason)
                   + (roomKey !== null ? '&roomId=' + encodeURIComponent(roomKey) : '');
        return T.el('a', {href: href, class: 'button-link', text: t('backToLogin')});
    }

    T.translate();

    /* ---- who and where ---- */

    function roomFromPath() {
        var m = location.pathname.match(/^\/room\/([^/]+)\/?$/);
        if (!m) {
            return null;
        }
        try { return decodeURIComponent(m[1]); } catch (e) { return null; }
    }

    var roomKey = roomFromPath();

    if (!T.served) {
        setError('served', t('errNotServed'));
        disableControls();
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

    /* TURN (trtc_turn_*): the servers and credentials issued with the
     * token, and the server's relay-only switch (TRTC_ENDPOINTS).  Past
     * turnExpiresAt no new connection gets through the TURN server, so
     * the session ends then, as at the token's own expiry. */
    var ice = {iceServers: Array.isArray(session.token.iceServers)
                           ? session.token.iceServers : []};
    if (T.endpoints.iceTransportPolicy === 'relay') {
        ice.iceTransportPolicy = 'relay';
    }
    var sessionEnd = session.token.expiresAt | 0;
    if (ice.iceServers.length && (session.token.turnExpiresAt | 0) > 0) {
        sessionEnd = Math.min(sessionEnd, session.token.turnExpiresAt | 0);
    }

    if (sessionEnd <= Date.now() / 1000) {
        T.dropSession(roomKey);
        location.replace('/?denied=expired&roomId=' + encodeURIComponent(roomKey));
        return;
    }

    var token = session.token.privateMapKey;

    var me = {
        uid: session.token.userId,
        sid: randomId(),
        priv: session.token.privilege | 0
    };
    me.key = me.uid + '/' + me.sid;

    var local = {
        stream: null,       /* camera + microphone */
        audio: null,
        video: null,
        screen: null,       /* the screen share's own MediaStream */
        /* the stream the screen is sent in: one id for the page's life,
         * so a second share on the same transceiver keeps its msid
         * (Chromium kept the first msid despite sender.setStreams) */
        screenCarrier: new MediaStream(),
        tiles: {}
    };

    var peers = new Map();  /* userId -> peer */
    var messages = [];
    var leaving = false;

    /* the SFU mode (TRTC_ENDPOINTS media "sfu", js/backend-janus.js):
     * presence and identity stay on the signaling below, media goes
     * through Janus; each page announces its feeds in its stamped
     * messages, and a member's announced feeds render into its tiles */
    var sfu = T.endpoints.media === 'sfu' && T.JanusRoom ? T.JanusRoom({
        roomKey: roomKey, privateMapKey: token, display: me.uid, ice: ice,
        sendAudio: T.has(me.priv, P.SEND_AUDIO), sendVideo: T.has(me.priv, P.SEND_VIDEO),
        onStream: function (key, kind, stream) {
            peers.forEach(function (p) {
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
                render(p);
            });
        },
        onState: function (text) {
            if (text) {
                setError('sfu', t('signalDown', {detail: 'SFU: ' + text}));
            } else {
                clearError('sfu');
            }
        }
    }) : null;

    document.title = t('roomTitle', {room: roomKey}) + ' · ' + me.uid;
    $('#room-title').textContent = t('roomTitle', {room: roomKey});

    function randomId() {
        var a = new Uint8Array(9);
        crypto.getRandomValues(a);
        return Array.prototype.map.call(a, function (b) {
            return ('0' + b.toString(16)).slice(-2);
        }).join('');
    }

    function stateInfo() {
        return {
            a: !!(local.audio && local.audio.enabled && local.audio.readyState === 'live'),
            v: !!(local.video && local.video.enabled && local.video.readyState === 'live')
        };
    }

    function mediaInfo() {
        return {
            camera: local.stream ? local.stream.id : null,
            screen: local.screen ? local.screenCarrier.id : null,
            feeds: sfu ? sfu.feeds() : undefined
        };
    }

    /* ---- tiles ---- */

    function makeTile(uid, kind, opts) {
        var video = T.el('video', {autoplay: true, playsInline: true});
        video.muted = !!opts.muted;
        var tag = T.el('span', {class: 'tag', text: opts.tag || ''});
        tag.hidden = !opts.tag;
        var el = T.el('div', {
            class: 'tile', 'data-user': uid, 'data-kind': kind,
            'data-audio': 'off', 'data-video': 'off', 'data-speaking': '0',
            'data-local': opts.local ? '' : null, tabindex: '0'
        }, [
            video,
            T.el('div', {class: 'avatar', 'aria-hidden': 'true'},
                 [T.el('span', {text: kind === 'screen' ? '' : uid.charAt(0).toUpperCase()})]),
            T.el('div', {class: 'tile-bar'}, [
                T.el('span', {class: 'mic', 'aria-hidden': 'true'}),
                T.el('span', {class: 'name', text: opts.name}),
                tag
            ])
        ]);
        el.addEventListener('click', function () { toggleEnlarge(el); });
        el.addEventListener('keydown', function (e) {
            if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                toggleEnlarge(el);
            }
        });
        return {el: el, video: video, tag: tag, tracks: [], meter: null, loudAt: 0};
    }

    function insertTile(tile, after) {
        if (after && after.el.parentNode === grid) {
            grid.insertBefore(tile.el, after.el.nextSibling);
        } else {
            grid.appendChild(tile.el);
        }
        layout();
    }

    /* columns and rows by the number of tiles; CSS sizes the grid so
     * that all rows fit the window */
    function layout() {
        var n = grid.children.length;
        var cols = n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
        grid.style.setProperty('--cols', cols);
        grid.style.setProperty('--rows', Math.max(1, Math.ceil(n / cols)));
    }

    function removeTile(tile) {
        if (!tile) {
            return;
        }
        detachMeter(tile);
        tile.video.srcObject = null;
        tile.el.remove();
        grid.classList.toggle('has-enlarged', !!grid.querySelector('[data-enlarged]'));
        layout();
    }

    function toggleEnlarge(el) {
        var was = el.hasAttribute('data-enlarged');
        grid.querySelectorAll('[data-enlarged]').forEach(function (x) {
            x.removeAttribute('data-enlarged');
        });
        if (!was) {
            el.setAttribute('data-enlarged', '');
        }
        grid.classList.toggle('has-enlarged', !was);
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
    var blocked = [];

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

    /* ---- audio activity: an analyser per audible track ---- */

    var audio = {ctx: null, timer: null};

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

    function allTiles() {
        var list = [];
        [local.tiles.camera].concat(Array.from(peers.values()).map(function (p) {
            return p.tiles.camera;
        })).forEach(function (x) { if (x) { list.push(x); } });
        return list;
    }

    function meterTick() {
        var now = Date.now();
        allTiles().forEach(function (tile) {
            var speaking = false;
            if (tile.meter && tile.el.getAttribute('data-audio') === 'on') {
                if (T.level(tile.meter.an, tile.meter.buf) > 0.02) {
                    tile.loudAt = now;
                }
                speaking = now - tile.loudAt < 500;
            }
            var v = speaking ? '1' : '0';
            if (tile.el.getAttribute('data-speaking') !== v) {
                tile.el.setAttribute('data-speaking', v);
            }
        });
    }

    /* ---- signaling: nchan WebSocket in, HTTP POST out ---- */

    var sig = {ws: null, open: false, retry: 0, timer: null, chains: new Map(), refused: false};

    function publishUrl(to) {
        return T.endpoints.publish + '?room=' + encodeURIComponent(roomKey)
               + (to ? '&to=' + encodeURIComponent(to) : '');
    }

    /* one POST; resolves with the HTTP status, 0 when it did not get through */
    function post(body, to) {
        var ctl = new AbortController();
        var timer = setTimeout(function () { ctl.abort(); }, 5000);
        return fetch(publishUrl(to), {
            method: 'POST',
            headers: {'X-TRTC-Token': token, 'Content-Type': 'text/plain;charset=UTF-8'},
            body: body,
            cache: 'no-store',
            signal: ctl.signal
        }).then(function (res) {
            return res.status;
        }, function () {
            return 0;
        }).finally(function () {
            clearTimeout(timer);
        });
    }

    /* messages to one destination go out in order (an offer before its
     * candidates); different destinations do not wait for each other */
    function send(msg, to) {
        msg.sid = me.sid;
        var body = JSON.stringify(msg);
        var key = to || '';
        var prev = sig.chains.get(key) || Promise.resolve();
        var p = prev.then(function () { return post(body, to); }).then(function (status) {
            publishResult(status);
            return status;
        });
        sig.chains.set(key, p.catch(function () {}));
        return p;
    }

    function publishResult(status) {
        if (status >= 200 && status < 300) {
            clearError('publish');
            return;
        }
        if (leaving) {
            return;
        }
        if (status === 401 || status === 403) {
            setError('publish', t('publishRejected', {status: status}),
                     loginLink('signal_refused', roomKey));
        } else {
            setError('publish', t('publishFailed', {detail: status ? 'HTTP ' + status : 'network'}));
        }
    }

    function announce(type) {
        return send({t: type, st: stateInfo(), media: mediaInfo()});
    }

    function setStatus(state) {
        var s = $('#room-status');
        s.setAttribute('data-state', state);
        $('#room-status-text').textContent = state === 'connected' ? t('connected')
                                             : state === 'refused' ? '' : t('connecting');
    }

    function connect() {
        if (leaving || sig.refused) {
            return;
        }
        clearTimeout(sig.timer);
        setStatus('connecting');
        var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host
                  + T.endpoints.subscribe + '?room=' + encodeURIComponent(roomKey)
                  + '&privateMapKey=' + encodeURIComponent(token);
        var ws, opened = false;
        try {
            ws = new WebSocket(url);
        } catch (e) {
            setError('signal', t('signalDown', {detail: T.errorText(e)}));
            return;
        }
        sig.ws = ws;
        ws.onopen = function () {
            opened = true;
            sig.open = true;
            sig.retry = 0;
            clearError('signal');
            setStatus('connected');
            announce('hello');
        };
        ws.onmessage = function (e) {
            if (typeof e.data === 'string') {
                onRaw(e.data);
            }
        };
        ws.onclose = function (e) {
            sig.open = false;
            if (sig.ws !== ws || leaving) {
                return;
            }
            setStatus('connecting');
            if (opened) {
                setError('signal', t('signalLost'));
                reconnect();
            } else {
                diagnose(e);
            }
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
            if (leaving) {
                return;
            }
            if (status === 401 || status === 403) {
                sig.refused = true;
                setStatus('refused');
                setError('signal', t('signalRefused'), loginLink('signal_refused', roomKey));
            } else {
                setError('signal', t('signalDown', {
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
        if (outer.from === me.uid) {
            /* our own broadcast echoed; or the same name in another tab */
            if (msg.sid !== me.sid && (msg.t === 'hello' || msg.t === 'hb')) {
                setNotice('dup', t('dupUser', {user: me.uid}));
            }
            return;
        }
        handle(outer.from, outer.privilege | 0, msg);
    }

    function handle(from, priv, msg) {
        var p;
        switch (msg.t) {
        case 'hello':
            p = ensurePeer(from, msg.sid, priv);
            update(p, msg);
            send({t: 'welcome', to: msg.sid, st: stateInfo(), media: mediaInfo()}, from);
            break;
        case 'welcome':
        case 'hb':
        case 'state':
            if (msg.to && msg.to !== me.sid) {
                return;
            }
            p = ensurePeer(from, msg.sid, priv);
            update(p, msg);
            break;
        case 'knock':
            /* a new connection of theirs waits for our offer: if ours is
             * paired with an older one of theirs, start over */
            if (msg.to !== me.sid || typeof msg.cid !== 'string') {
                return;
            }
            p = ensurePeer(from, msg.sid, priv);
            update(p, msg);
            if (!p.polite && p.remoteCid && p.remoteCid !== msg.cid) {
                removePeer(p);
                ensurePeer(from, msg.sid, priv);
            }
            break;
        case 'bye':
            p = peers.get(from);
            if (p && p.sid === msg.sid) {
                removePeer(p);
            }
            break;
        case 'sdp':
        case 'ice':
            if (msg.to !== me.sid) {
                return;             /* for an earlier page of ours */
            }
            if (typeof msg.cid !== 'string') {
                return;
            }
            var fresh = msg.t === 'sdp' && msg.d && msg.d.type === 'offer' && !msg.rcid;
            p = ensurePeer(from, msg.sid, priv, fresh);
            if (msg.rcid && msg.rcid !== p.cid) {
                return;             /* for an earlier connection of ours */
            }
            if (p.remoteCid && msg.cid !== p.remoteCid) {
                if (!fresh) {
                    return;         /* from an earlier connection of theirs */
                }
                /* they started over (they had dropped us): so do we */
                removePeer(p);
                p = ensurePeer(from, msg.sid, priv, true);
            }
            if (!p.remoteCid) {
                if (msg.t !== 'sdp') {
                    return;
                }
                p.remoteCid = msg.cid;      /* paired */
            }
            update(p, msg);
            p.queue = p.queue.then(function () {
                return onSignal(p, msg);
            }).catch(function (e) {
                console.warn('signal from ' + p.uid, e);
            });
            break;
        default:
            p = peers.get(from);
            if (p && p.sid === msg.sid) {
                p.lastSeen = Date.now();
            }
        }
    }

    /* ---- peers ---- */

    /* answering: a new connection is for answering an offer that is
     * here already, so it must not make one of its own */
    function ensurePeer(uid, sid, priv, answering) {
        var p = peers.get(uid);
        if (p && p.sid !== sid) {
            removePeer(p);          /* reloaded: a new page, a new connection */
            p = null;
        }
        if (!p) {
            p = createPeer(uid, sid, priv, answering);
        }
        p.priv = priv;
        p.lastSeen = Date.now();
        return p;
    }

    function createPeer(uid, sid, priv, answering) {
        var p = {
            uid: uid, sid: sid, priv: priv, key: uid + '/' + sid,
            state: {audio: false, video: false},
            media: {camera: null, screen: null},
            remote: new Map(),
            seenStreams: new WeakSet(),
            queue: Promise.resolve(),
            makingOffer: false, ignoreOffer: false, answerPending: false,
            screenTx: null,
            lastSeen: Date.now(),
            closed: false,
            tiles: {}
        };
        p.polite = me.key > p.key;
        p.tiles.camera = makeTile(uid, 'camera', {name: uid});
        insertTile(p.tiles.camera);
        peers.set(uid, p);
        if (!sfu) {
            createPc(p, answering);
        }
        updateCount();
        render(p);
        return p;
    }

    function removePeer(p) {
        if (p.closed) {
            return;
        }
        p.closed = true;
        clearTimeout(p.pendingTimer);
        try { p.pc.close(); } catch (e) { /* closed */ }
        if (sfu) {
            sfu.want(p.key, p.uid, null);
        }
        removeTile(p.tiles.camera);
        removeTile(p.tiles.screen);
        if (peers.get(p.uid) === p) {
            peers.delete(p.uid);
        }
        clearError('peer-' + p.uid);
        updateCount();
    }

    function update(p, msg) {
        if (msg.st && typeof msg.st === 'object') {
            p.state = {audio: msg.st.a === true, video: msg.st.v === true};
        }
        if (msg.media && typeof msg.media === 'object') {
            p.media = {
                camera: typeof msg.media.camera === 'string' ? msg.media.camera : null,
                screen: typeof msg.media.screen === 'string' ? msg.media.screen : null
            };
            if (sfu) {
                sfu.want(p.key, p.uid, msg.media.feeds || {});
            }
        }
        render(p);
    }

    function updateCount() {
        $('#room-count').textContent = t('count', {n: peers.size + 1});
    }

    function sendSignal(p, msg) {
        msg.to = p.sid;
        msg.cid = p.cid;
        msg.rcid = p.remoteCid;
        if (msg.t === 'sdp') {
            msg.st = stateInfo();
            msg.media = mediaInfo();
        }
        return send(msg, p.uid);
    }

    function txOf(pc, sender) {
        return pc.getTransceivers().find(function (x) { return x.sender === sender; }) || null;
    }

    function createPc(p, answering) {
        var pc = new RTCPeerConnection(ice);
        p.pc = pc;
        p.cid = randomId();         /* this connection, in its sdp and ice */
        p.remoteCid = null;

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

        pc.onconnectionstatechange = function () {
            var s = pc.connectionState;
            if (p.closed) {
                return;
            }
            p.tiles.camera.el.setAttribute('data-conn', s);
            if (s === 'failed') {
                setError('peer-' + p.uid, t('peerFailed', {user: p.uid}));
                pc.restartIce();
            } else if (s === 'connected') {
                clearError('peer-' + p.uid);
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
            }, 4000);
        } else {
            addLocalTracks(p);
            ensureOffer(p);
        }
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
        var again = function () { render(p); };
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
        render(p);
    }

    /* may this peer's track of this kind be shown or played here? */
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

    function render(p) {
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
        attachMeter(cam, a || null);
        quiet(cam);
        var audience = !T.has(p.priv, P.SEND_AUDIO) && !T.has(p.priv, P.SEND_VIDEO);
        cam.tag.textContent = audience ? t('audienceTag') : '';
        cam.tag.hidden = !audience;

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

    /* ---- local media ---- */

    function openMedia() {
        var wantA = T.has(me.priv, P.SEND_AUDIO);
        var wantV = T.has(me.priv, P.SEND_VIDEO);
        if (!wantA && !wantV) {
            setNotice('role', t('audienceNotice'));
            return Promise.resolve();
        }
        var md = navigator.mediaDevices;
        if (!md || !md.getUserMedia) {
            setNotice('media', t('noDevices', {error: 'getUserMedia'}));
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
            if (!stream) {
                setNotice('media', t('noDevices', {error: T.errorText(errV || errA)}));
                return;
            }
            local.stream = stream;
            local.audio = stream.getAudioTracks()[0] || null;
            local.video = stream.getVideoTracks()[0] || null;
            if (wantV && !local.video) {
                setNotice('media', t('noCameraOnly', {error: T.errorText(errV)}));
            } else if (wantA && !local.audio) {
                setNotice('media', t('noMicOnly', {error: T.errorText(errA)}));
            }
            stream.getTracks().forEach(function (tr) {
                tr.addEventListener('ended', function () {
                    renderLocal();
                    updateControls();
                    if (sig.open) { announce('state'); }
                });
            });
        });
    }

    function renderLocal() {
        var tile = local.tiles.camera;
        var st = stateInfo();
        setTracks(tile, local.video ? [local.video] : []);
        tile.el.setAttribute('data-video', st.v ? 'on' : 'off');
        tile.el.setAttribute('data-audio', st.a ? 'on' : 'off');
        attachMeter(tile, local.audio);
        quiet(tile);
    }

    /* muted is silent at once, not at the meter's next look */
    function quiet(tile) {
        if (tile.el.getAttribute('data-audio') !== 'on') {
            tile.loudAt = 0;
            tile.el.setAttribute('data-speaking', '0');
        }
    }

    function toggleAudio() {
        if (!local.audio) {
            return;
        }
        local.audio.enabled = !local.audio.enabled;
        renderLocal();
        updateControls();
        announce('state');
    }

    function toggleVideo() {
        if (!local.video) {
            return;
        }
        local.video.enabled = !local.video.enabled;
        renderLocal();
        updateControls();
        announce('state');
    }

    function startShare() {
        if (local.screen) {
            return Promise.resolve();
        }
        $('#share-screen').disabled = true;
        return navigator.mediaDevices.getDisplayMedia({video: true, audio: false}).then(function (stream) {
            var track = stream.getVideoTracks()[0];
            if (!track || leaving) {
                stream.getTracks().forEach(function (x) { x.stop(); });
                return;
            }
            clearError('share');
            track.contentHint = 'detail';
            local.screen = stream;
            /* the browser's own "stop sharing" ends the track */
            track.addEventListener('ended', function () { stopShare(stream); });
            local.tiles.screen = makeTile(me.uid, 'screen', {
                local: true, muted: true, name: t('screenOf', {user: me.uid})
            });
            insertTile(local.tiles.screen, local.tiles.camera);
            setTracks(local.tiles.screen, [track]);
            local.tiles.screen.el.setAttribute('data-video', 'on');
            if (sfu) {
                /* a feed of its own; announced once Janus has it */
                return sfu.share(stream).then(function () {
                    if (sig.open && local.screen === stream) {
                        announce('state');
                    }
                }, function (e) {
                    setError('share', t('shareFailed', {error: T.errorText(e)}));
                });
            }
            /* tell the others which stream is the screen, then send it */
            announce('state');
            peers.forEach(function (p) {
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
            });
        }).catch(function (e) {
            if (e && e.name === 'NotAllowedError') {
                setNotice('share', t('shareCancelled'));
                setTimeout(function () { clearNotice('share'); }, 4000);
            } else {
                setError('share', t('shareFailed', {error: T.errorText(e)}));
            }
        }).finally(updateControls);
    }

    function stopShare(which) {
        var stream = local.screen;
        if (!stream || (which && which !== stream)) {
            return;
        }
        local.screen = null;
        stream.getTracks().forEach(function (x) { x.stop(); });
        if (sfu) {
            sfu.unshare();
        }
        peers.forEach(function (p) {
            var tx = p.screenTx;
            if (p.closed || !tx || tx.currentDirection === 'stopped') {
                return;
            }
            tx.sender.replaceTrack(null).catch(function () {});
            tx.direction = 'recvonly';      /* renegotiates: the tile goes away */
        });
        removeTile(local.tiles.screen);
        local.tiles.screen = null;
        updateControls();
        if (sig.open) {
            announce('state');
        }
    }

    /* ---- controls ---- */

    function setLabel(button, key, pressed) {
        button.querySelector('.ctl-label').textContent = t(key);
        button.setAttribute('aria-pressed', pressed ? 'true' : 'false');
    }

    function updateControls() {
        var st = stateInfo();
        var ma = $('#mute-audio'), mv = $('#mute-video'), sh = $('#share-screen');
        ma.hidden = !T.has(me.priv, P.SEND_AUDIO);
        mv.hidden = !T.has(me.priv, P.SEND_VIDEO);
        sh.hidden = !T.has(me.priv, P.SEND_SCREEN);
        ma.disabled = !local.audio || local.audio.readyState !== 'live';
        mv.disabled = !local.video || local.video.readyState !== 'live';
        sh.disabled = !navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia;
        setLabel(ma, st.a || ma.disabled ? 'muteAudio' : 'unmuteAudio', !st.a && !ma.disabled);
        setLabel(mv, st.v || mv.disabled ? 'muteVideo' : 'unmuteVideo', !st.v && !mv.disabled);
        setLabel(sh, local.screen ? 'stopShare' : 'shareScreen', !!local.screen);
    }

    function disableControls() {
        ['#mute-audio', '#mute-video', '#share-screen'].forEach(function (s) {
            $(s).disabled = true;
        });
        $('#leave').addEventListener('click', function () { location.assign('/'); });
    }

    /* ---- the clock: heartbeats and vanished peers ----
     * A worker's timer is not throttled in a background tab the way the
     * page's own timers are. */

    var clock = {worker: null, timer: null, ticks: 0};

    function tick() {
        clock.ticks++;
        if (sig.open && clock.ticks % HEARTBEAT_TICKS === 0) {
            announce('hb');
        }
        var now = Date.now();
        peers.forEach(function (p) {
            if (!sig.open) {
                p.lastSeen = now;   /* we cannot hear anyone: drop no one */
            } else if (now - p.lastSeen > PEER_TIMEOUT_MS) {
                removePeer(p);
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
        audio.timer = setInterval(meterTick, 120);
    }

    /* ---- leaving ---- */

    function shutdown() {
        leaving = true;
        if (clock.worker) { clock.worker.terminate(); }
        clearInterval(clock.timer);
        clearInterval(audio.timer);
        clearTimeout(sig.timer);
        if (sig.ws) {
            try { sig.ws.close(); } catch (e) { /* closed */ }
        }
        peers.forEach(removePeer);
        if (sfu) {
            sfu.close();
        }
        if (local.screen) {
            local.screen.getTracks().forEach(function (x) { x.stop(); });
        }
        if (local.stream) {
            local.stream.getTracks().forEach(function (x) { x.stop(); });
        }
        if (audio.ctx) {
            audio.ctx.close().catch(function () {});
        }
    }

    function leave() {
        if (leaving) {
            return;
        }
        $('#leave').disabled = true;
        var bye = sig.open ? send({t: 'bye'}) : Promise.resolve();
        leaving = true;
        Promise.race([bye, T.sleep(1500)]).then(function () {
            shutdown();
            T.dropSession(roomKey);
            location.assign('/?userId=' + encodeURIComponent(me.uid)
                            + '&roomId=' + encodeURIComponent(roomKey));
        });
    }

    window.addEventListener('pagehide', function () {
        if (!leaving && !backend) {
            /* the query token works for a beacon, which sets no headers */
            navigator.sendBeacon(publishUrl() + '&privateMapKey=' + encodeURIComponent(token),
                                 JSON.stringify({t: 'bye', sid: me.sid}));
            shutdown();
        }
    });

    window.addEventListener('pageshow', function (e) {
        if (e.persisted) {
            location.reload();      /* back from the cache: start afresh */
        }
    });

    /* ---- for the tests ---- */

    window.trtcDebug = {
        self: me.uid,
        sid: me.sid,
        privilege: me.priv,
        peers: function () { return Array.from(peers.keys()); },
        stats: function () {
            var out = {};
            var jobs = [];
            function one(p, tile) {
                var r = {framesDecoded: 0, videoWidth: 0};
                var vt = tile ? tile.tracks.find(function (x) { return x.kind === 'video'; }) : null;
                if (!vt) {
                    return Promise.resolve(r);
                }
                r.videoWidth = tile.video.videoWidth;
                var pc = sfu ? sfu.pcOf(vt) : p.pc;
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
            peers.forEach(function (p) {
                jobs.push(one(p, p.tiles.camera).then(function (r) {
                    out[p.uid] = r;
                    if (p.tiles.screen) {
                        return one(p, p.tiles.screen).then(function (s) { r.screen = s; });
                    }
                }));
            });
            return Promise.all(jobs).then(function () { return out; });
        },
        screenTrack: function () {
            return local.screen ? local.screen.getVideoTracks()[0] || null : null;
        },
        publish: function (data, to) {
            return post(String(data), to);
        },
        messages: messages,
        pc: function (uid) {
            var p = peers.get(uid);
            return p ? p.pc : null;
        },
        localStream: function () { return local.stream; },
        sfu: sfu,
        /* the connections this page sends on: one per peer, or Janus's */
        senders: function () {
            return sfu ? sfu.publishers() : Array.from(peers.values()).map(function (p) {
                return p.pc;
            });
        },
        /* forget a peer as if it had timed out (tests of the recovery) */
        drop: function (uid) {
            var p = peers.get(uid);
            if (p) {
                removePeer(p);
            }
            return !!p;
        }
    };

    /* ---- another room backend ----
     * "backend" in the server's TRTC_ENDPOINTS (conf/trtc-cloud.conf:
     * "trtc") hands the room to js/backend-trtc.js, which drives the TRTC
     * Web SDK (endpoints.sdk, loaded only then) with this page's UI. */

    var backend = null;

    function loadScript(src) {
        return new Promise(function (resolve, reject) {
            var s = T.el('script', {src: src});
            s.onload = resolve;
            s.onerror = function () { reject(new Error('cannot load ' + src)); };
            document.head.appendChild(s);
        });
    }

    function startBackend() {
        var app = window.TRTC;
        /* the SDK's bundle takes the global name TRTC: give it back */
        loadScript(T.endpoints.sdk).then(function () {
            T.SDK = window.TRTC !== app ? window.TRTC : null;
            window.TRTC = app;
            return loadScript(T.endpoints.backendScript);
        }).then(function () {
            backend = T.backends[T.endpoints.backend]({
                roomKey: roomKey, session: session, me: me, tile: local.tiles.camera,
                makeTile: makeTile, insertTile: insertTile, removeTile: removeTile,
                setStatus: setStatus, setError: setError, clearError: clearError,
                setNotice: setNotice, clearNotice: clearNotice, setLabel: setLabel,
                loginLink: loginLink, play: play
            });
            return backend.start();
        }).catch(function (e) {
            setError('backend', T.errorText(e));
        }).then(function () {
            document.body.setAttribute('data-ready', '1');
        });
    }

    /* ---- start ---- */

    $('#mute-audio').addEventListener('click', function () {
        return backend ? backend.toggleAudio() : toggleAudio();
    });
    $('#mute-video').addEventListener('click', function () {
        return backend ? backend.toggleVideo() : toggleVideo();
    });
    $('#share-screen').addEventListener('click', function () {
        if (backend) {
            backend.toggleShare();
        } else if (local.screen) {
            stopShare();
        } else {
            startShare();
        }
    });
    $('#leave').addEventListener('click', function () {
        return backend ? backend.leave() : leave();
    });

    local.tiles.camera = makeTile(me.uid, 'camera', {
        local: true, muted: true, name: me.uid, tag: t('you')
    });
    insertTile(local.tiles.camera);
    updateCount();
    updateControls();
    setStatus('connecting');

    var expiresIn = sessionEnd * 1000 - Date.now();
    if (expiresIn < 0x7fffffff) {
        setTimeout(function () {
            if (!leaving) {
                setError('expiry', t('tokenExpired'), loginLink('expired', roomKey));
            }
        }, Math.max(0, expiresIn));
    }

    if (T.endpoints.backend) {
        startBackend();         /* its own media and signaling */
        return;
    }

    openMedia().catch(function (e) {
        setNotice('media', t('noDevices', {error: T.errorText(e)}));
    }).then(function () {
        if (leaving) {
            return;
        }
        renderLocal();
        updateControls();
        startClock();
        connect();
        if (sfu) {
            sfu.start(local.stream).then(function () {
                if (sig.open) {
                    announce('state');      /* now with the feed */
                }
            }, function (e) {
                setError('sfu', t('signalDown', {detail: 'SFU: ' + T.errorText(e)}));
            });
        }
        document.body.setAttribute('data-ready', '1');
    });
})();
