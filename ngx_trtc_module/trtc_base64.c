
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Base64 as the tokens write it: the standard alphabet (signatures,
 * userbufs) or TRTC's variant ('*', '-', '_' for '+', '/', '=') of the
 * token itself; decoding takes missing padding.
 */


#include <string.h>

#include "trtc_token_int.h"


static int trtc_b64_value(unsigned char c, int variant);


static const char  trtc_b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char  trtc_b64_trtc[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";


size_t
trtc_base64_encode(char *dst, const unsigned char *src, size_t len,
    int variant)
{
    char        *d, pad;
    const char  *basis;

    basis = (variant == TRTC_BASE64_TRTC) ? trtc_b64_trtc : trtc_b64_std;
    pad = (variant == TRTC_BASE64_TRTC) ? '_' : '=';
    d = dst;

    while (len > 2) {
        *d++ = basis[(src[0] >> 2) & 0x3f];
        *d++ = basis[((src[0] & 3) << 4) | (src[1] >> 4)];
        *d++ = basis[((src[1] & 0x0f) << 2) | (src[2] >> 6)];
        *d++ = basis[src[2] & 0x3f];

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


static int
trtc_b64_value(unsigned char c, int variant)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }

    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }

    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }

    if (variant == TRTC_BASE64_TRTC) {
        return c == '*' ? 62 : (c == '-' ? 63 : -1);
    }

    return c == '+' ? 62 : (c == '/' ? 63 : -1);
}


int
trtc_base64_decode(unsigned char *dst, size_t *dlen, const char *src,
    size_t len, int variant)
{
    int             v;
    size_t          i, n, bits;
    uint32_t        acc;
    char            pad;
    unsigned char  *d;

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

    d = dst;
    acc = 0;
    bits = 0;

    for (i = 0; i < n; i++) {
        v = trtc_b64_value((unsigned char) src[i], variant);
        if (v < 0) {
            return -1;
        }

        acc = (acc << 6) | (uint32_t) v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            *d++ = (unsigned char) (acc >> bits);
            acc &= (1U << bits) - 1;
        }
    }

    /* canonical only: one token, one spelling */

    if (acc != 0) {
        return -1;
    }

    *dlen = (size_t) (d - dst);

    return 0;
}
