/*
 * The login page: user name, room, role and devices; asks the server for
 * a token (/api/token: no key or signing in the browser), keeps it in
 * this tab's sessionStorage, and opens /room/<room>/.  Also shows why
 * the server sent someone back here (?denied=<reason>).
 *
 * Touches: index.html's form, endpoints.token, this tab's credentials.
 */
import * as T from './app.js';
import {DeviceCheck} from './devicecheck.js';
import {startPreview, stopPreview} from './preview.js';

var t = T.t;
var $ = T.$;
var params = new URLSearchParams(location.search);

function showError(lines, kind) {
    var box = $('#login-error');
    box.textContent = '';
    box.className = 'alert ' + (kind || 'error');
    lines.forEach(function (line, i) {
        box.appendChild(T.el(i === 0 && lines.length > 1 ? 'strong' : 'p', {text: line}));
    });
    box.hidden = lines.length === 0;
}

function randomUser() {
    var a = new Uint32Array(1);
    crypto.getRandomValues(a);
    return 'user_' + (a[0] % 100000);
}

function randomRoom() {
    var a = new Uint32Array(1);
    crypto.getRandomValues(a);
    return String(100000 + a[0] % 900000);
}

/* the room of the link that brought the person here: nginx sends a
 * room page's visitor without a token to /?denied=...#room=<as in the
 * link> */
function linkRoom() {
    var m = /^#room=(.+)$/.exec(location.hash);
    if (!m) {
        return null;
    }
    try {
        return decodeURIComponent(m[1]);
    } catch (e) {
        return null;            /* not UTF-8: no room */
    }
}

/* ---- devices ---- */

var pickersReady = null;

function fill(select, list, emptyKey, preferred) {
    var old = preferred || select.value;
    select.textContent = '';
    if (!list.length) {
        select.appendChild(T.el('option', {value: '', text: t(emptyKey)}));
        return;
    }
    list.forEach(function (d, i) {
        select.appendChild(T.el('option', {
            value: d.deviceId,
            text: d.label || t(emptyKey === 'noCamera' ? 'camera' : 'microphone') + ' ' + (i + 1)
        }));
    });
    if (old && list.some(function (d) { return d.deviceId === old; })) {
        select.value = old;
    }
}

function enumerate() {
    return navigator.mediaDevices.enumerateDevices().then(function (all) {
        fill($('#camera'), all.filter(function (d) { return d.kind === 'videoinput' && d.deviceId; }),
             'noCamera', T.store.get('camera'));
        fill($('#microphone'), all.filter(function (d) { return d.kind === 'audioinput' && d.deviceId; }),
             'noMicrophone', T.store.get('microphone'));
        return all;
    });
}

/* labels and ids come only after permission: ask once, let go at once */
function loadDevices() {
    var note = $('#device-note');
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) {
        fill($('#camera'), [], 'noCamera');
        fill($('#microphone'), [], 'noMicrophone');
        note.textContent = t('devicesDenied', {error: 'mediaDevices'});
        note.hidden = false;
        return Promise.resolve();
    }
    [$('#camera'), $('#microphone')].forEach(function (s) {
        s.textContent = '';
        s.appendChild(T.el('option', {value: '', text: t('devicesLoading')}));
    });
    function ask(c) {
        return navigator.mediaDevices.getUserMedia(c).then(function (s) {
            T.stopTracks(s);
            return true;
        });
    }
    return ask({audio: true, video: true})
        .catch(function () {
            /* one of the two may be missing: try each alone */
            return Promise.all([ask({video: true}).catch(function (e) { return e; }),
                                ask({audio: true}).catch(function (e) { return e; })])
                .then(function (r) {
                    if (r[0] !== true && r[1] !== true) {
                        throw r[0];
                    }
                });
        })
        .then(function () { note.hidden = true; return enumerate(); })
        .catch(function (e) {
            note.textContent = t('devicesDenied', {error: T.errorText(e)});
            note.hidden = false;
            return enumerate();
        })
        .catch(function () {
            fill($('#camera'), [], 'noCamera');
            fill($('#microphone'), [], 'noMicrophone');
        });
}

function roleChanged() {
    var audience = $('#role').value === 'audience';
    $('#camera').disabled = audience;
    $('#microphone').disabled = audience;
    $('#login-form').classList.toggle('audience', audience);
    preview();
}

