
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Base64 as the tokens write it: the standard alphabet (signatures,
 * userbufs) or TRTC's variant ('*', '-', '_' for '+', '/', '=') of the
 * token itself; decoding takes missing padding.  Encoding is most of
 * what signing costs after the HMAC: on x86 with SSSE3, 12 bytes at a
 * time.
 */


#include <string.h>

#if (defined __GNUC__ && (defined __x86_64__ || defined __i386__))
#define TRTC_B64_SSSE3  1
#include <tmmintrin.h>
#endif

#include "trtc_token_int.h"


#if (TRTC_B64_SSSE3)
static size_t trtc_base64_encode_ssse3(char *restrict dst,
    const unsigned char *restrict src, size_t len, int variant);
static int trtc_base64_has_ssse3(void);
#endif


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
#if (TRTC_B64_SSSE3)
    size_t       n;
#endif

    basis = (variant == TRTC_BASE64_TRTC) ? trtc_b64_trtc : trtc_b64_std;
    pad = (variant == TRTC_BASE64_TRTC) ? '_' : '=';
    d = dst;

#if (TRTC_B64_SSSE3)
    if (len >= 16 && trtc_base64_has_ssse3()) {
        n = trtc_base64_encode_ssse3(d, src, len, variant);
        d += n / 3 * 4;
        src += n;
        len -= n;
    }
#endif

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


#if (TRTC_B64_SSSE3)

/*
 * Four quanta at a time: 16 bytes are loaded, 12 used, so it stops
 * while 16 are left; it returns the bytes it encoded, a multiple of 3.
 * In each 32-bit lane the shuffle puts a quantum's bytes a, b, c as the
 * 16-bit words ab and bc; two multiplications move its four 6-bit values
 * to a byte each.  A value is then the character less an offset, one of
 * five by its range: the ranges are told apart by a saturated
 * subtraction and one comparison, and the offsets looked up by a second
 * shuffle.
 */

__attribute__((target("ssse3")))
static size_t
trtc_base64_encode_ssse3(char *restrict dst, const unsigned char *restrict src,
    size_t len, int variant)
{
    size_t   n;
    __m128i  in, v, range, offsets, place, a_mask, c_mask, a_mul, c_mul;

    place = _mm_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);

    /* the 1st value, a's high 6 bits of ab, and the 3rd, of bc, shifted
     * down to their bytes; the 2nd, of ab, and the 4th, c's low 6 bits,
     * shifted up to theirs */

    a_mask = _mm_set1_epi32(0x0fc0fc00);
    a_mul = _mm_set1_epi32(0x04000040);
    c_mask = _mm_set1_epi32(0x003f03f0);
    c_mul = _mm_set1_epi32(0x01000010);

    /* by range: 26..51, 52..61 (1 to 10), 62 (11), 63 (12), 0..25 (13) */

    offsets = (variant == TRTC_BASE64_TRTC)
              ? _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52,
                              '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                              '0' - 52, '0' - 52, '0' - 52, '*' - 62,
                              '-' - 63, 'A', 0, 0)
              : _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52,
                              '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                              '0' - 52, '0' - 52, '0' - 52, '+' - 62,
                              '/' - 63, 'A', 0, 0);

    for (n = 0; len - n >= 16; n += 12) {
        in = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (src + n)),
                              place);

        v = _mm_or_si128(_mm_mulhi_epu16(_mm_and_si128(in, a_mask), a_mul),
                         _mm_mullo_epi16(_mm_and_si128(in, c_mask), c_mul));

        range = _mm_or_si128(_mm_subs_epu8(v, _mm_set1_epi8(51)),
                             _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26),
                                                          v),
                                           _mm_set1_epi8(13)));

        v = _mm_add_epi8(v, _mm_shuffle_epi8(offsets, range));

        _mm_storeu_si128((__m128i *) (dst + n / 3 * 4), v);
    }

    return n;
}


/* once: the CPU is the same for the life of the process */

static int
trtc_base64_has_ssse3(void)
{
    static int  has = -1;

    if (has < 0) {
        __builtin_cpu_init();
        has = __builtin_cpu_supports("ssse3") ? 1 : 0;
    }

    return has;
}

#endif


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
