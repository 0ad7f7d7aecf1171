/*
 * Switching camera, microphone and speaker in the room: the footer's
 * Devices button opens a menu of the three; a camera or microphone is
 * switched by the backend (switchDevice: the new track replaces the old
 * in every connection), a speaker here, for every video element of the
 * room (setSinkId), those of members who come later included.
 *
 * Touches: room.html's #devices and #device-menu, the grid's videos.
 */

import * as T from './app.js';

var t = T.t;
var $ = T.$;

/* the state of this page's device menu */
var sink = '', current = null, switcher = null, failed = null;


/* currentTracks(): {audio, video} this page sends now;
 * switchDevice(kind, id) -> Promise; onError(text) says it failed */
export function createDeviceMenu(currentTracks, switchDevice, onError) {
    current = currentTracks;
    switcher = switchDevice;
    failed = onError;
    $('#devices').hidden = false;
    $('#devices').addEventListener('click', function () {
        var menu = $('#device-menu');
        if (menu.hidden) {
            fill().then(function () { menu.hidden = false; });
        } else {
            menu.hidden = true;
        }
        $('#devices').setAttribute('aria-expanded', menu.hidden ? 'false' : 'true');
    });
    $('#pick-camera').addEventListener('change', function (e) { pick('video', e.target); });
    $('#pick-microphone').addEventListener('change', function (e) { pick('audio', e.target); });
    $('#pick-speaker').addEventListener('change', function (e) { speaker(e.target.value); });
    $('#device-menu-close').addEventListener('click', function () {
        $('#device-menu').hidden = true;
        $('#devices').setAttribute('aria-expanded', 'false');
    });

    /* a member's video that comes later plays where the others do */
    new MutationObserver(function () {
        if (sink) {
            speaker(sink);
        }
    }).observe($('#grid'), {childList: true});
}


function fill() {
    var md = navigator.mediaDevices;
    if (!md || !md.enumerateDevices) {
        return Promise.resolve();
    }
    return md.enumerateDevices().then(function (all) {
        var tracks = current();
        one($('#pick-camera'), all, 'videoinput', tracks.video, 'camera');
        one($('#pick-microphone'), all, 'audioinput', tracks.audio, 'microphone');
        var canSink = 'setSinkId' in HTMLMediaElement.prototype;
        one($('#pick-speaker'), canSink ? all : [], 'audiooutput', null, 'speaker');
        if (sink) {
            $('#pick-speaker').value = sink;
        }
    });
}


function one(select, all, kind, track, label) {
    var list = all.filter(function (d) { return d.kind === kind && d.deviceId; });
    var now = track && track.getSettings ? track.getSettings().deviceId : '';
    select.textContent = '';
    list.forEach(function (d, i) {
        select.appendChild(T.el('option', {value: d.deviceId,
                                           text: d.label || t(label) + ' ' + (i + 1)}));
    });
    if (now) {
        select.value = now;
    }
    /* nothing to switch: no such device, or none sent now */
    select.disabled = list.length < 2 || (kind !== 'audiooutput' && !track);
}


function pick(kind, select) {
    select.disabled = true;
    switcher(kind, select.value).catch(function (e) {
        failed(t('deviceFailed', {error: T.errorText(e)}));
        return false;
    }).then(function (ok) {
        select.disabled = false;
        if (!ok) {
            fill();
        }
    });
}


function speaker(id) {
    sink = id;
    /* the others' videos: this page's own play no sound */
    document.querySelectorAll('#grid .tile:not([data-local]) video').forEach(function (v) {
        if (v.setSinkId && v.sinkId !== id) {
            v.setSinkId(id).catch(function () {});
        }
    });
}
