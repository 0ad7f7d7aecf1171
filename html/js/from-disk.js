/*
 * A classic script, not a module: a page opened from disk loads no
 * module, and this says why in the page's alert box (data-box on the
 * script element).  The same words as labels.js's errNotServed.
 */
(function () {
    'use strict';

    var box = document.currentScript && document.currentScript.getAttribute('data-box');

    if (location.protocol !== 'file:' || !box) {
        return;
    }

    document.addEventListener('DOMContentLoaded', function () {
        var el = document.getElementById(box);
        el.textContent = /^zh/i.test(navigator.language)
            ? '请通过服务器打开此页面（bash conf/demo.sh），不要直接打开文件。'
            : 'Open this page through the server (bash conf/demo.sh), not from disk.';
        el.hidden = false;
    });
})();
