/*
 * Where the room's tiles go: the stage (between the top bar and the
 * controls, which never move) is filled by the tiles, placed by this
 * file whenever the stage's size, the tiles or the enlarged one change.
 *
 *   grid       columns and rows chosen so that a 16:9 picture is
 *              shown as large as it can be; a tile is as large as its
 *              cell (its video cropped to it), neither wider than 2:1
 *              nor narrower than 3:4; rows centred, the block too
 *   enlarged   the tile takes the stage, the others a strip beside it
 *              (at the right in landscape, below in portrait)
 *   speaker    the same, with the tile chosen: the one enlarged, else a
 *              shared screen (the newest), else who spoke last (of the
 *              others), else the first of the others; a screen share
 *              that starts switches to this view, the person may switch
 *              back (setMode)
 *
 * When the tiles cannot be smaller (MIN_W), the grid grows and the
 * stage scrolls, but never the page: the controls stay on screen.
 *
 * Touches: the stage's and the grid's elements, the tiles' style.
 */

var GAP = 8;
var MIN_W = 120;            /* a tile narrower than this is no use */
var MIN_H = 68;
var PICTURE = 16 / 9;
var WIDEST = 2;
var NARROWEST = 3 / 4;
var STRIP_W = 240;          /* the strip's tiles, at most */
var STRIP_H = 120;


export function createLayout(stage, grid, onMode) {
    var pending = false;
    var state = {mode: 'grid', speaker: null, screens: 0};

    function schedule() {
        if (!pending) {
            pending = true;
            requestAnimationFrame(function () {
                pending = false;
                notice(grid, state, onMode);
                place(stage, grid, state);
            });
        }
    }

    if (window.ResizeObserver) {
        new ResizeObserver(schedule).observe(stage);
    } else {
        window.addEventListener('resize', schedule);
    }

    /* tiles come and go, one is enlarged or not, someone speaks */
    new MutationObserver(function (records) {
        records.forEach(function (r) {
            if (r.attributeName === 'data-speaking' && r.target.getAttribute('data-speaking') === '1'
                && !r.target.hasAttribute('data-local'))
            {
                state.speaker = r.target;
            }
        });
        schedule();
    }).observe(grid, {
        childList: true, subtree: true, attributes: true,
        attributeFilter: ['data-enlarged', 'data-speaking']
    });

    schedule();

    return {
        setMode: function (mode) {
            state.mode = mode === 'speaker' ? 'speaker' : 'grid';
            schedule();
            return state.mode;
        },
        mode: function () { return state.mode; }
    };
}


/* a screen share that starts turns the speaker view on */
function notice(grid, state, onMode) {
    var screens = grid.querySelectorAll(':scope > [data-kind="screen"]').length;
    if (screens > state.screens && state.mode !== 'speaker') {
        state.mode = 'speaker';
        if (onMode) {
            onMode(state.mode);
        }
    }
    state.screens = screens;
}


/* the speaker view's large tile */
function chosen(grid, tiles, state) {
    var screens = tiles.filter(function (x) { return x.getAttribute('data-kind') === 'screen'; });
    if (screens.length) {
        return screens[screens.length - 1];
    }
    if (state.speaker && state.speaker.parentNode === grid) {
        return state.speaker;
    }
    return tiles.find(function (x) { return !x.hasAttribute('data-local'); }) || null;
}


function place(stage, grid, state) {
    var cs = getComputedStyle(stage);
    var W = stage.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    var H = stage.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
    var tiles = Array.prototype.slice.call(grid.children);
    var big = grid.querySelector(':scope > [data-enlarged]');
    if (!big && state.mode === 'speaker') {
        big = chosen(grid, tiles, state);
    }
    var bottom;

    W = Math.max(W, MIN_W);
    H = Math.max(H, MIN_H);

    tiles.forEach(function (x) { x.removeAttribute('data-big'); });

    if (big) {
        bottom = enlarged(big, tiles.filter(function (x) { return x !== big; }), W, H);
    } else {
        bottom = gridOf(tiles, 0, 0, W, H);
    }

    grid.style.height = Math.max(H, bottom) + 'px';
}


