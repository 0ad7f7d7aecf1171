
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The JSON of a token, piece by piece, for trtc_json.c: strings (as they
 * are written when they have no escapes, else unescaped), numbers, the
 * literals, and any value only checked (RFC 8259, nothing more lenient),
 * each bounded by the end of the JSON.  What each takes and refuses:
 * trtc_json.c's opening comment.
 */


#include <stdlib.h>
#include <string.h>

#if (defined __SSE2__)
#include <emmintrin.h>
#endif

#include "trtc_token_int.h"


/* a number spelt with a fraction or an exponent, read by strtod() */
#define TRTC_JSON_NUMBER_MAX 64


/*
 * The bytes a string's run takes as they are: all but '"', '\\' and
 * the control characters.  One load a byte instead of three compares.
 */

#define XX  0
#define OK  1

static const unsigned char  trtc_json_plain[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    OK, OK, XX, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, XX, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
};

#undef XX
#undef OK


static const char *trtc_json_run(const char *p, const char *end);
static size_t trtc_json_utf8(unsigned c, unsigned char *u);
static int trtc_json_hex4(const char *p, unsigned *v);
static int trtc_json_literal(trtc_json_t *j, const char *word, size_t len);


/*
 * The end of a string's run of bytes taken as they are (trtc_json_plain):
 * the first '"', '\\' or control character from p, or end.  16 bytes at a
 * time with SSE2 while 16 are left: each compared with '"' and '\\', and
 * with 0x1f as an unsigned byte (the least of the two is the byte itself
 * where it is a control character).
 */

static const char *
trtc_json_run(const char *p, const char *end)
{
#if (defined __SSE2__)
    int       mask;
    __m128i   v, quote, backslash, control;

    quote = _mm_set1_epi8('"');
    backslash = _mm_set1_epi8('\\');
    control = _mm_set1_epi8(0x1f);

    while (end - p >= 16) {
        v = _mm_loadu_si128((const __m128i *) p);

        mask = _mm_movemask_epi8(
                   _mm_or_si128(
                       _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                    _mm_cmpeq_epi8(v, backslash)),
                       _mm_cmpeq_epi8(_mm_min_epu8(v, control), v)));

        if (mask) {
            return p + __builtin_ctz((unsigned) mask);
        }

        p += 16;
    }
#endif

    while (p < end && trtc_json_plain[(unsigned char) *p]) {
        p++;
    }

    return p;
}


/*
 * A string with no escapes, as it is in the JSON: 1, with *s and *len
 * where it is.  0 for a string with escapes, j unmoved (for
 * trtc_json_string()); -1 on bad JSON, as trtc_json_string() has it.
 */

int
trtc_json_raw(trtc_json_t *j, const char **s, size_t *len)
{
    const char  *p;

    p = j->p;

    if (p == j->end || *p++ != '"') {
        return -1;
    }

    p = trtc_json_run(p, j->end);

    if (p == j->end) {
        return -1;
    }

    if (*p != '"') {
        return (*p == '\\') ? 0 : -1;
    }

    *s = j->p + 1;
    *len = (size_t) (p - *s);

    j->p = p + 1;

    return 1;
}


/*
 * A string, unescaped into out (of size bytes; NULL: only checked).
 * *len is its length, or size when it is that long or longer (what
 * fits is there): the callers' buffers are one byte more than they
 * take, so size says "too long".
 * -1 on bad JSON: a control character, a bad escape, a NUL, a lone
 * surrogate, no end.
 */

int
trtc_json_string(trtc_json_t *j, char *out, size_t size, size_t *len)
{
    size_t          n, k;
    unsigned        c, lo;
    unsigned char   u[4];
    const char     *p, *run;

    p = j->p;

    if (p == j->end || *p++ != '"') {
        return -1;
    }

    n = 0;

    for ( ;; ) {

        /* a run of characters as they are, copied at once */

        run = p;
        p = trtc_json_run(p, j->end);

        k = (size_t) (p - run);

        if (k) {
            if (out && n < size) {
                memcpy(out + n, run, (n + k <= size) ? k : size - n);
            }

            n += k;
        }

        if (p == j->end) {
            return -1;
        }

        c = (unsigned char) *p++;

        if (c == '"') {
            break;
        }

        if (c < 0x20) {
            return -1;
        }

        /* an escape */

        k = 1;

        if (p == j->end) {
            return -1;
        }

        switch (*p++) {
        case '"':  u[0] = '"'; break;
        case '\\': u[0] = '\\'; break;
        case '/':  u[0] = '/'; break;
        case 'b':  u[0] = '\b'; break;
        case 'f':  u[0] = '\f'; break;
        case 'n':  u[0] = '\n'; break;
        case 'r':  u[0] = '\r'; break;
        case 't':  u[0] = '\t'; break;

        case 'u':
            if (j->end - p < 4 || trtc_json_hex4(p, &c) != 0 || c == 0) {
                return -1;
            }

            p += 4;

            if (c >= 0xdc00 && c <= 0xdfff) {
                return -1;
            }

            if (c >= 0xd800 && c <= 0xdbff) {
                if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u'
                    || trtc_json_hex4(p + 2, &lo) != 0
                    || lo < 0xdc00 || lo > 0xdfff)
                {
                    return -1;
                }

                p += 6;
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            }

            k = trtc_json_utf8(c, u);
            break;

        default:
            return -1;
        }

        if (out && n + k <= size) {
            memcpy(out + n, u, k);
        }

        n += k;
    }

    j->p = p;

    if (out) {
        *len = (n < size) ? n : size;
    }

    return 0;
}


