
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The token core's own versions of what a library has: each against the
 * library's, on inputs long and short, plain and worst-case.  Adler-32
 * against zlib's adler32().
 */


#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "trtc_token_int.h"
#include "unit.h"


/* past two of trtc_adler32's chunks, where its sums are reduced */
#define T_ADLER_MAX  12000


void
test_adler32(void)
{
    int             fill;
    size_t          n;
    uint32_t        got, exp;
    unsigned char  *buf;

    buf = malloc(T_ADLER_MAX);
    if (buf == NULL) {
        abort();
    }

    /* 0xff: the largest sums; then bytes of every value */

    for (fill = 0; fill < 2; fill++) {
        for (n = 0; n < T_ADLER_MAX; n++) {
            buf[n] = fill ? (unsigned char) (n * 7 + (n >> 8))
                          : 0xff;
        }

        for (n = 0; n <= T_ADLER_MAX; n += (n < 1100) ? 1 : 97) {
            got = trtc_adler32(buf, n);
            exp = (uint32_t) adler32(1, buf, (uInt) n);

            if (got != exp) {
                t_at("adler32, %zu bytes of %s", n,
                     fill ? "a sequence" : "0xff");
                T_INT(got, exp);
                break;
            }
        }

        T_TRUE(n > T_ADLER_MAX);

        /* not aligned */

        t_at("adler32, from byte 3");
        T_INT(trtc_adler32(buf + 3, 5541), adler32(1, buf + 3, 5541));
    }

    t_at(NULL);

    free(buf);
}


void
test_base64_tables(void)
{
    int             variant, rc;
    char            in[8];
    size_t          dlen, k, place;
    unsigned        c, value, i, ok;
    const char     *alphabet, *hit;
    unsigned char   out[8];

    static const char  *alphabets[] = {
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-"
    };

    ok = 1;

    for (variant = TRTC_BASE64_STD; variant <= TRTC_BASE64_TRTC; variant++) {
        alphabet = alphabets[variant == TRTC_BASE64_TRTC];

        for (place = 0; place < 4; place++) {
            for (c = 0; c < 256; c++) {

                /* c in a quantum of 'A's (0), then another quantum */

                memcpy(in, "AAAABCDE", 8);
                in[place] = (char) c;

                hit = (c != 0) ? strchr(alphabet, (int) c) : NULL;
                value = hit ? (unsigned) (hit - alphabet) << (18 - 6 * place)
                            : 0;

                dlen = 99;
                rc = trtc_base64_decode(out, &dlen, in, 8, variant);

                if (hit == NULL) {
                    ok = (rc == -1 && dlen == 99);

                } else {
                    ok = (rc == 0 && dlen == 6
                          && memcmp(out + 3, "\x04\x20\xc4", 3) == 0);

                    for (i = 0; i < 3; i++) {
                        k = (value >> (16 - 8 * i)) & 0xff;
                        ok = ok && out[i] == k;
                    }
                }

                if (!ok) {
                    t_at("base64 variant %d, character %u in place %zu",
                         variant, c, place);
                    T_TRUE(ok);
                    t_at(NULL);
                    return;
                }
            }
        }
    }

    T_TRUE(ok);
}


/*
 * The encoder against one written from RFC 4648 a bit at a time, for
 * every length to past several of its 12-byte blocks, from bytes of
 * every value and from every offset of a buffer (the block loads 16).
 */

#define T_B64_MAX  300

static size_t
t_base64_bits(char *dst, const unsigned char *src, size_t len,
    const char *alphabet, char pad)
{
    size_t    i, n, bit;
    unsigned  v;

    n = 0;

    for (bit = 0; bit < len * 8; bit += 6) {
        v = 0;

        for (i = 0; i < 6; i++) {
            v <<= 1;

            if (bit + i < len * 8) {
                v |= (src[(bit + i) / 8] >> (7 - (bit + i) % 8)) & 1;
            }
        }

        dst[n++] = alphabet[v];
    }

    while (n % 4) {
        dst[n++] = pad;
    }

    return n;
}


void
test_base64_encode(void)
{
    int             variant;
    char            got[T_B64_MAX * 2], exp[T_B64_MAX * 2];
    size_t          len, off, got_len, exp_len;
    unsigned char   buf[T_B64_MAX + 16];

    static const char  *alphabets[] = {
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-"
    };

    for (len = 0; len < sizeof(buf); len++) {
        buf[len] = (unsigned char) (len * 151 + (len >> 3) * 7);
    }

    for (variant = TRTC_BASE64_STD; variant <= TRTC_BASE64_TRTC; variant++) {
        for (off = 0; off < 16; off += 5) {
            for (len = 0; len <= T_B64_MAX; len++) {
                got_len = trtc_base64_encode(got, buf + off, len, variant);
                exp_len = t_base64_bits(exp, buf + off, len,
                                 alphabets[variant == TRTC_BASE64_TRTC],
                                 variant == TRTC_BASE64_TRTC ? '_' : '=');

                if (got_len != exp_len || memcmp(got, exp, exp_len) != 0) {
                    t_at("base64 encode, variant %d, %zu bytes from %zu",
                         variant, len, off);
                    T_INT(got_len, exp_len);
                    T_TRUE(memcmp(got, exp, exp_len) == 0);
                    t_at(NULL);
                    return;
                }
            }
        }
    }

    /* every byte value in every place of a quantum, in every block */

    for (off = 0; off < 3; off++) {
        for (len = 0; len < 256; len++) {
            memset(buf, 0x5a, 48);
            buf[off + 3 * (len % 16)] = (unsigned char) len;

            got_len = trtc_base64_encode(got, buf, 48, TRTC_BASE64_TRTC);
            exp_len = t_base64_bits(exp, buf, 48, alphabets[1], '_');

            if (got_len != exp_len || memcmp(got, exp, exp_len) != 0) {
                break;
            }
        }

        if (len < 256) {
            t_at("base64 encode, byte %zu in place %zu", len, off);
            break;
        }
    }

    T_TRUE(off == 3);
    t_at(NULL);
}
