
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
