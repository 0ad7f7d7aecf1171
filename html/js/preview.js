/*
 * The login card's preview: the chosen camera, and the chosen
 * microphone's level, before joining (the device check does more).  It
 * follows the pickers, stops for the audience and when the page goes,
 * and lets the devices go while the device check has them.
 *
 * Touches: index.html's #preview box, the camera and microphone.
 */

import * as T from './app.js';

var $ = T.$;

/* the state of this page's preview */
var stream = null, ctx = null, timer = null, run = 0;


export function startPreview(camera, microphone) {
    stopPreview();
    var id = ++run;
    var md = navigator.mediaDevices;
    if (!md || !md.getUserMedia) {
        return Promise.resolve(false);
    }
    var c = {
        video: camera ? {deviceId: {exact: camera}} : true,
        audio: microphone ? {deviceId: {exact: microphone}} : true
    };
    return md.getUserMedia(c).catch(function () {
        /* one of them may be missing: the other alone */
        return md.getUserMedia({video: c.video}).catch(function () {
            return md.getUserMedia({audio: c.audio});
        });
    }).then(function (s) {
        if (id !== run) {
            T.stopTracks(s);
            return false;
        }
        stream = s;
        var video = $('#preview-video');
        video.srcObject = s;
        video.play().catch(function () {});
        $('#preview').hidden = false;
        $('#preview').setAttribute('data-video', s.getVideoTracks().length ? 'on' : 'off');
        meter(s);
        return true;
    }, function () {
        $('#preview').hidden = true;
        return false;
    });
}


export function stopPreview() {
    run++;
    clearInterval(timer);
    timer = null;
    if (ctx) {
        ctx.close().catch(function () {});
        ctx = null;
    }
    T.stopTracks(stream);
    stream = null;
    var video = $('#preview-video');
    if (video) {
        video.srcObject = null;
    }
    var bar = $('#preview-level');
    if (bar) {
        bar.style.width = '0';
    }
}


function meter(s) {
    var track = s.getAudioTracks()[0];
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!track || !AC) {
        return;
    }
    ctx = new AC();
    var an = ctx.createAnalyser();
    an.fftSize = 512;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(an);
    var buf = new Float32Array(an.fftSize);
    var bar = $('#preview-level');
    timer = setInterval(function () {
        var lv = Math.min(1, T.level(an, buf) * 4);
        bar.style.width = Math.round(lv * 100) + '%';
        bar.parentNode.setAttribute('data-level', String(Math.round(lv * 100)));
    }, 100);
}