function put(tile, x, y, w, h) {
    var s = tile.style;
    s.left = Math.round(x) + 'px';
    s.top = Math.round(y) + 'px';
    s.width = Math.round(w) + 'px';
    s.height = Math.round(h) + 'px';
}


/* the columns that show a 16:9 picture largest in W x H */
function columns(n, W, H) {
    var best = null;
    for (var cols = 1; cols <= n; cols++) {
        var rows = Math.ceil(n / cols);
        var cw = (W - GAP * (cols - 1)) / cols;
        var ch = (H - GAP * (rows - 1)) / rows;
        if (cw < MIN_W && cols > 1) {
            break;
        }
        var shown = Math.min(cw, ch * PICTURE) * Math.min(ch, cw / PICTURE);
        if (!best || shown > best.shown + 1) {
            best = {cols: cols, rows: rows, cw: cw, ch: ch, shown: shown};
        }
    }
    return best;
}


/* tiles in rows inside the box at (x0, y0); returns the bottom */
function gridOf(tiles, x0, y0, W, H) {
    var n = tiles.length;
    if (!n) {
        return y0;
    }
    var c = columns(n, W, H);
    var w = Math.max(MIN_W, c.cw), h = Math.max(MIN_H, c.ch);
    if (w / h > WIDEST) {
        w = h * WIDEST;
    } else if (w / h < NARROWEST) {
        h = w / NARROWEST;
    }
    var height = c.rows * h + (c.rows - 1) * GAP;
    var y = y0 + Math.max(0, (H - height) / 2);
    for (var r = 0; r < c.rows; r++) {
        var row = tiles.slice(r * c.cols, (r + 1) * c.cols);
        var width = row.length * w + (row.length - 1) * GAP;
        var x = x0 + Math.max(0, (W - width) / 2);
        row.forEach(function (tile, i) {
            put(tile, x + i * (w + GAP), y, w, h);
        });
        y += h + GAP;
    }
    return y - GAP;
}


/* one tile large, the others in a strip: returns the bottom */
function enlarged(big, others, W, H) {
    big.setAttribute('data-big', '');
    if (!others.length) {
        put(big, 0, 0, W, H);
        return H;
    }

    var sw, sh, i, y, x, perRow, rows, stripH;

    if (W >= H) {
        /* landscape: a column at the right */
        sw = Math.min(STRIP_W, W * 0.22);
        sh = sw / PICTURE;
        put(big, 0, 0, W - sw - GAP, H);
        var total = others.length * sh + (others.length - 1) * GAP;
        y = Math.max(0, (H - total) / 2);
        for (i = 0; i < others.length; i++) {
            put(others[i], W - sw, y, sw, sh);
            y += sh + GAP;
        }
        return Math.max(H, y - GAP);
    }

    /* portrait: rows below */
    sh = Math.min(STRIP_H, H * 0.2);
    sw = sh * PICTURE;
    perRow = Math.max(1, Math.floor((W + GAP) / (sw + GAP)));
    rows = Math.ceil(others.length / perRow);
    stripH = rows * sh + (rows - 1) * GAP;
    var bigH = Math.max(H * 0.5, H - stripH - GAP);
    put(big, 0, 0, W, bigH);
    y = bigH + GAP;
    for (var r = 0; r < rows; r++) {
        var row = others.slice(r * perRow, (r + 1) * perRow);
        x = Math.max(0, (W - (row.length * sw + (row.length - 1) * GAP)) / 2);
        for (i = 0; i < row.length; i++) {
            put(row[i], x + i * (sw + GAP), y, sw, sh);
        }
        y += sh + GAP;
    }
    return y - GAP;
}
