
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Base64 as the tokens write it: the standard alphabet (signatures,
 * userbufs) or TRTC's variant ('*', '-', '_' for '+', '/', '=') of the
 * token itself; decoding takes missing padding.
 */


#include <string.h>

#include "trtc_token_int.h"


static const char  trtc_b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char  trtc_b64_trtc[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";


size_t
trtc_base64_encode(char *restrict dst, const unsigned char *restrict src,
    size_t len, int variant)
{
    char        *d, pad;
    uint32_t     v;
    const char  *basis;

    basis = (variant == TRTC_BASE64_TRTC) ? trtc_b64_trtc : trtc_b64_std;
    pad = (variant == TRTC_BASE64_TRTC) ? '_' : '=';
    d = dst;

    while (len > 2) {
        v = (uint32_t) src[0] << 16 | (uint32_t) src[1] << 8 | src[2];

        d[0] = basis[v >> 18];
        d[1] = basis[(v >> 12) & 0x3f];
        d[2] = basis[(v >> 6) & 0x3f];
        d[3] = basis[v & 0x3f];

        d += 4;
        src += 3;
        len -= 3;
    }

    if (len) {
        *d++ = basis[(src[0] >> 2) & 0x3f];

        if (len == 1) {
            *d++ = basis[(src[0] & 3) << 4];
            *d++ = pad;

        } else {
            *d++ = basis[((src[0] & 3) << 4) | (src[1] >> 4)];
            *d++ = basis[(src[1] & 0x0f) << 2];
        }

        *d++ = pad;
    }

    return (size_t) (d - dst);
}


/* each character's value in the alphabet; XX where it is none */

#define XX  0xff

static const unsigned char  trtc_b64_std_value[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, XX, XX, XX,
    XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
    XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
};

static const unsigned char  trtc_b64_trtc_value[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, 63, XX, XX,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, XX, XX, XX,
    XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
    XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
};

#undef XX


/*
 * The same values, in the place each of a quantum's four characters
 * takes in its 24 bits: a quantum is four loads and three ORs.  A
 * character of no alphabet has bit 31, which no value reaches.  Made by
 * the preprocessor from the alphabet's ranges; t/unit/test_fast.c checks
 * every character in every place against the tables above.
 */

#define TRTC_B64_VALUE(c, c62, c63)                                         \
    (((c) >= 'A' && (c) <= 'Z') ? (c) - 'A'                                 \
     : ((c) >= 'a' && (c) <= 'z') ? (c) - 'a' + 26                          \
     : ((c) >= '0' && (c) <= '9') ? (c) - '0' + 52                          \
     : ((c) == (c62)) ? 62 : ((c) == (c63)) ? 63 : -1)

#define TRTC_B64_AT(c, shift, c62, c63)                                     \
    ((TRTC_B64_VALUE(c, c62, c63) < 0) ? 0x80000000u                        \
     : (uint32_t) TRTC_B64_VALUE(c, c62, c63) << (shift))

#define TRTC_B64_4(c, s, x, y)                                              \
    TRTC_B64_AT(c, s, x, y), TRTC_B64_AT(c + 1, s, x, y),                   \
    TRTC_B64_AT(c + 2, s, x, y), TRTC_B64_AT(c + 3, s, x, y)
#define TRTC_B64_16(c, s, x, y)                                             \
    TRTC_B64_4(c, s, x, y), TRTC_B64_4(c + 4, s, x, y),                     \
    TRTC_B64_4(c + 8, s, x, y), TRTC_B64_4(c + 12, s, x, y)
#define TRTC_B64_64(c, s, x, y)                                             \
    TRTC_B64_16(c, s, x, y), TRTC_B64_16(c + 16, s, x, y),                  \
    TRTC_B64_16(c + 32, s, x, y), TRTC_B64_16(c + 48, s, x, y)
#define TRTC_B64_256(s, x, y)                                               \
    { TRTC_B64_64(0, s, x, y), TRTC_B64_64(64, s, x, y),                    \
      TRTC_B64_64(128, s, x, y), TRTC_B64_64(192, s, x, y) }

static const uint32_t  trtc_b64_std_quantum[4][256] = {
    TRTC_B64_256(18, '+', '/'), TRTC_B64_256(12, '+', '/'),
    TRTC_B64_256(6, '+', '/'), TRTC_B64_256(0, '+', '/')
};

static const uint32_t  trtc_b64_trtc_quantum[4][256] = {
    TRTC_B64_256(18, '*', '-'), TRTC_B64_256(12, '*', '-'),
    TRTC_B64_256(6, '*', '-'), TRTC_B64_256(0, '*', '-')
};


int
trtc_base64_decode(unsigned char *restrict dst, size_t *dlen,
    const char *restrict src, size_t len, int variant)
{
    char                  pad;
    size_t                i, n;
    uint32_t              v, bad;
    unsigned char        *d, a, b, c;
    const unsigned char  *s, *t;
    const uint32_t      (*q)[256];

    t = (variant == TRTC_BASE64_TRTC) ? trtc_b64_trtc_value
                                      : trtc_b64_std_value;
    q = (variant == TRTC_BASE64_TRTC) ? trtc_b64_trtc_quantum
                                      : trtc_b64_std_quantum;
    pad = (variant == TRTC_BASE64_TRTC) ? '_' : '=';

    /* padding: none, or exactly what completes the last quantum */

    n = len;

    while (n > 0 && src[n - 1] == pad && len - n < 2) {
        n--;
    }

    if (n != len && len % 4 != 0) {
        return -1;
    }

    if (n % 4 == 1) {
        return -1;
    }

    s = (const unsigned char *) src;
    d = dst;
    bad = 0;

    /* a character out of the alphabet is told once, after the loop: dst
     * has room for all of it either way */

    for (i = 0; i + 4 <= n; i += 4) {
        v = q[0][s[i]] | q[1][s[i + 1]] | q[2][s[i + 2]] | q[3][s[i + 3]];

        bad |= v;

        d[0] = (unsigned char) (v >> 16);
        d[1] = (unsigned char) (v >> 8);
        d[2] = (unsigned char) v;
        d += 3;
    }

    if (bad & 0x80000000) {
        return -1;
    }

    /* the last 2 or 3 characters; canonical only: the bits they leave
     * over are 0 (one token, one spelling) */

    if (n - i == 2) {
        a = t[s[i]];
        b = t[s[i + 1]];

        if (((a | b) & 0x80) || (b & 0x0f)) {
            return -1;
        }

        *d++ = (unsigned char) (a << 2 | b >> 4);

    } else if (n - i == 3) {
        a = t[s[i]];
        b = t[s[i + 1]];
        c = t[s[i + 2]];

        if (((a | b | c) & 0x80) || (c & 0x03)) {
            return -1;
        }

        *d++ = (unsigned char) (a << 2 | b >> 4);
        *d++ = (unsigned char) (b << 4 | c >> 2);
    }

    *dlen = (size_t) (d - dst);

    return 0;
}