/* the preview follows the pickers; the audience sends nothing to see */
function preview() {
    if ($('#role').value === 'audience' || !pickersReady) {
        stopPreview();
        $('#preview').hidden = true;
        return;
    }
    pickersReady.then(function () {
        if ($('#role').value !== 'audience') {
            startPreview($('#camera').value, $('#microphone').value);
        }
    });
}

/* what others see: the person's own words, without control characters */
function displayName() {
    return $('#displayName').value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
}

/* ---- joining ---- */

function join(ev) {
    ev.preventDefault();
    var userId = $('#userId').value.trim();
    var roomId = $('#roomId').value.trim();
    var role = ['audience', 'host'].indexOf($('#role').value) >= 0 ? $('#role').value : 'speaker';

    if (!T.validUserId(userId)) {
        showError([t('errUserId')]);
        $('#userId').focus();
        return;
    }
    var name = displayName();
    if (name.length > 64) {
        showError([t('errDisplayName', {n: name.length})]);
        $('#displayName').focus();
        return;
    }
    if (!T.validRoomId(roomId)) {
        showError([/^[0-9]+$/.test(roomId) ? t('errRoomNumber')
                   : roomId.length > 64 ? t('errRoomLong', {n: roomId.length})
                   : t('errRoomId')]);
        $('#roomId').focus();
        return;
    }
    if (!T.served) {
        showError([t('errNotServed')]);
        return;
    }

    var button = $('#join');
    button.disabled = true;
    button.textContent = t('joining');
    showError([]);

    T.issueToken(userId, roomId, role)
        .then(function (token) {
            var camera = $('#camera').value, microphone = $('#microphone').value;
            T.store.set('userId', userId);
            T.store.set('roomId', roomId);
            T.store.set('displayName', name);
            stopPreview();
            if (camera) { T.store.set('camera', camera); }
            if (microphone) { T.store.set('microphone', microphone); }
            T.saveSession({
                token: token,
                role: role,
                name: name,
                camera: role !== 'audience' ? camera : '',
                microphone: role !== 'audience' ? microphone : ''
            });
            DeviceCheck.close();
            location.assign(T.roomPath(token.roomId));
        })
        .catch(function (e) {
            showError([e.message]);
            button.disabled = false;
            button.textContent = t('join');
        });
}

/* ---- page ---- */

function init() {
    T.translate();

    var denied = params.get('denied');
    var invited = linkRoom();
    if (denied === 'no_token' && invited !== null) {
        showError([t('invited', {room: invited})], 'info');
    } else if (denied) {
        showError([t('deniedTitle'), T.refusalText(denied, params.get('roomId') || invited)]);
    } else if (!T.served) {
        showError([t('errNotServed')]);
    }

    $('#userId').value = params.get('userId') || T.store.get('userId') || randomUser();
    $('#displayName').value = T.store.get('displayName') || '';
    $('#roomId').value = params.get('roomId') || invited || T.store.get('roomId') || randomRoom();
    var role = params.get('role');
    if (role === 'audience' || role === 'speaker' || role === 'host') {
        $('#role').value = role;
    }
    roleChanged();
    $('#role').addEventListener('change', roleChanged);
    $('#login-form').addEventListener('submit', join);

    $('#device-check').addEventListener('click', function () {
        $('#first-visit').hidden = true;
        T.store.set('checkOffered', '1');
        pickersReady.then(function () {
            DeviceCheck.open({camera: $('#camera').value, microphone: $('#microphone').value});
        });
    });

    if (!T.store.get('checkOffered')) {
        $('#first-visit').hidden = false;
        $('#first-visit-check').addEventListener('click', function () {
            $('#device-check').click();
        });
        $('#first-visit-skip').addEventListener('click', function () {
            T.store.set('checkOffered', '1');
            $('#first-visit').hidden = true;
        });
    }

    pickersReady = loadDevices();
    preview();
    $('#camera').addEventListener('change', preview);
    $('#microphone').addEventListener('change', preview);
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
        navigator.mediaDevices.addEventListener('devicechange', function () {
            enumerate().catch(function () {});
        });
    }
    document.body.setAttribute('data-ready', '1');
}

init();