/* a code point in UTF-8: its length */

static size_t
trtc_json_utf8(unsigned c, unsigned char *u)
{
    if (c < 0x80) {
        u[0] = (unsigned char) c;
        return 1;
    }

    if (c < 0x800) {
        u[0] = (unsigned char) (0xc0 | (c >> 6));
        u[1] = (unsigned char) (0x80 | (c & 0x3f));
        return 2;
    }

    if (c < 0x10000) {
        u[0] = (unsigned char) (0xe0 | (c >> 12));
        u[1] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
        u[2] = (unsigned char) (0x80 | (c & 0x3f));
        return 3;
    }

    u[0] = (unsigned char) (0xf0 | (c >> 18));
    u[1] = (unsigned char) (0x80 | ((c >> 12) & 0x3f));
    u[2] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
    u[3] = (unsigned char) (0x80 | (c & 0x3f));
    return 4;
}


static int
trtc_json_hex4(const char *p, unsigned *v)
{
    int       i;
    unsigned  c, d;

    c = 0;

    for (i = 0; i < 4; i++) {
        d = (unsigned char) p[i];

        if (d >= '0' && d <= '9') {
            d -= '0';

        } else if ((d | 0x20) >= 'a' && (d | 0x20) <= 'f') {
            d = (d | 0x20) - 'a' + 10;

        } else {
            return -1;
        }

        c = (c << 4) | d;
    }

    *v = c;

    return 0;
}


/*
 * A number (RFC 8259's grammar); *valid when it is an integer of 0 to
 * TRTC_NUMBER_MAX, then in *value: TRTC_JSON_DIGITS where it is written
 * as its decimal digits alone.  -1 on bad JSON.
 */

int
trtc_json_number(trtc_json_t *j, int64_t *value, int *valid)
{
    int          plain;
    size_t       n;
    double       d;
    uint64_t     v;
    const char  *start, *digits, *p;
    char         buf[TRTC_JSON_NUMBER_MAX + 1];

    start = j->p;
    p = start;
    plain = 1;
    v = 0;

    if (p < j->end && *p == '-') {
        plain = 0;
        p++;
    }

    if (p == j->end || *p < '0' || *p > '9') {
        return -1;
    }

    if (*p == '0') {
        p++;

    } else {
        digits = p;

        /* v wraps past 19 digits; more than 10 are too many anyway */

        while (p < j->end && (unsigned char) (*p - '0') < 10) {
            v = v * 10 + (uint64_t) (*p - '0');
            p++;
        }

        if (p - digits > 10) {
            v = (uint64_t) TRTC_NUMBER_MAX + 1;
        }
    }

    if (p < j->end && *p == '.') {
        plain = 0;
        p++;

        if (p == j->end || *p < '0' || *p > '9') {
            return -1;
        }

        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < j->end && (*p == 'e' || *p == 'E')) {
        plain = 0;
        p++;

        if (p < j->end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (p == j->end || *p < '0' || *p > '9') {
            return -1;
        }

        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    j->p = p;
    *valid = 0;

    if (plain) {

        /* no sign, no leading zero: the digits are v's decimal text */

        if (v <= TRTC_NUMBER_MAX) {
            *value = (int64_t) v;
            *valid = TRTC_JSON_DIGITS;
        }

        return 0;
    }

    /* 1.4e9, 1400000000.0, -0: what the number is, as a double */

    n = (size_t) (p - start);

    if (n > TRTC_JSON_NUMBER_MAX) {
        return 0;
    }

    memcpy(buf, start, n);
    buf[n] = '\0';

    d = strtod(buf, NULL);

    /* also false for NaN */
    if (d >= 0 && d <= (double) TRTC_NUMBER_MAX
        && d == (double) (int64_t) d)
    {
        *value = (int64_t) d;
        *valid = 1;
    }

    return 0;
}


/* true, false or null */

static int
trtc_json_literal(trtc_json_t *j, const char *word, size_t len)
{
    if ((size_t) (j->end - j->p) < len || memcmp(j->p, word, len) != 0) {
        return -1;
    }

    j->p += len;

    return 0;
}


/* any value, only checked; depth: of the object or array it is in */

int
trtc_json_skip(trtc_json_t *j, int depth)
{
    char     close;
    int64_t  v;
    int      valid;

    if (j->p == j->end) {
        return -1;
    }

    switch (*j->p) {

    case '"':
        return trtc_json_string(j, NULL, 0, NULL);

    case 't':
        return trtc_json_literal(j, "true", 4);

    case 'f':
        return trtc_json_literal(j, "false", 5);

    case 'n':
        return trtc_json_literal(j, "null", 4);

    case '{':
    case '[':
        break;

    default:
        return trtc_json_number(j, &v, &valid);
    }

    if (depth >= TRTC_JSON_DEPTH) {
        return -1;
    }

    close = (*j->p++ == '{') ? '}' : ']';

    trtc_json_space(j);

    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }

    for ( ;; ) {
        if (close == '}') {
            if (trtc_json_string(j, NULL, 0, NULL) != 0) {
                return -1;
            }

            trtc_json_space(j);

            if (j->p == j->end || *j->p++ != ':') {
                return -1;
            }

            trtc_json_space(j);
        }

        if (trtc_json_skip(j, depth + 1) != 0) {
            return -1;
        }

        trtc_json_space(j);

        if (j->p == j->end) {
            return -1;
        }

        if (*j->p == close) {
            j->p++;
            return 0;
        }

        if (*j->p++ != ',') {
            return -1;
        }

        trtc_json_space(j);
    }
}
