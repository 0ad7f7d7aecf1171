
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
