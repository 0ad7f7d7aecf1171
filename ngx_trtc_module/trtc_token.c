
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The token core: TLS-sig-api-v2 tokens as Tencent's libraries write
 * them, signed and verified: TRTC's base64 of a zlib stream (inflated
 * to TRTC_JSON_MAX at most), the JSON's members (read by trtc_json.c),
 * their HMAC-SHA256.  Keys and contexts are trtc_key.c's, the userbuf
 * and TRTC's rules trtc_userbuf.c's, base64 trtc_base64.c's.  No nginx
 * types.
 */


#include <string.h>

#if (defined __SSE2__)
#include <emmintrin.h>
#endif

#include "trtc_token_int.h"


static int trtc_inflate(trtc_ctx_t *ctx, const unsigned char *in, size_t len,
    const char **out, size_t *out_len);
static size_t trtc_content(const trtc_token_t *tok, const trtc_fields_t *f,
    char *out);
static size_t trtc_zlib_stored(unsigned char *out, const unsigned char *in,
    size_t len);


static const char  *trtc_errors[] = {
    "ok",
    "no_token",
    "empty",
    "too_long",
    "bad_base64",
    "bad_zlib",
    "too_large",
    "bad_json",
    "duplicate_field",
    "bad_version",
    "bad_identifier",
    "bad_sdkappid",
    "bad_time",
    "bad_expire",
    "bad_sig",
    "bad_userbuf",
    "sdkappid_mismatch",
    "signature_mismatch",
    "expired",
    "userbuf_account_mismatch",
    "userbuf_sdkappid_mismatch",
    "userbuf_expired",
    "no_userbuf",
    "room_mismatch",
    "privilege_missing",
    "user_mismatch",
    "repeated_arg",
    "removed",
    "internal_error"
};


const char *
trtc_strerror(int rc)
{
    if (rc < 0 || rc >= TRTC_ERR_LAST) {
        return "internal_error";
    }

    return trtc_errors[rc];
}


int
trtc_verify(trtc_ctx_t *ctx, trtc_key_t *const *keys, size_t nkeys,
    uint32_t sdkappid, const char *token, size_t len, int64_t now,
    int64_t leeway, trtc_token_t *tok)
{
    int            rc, match;
    size_t         i, n, content_len;
    unsigned char  ubuf[TRTC_USERBUF_MAX + 3];
    const char    *json;
    unsigned char  digest[TRTC_SIG_LEN];
    char           content[TRTC_CONTENT_MAX];
    trtc_fields_t  f;

    if (len == 0) {
        return TRTC_ERR_EMPTY;
    }

    if (len > TRTC_TOKEN_MAX) {
        return TRTC_ERR_TOO_LONG;
    }

    if (nkeys > TRTC_KEYS_MAX) {
        return TRTC_ERR_INTERNAL;
    }

    if (trtc_base64_decode(ctx->zbuf, &n, token, len, TRTC_BASE64_TRTC)
        != 0)
    {
        return TRTC_ERR_BASE64;
    }

    rc = trtc_inflate(ctx, ctx->zbuf, n, &json, &n);
    if (rc != TRTC_OK) {
        return rc;
    }

    memset(tok, 0, sizeof(trtc_token_t));

    /* the rest of f is written wherever trtc_json_token() accepts */
    f.userbuf = NULL;
    f.userbuf_len = 0;
    f.digits[0] = NULL;
    f.digits[1] = NULL;
    f.digits[2] = NULL;

    rc = trtc_json_token(json, n, tok, &f);
    if (rc != TRTC_OK) {
        return rc;
    }

    if (tok->sdkappid != sdkappid) {
        return TRTC_ERR_SDKAPPID_MISMATCH;
    }

    content_len = trtc_content(tok, &f, content);

    match = 0;

    /* every key is tried: the time taken does not tell which matched */

    for (i = nkeys; i-- > 0; /* void */) {
        trtc_hmac(keys[i], content, content_len, digest);

        if (CRYPTO_memcmp(digest, f.sig, TRTC_SIG_LEN) == 0) {
            match = 1;
            tok->key = (uint8_t) i;
        }
    }

    if (!match) {
        return TRTC_ERR_SIGNATURE;
    }

    if (now > tok->time + tok->expire + leeway) {
        return TRTC_ERR_EXPIRED;
    }

    if (!tok->has_userbuf) {
        return TRTC_OK;
    }

    if (trtc_base64_decode(ubuf, &n, f.userbuf, f.userbuf_len,
                           TRTC_BASE64_STD)
        != 0)
    {
        return TRTC_ERR_USERBUF;
    }

    if (trtc_userbuf_decode(ubuf, n, &tok->userbuf) != 0) {
        return TRTC_ERR_USERBUF;
    }

    if (tok->userbuf.account_len != tok->identifier_len
        || memcmp(tok->userbuf.account, tok->identifier,
                  tok->identifier_len)
           != 0)
    {
        return TRTC_ERR_USERBUF_ACCOUNT;
    }

    if (tok->userbuf.sdkappid != tok->sdkappid) {
        return TRTC_ERR_USERBUF_SDKAPPID;
    }

    return trtc_check_expiry(tok, now, leeway);
}


int
trtc_check_expiry(const trtc_token_t *tok, int64_t now, int64_t leeway)
{
    if (now > tok->time + tok->expire + leeway) {
        return TRTC_ERR_EXPIRED;
    }

    if (tok->has_userbuf && now > (int64_t) tok->userbuf.expire + leeway) {
        return TRTC_ERR_USERBUF_EXPIRED;
    }

    return TRTC_OK;
}


int64_t
trtc_expires(const trtc_token_t *tok)
{
    int64_t  expires;

    expires = tok->time + tok->expire;

    if (tok->has_userbuf && (int64_t) tok->userbuf.expire < expires) {
        expires = tok->userbuf.expire;
    }

    return expires;
}


/* the JSON of a token's zlib stream, in *out: in the stream itself, or
 * inflated into ctx->json */

static int
trtc_inflate(trtc_ctx_t *ctx, const unsigned char *in, size_t len,
    const char **out, size_t *out_len)
{
    int        rc;
    size_t     n;
    z_stream  *z;

    /*
     * One final stored block, as trtc_sign() and Tencent's Go library
     * write it: the JSON as it is, read where it is when every field and
     * the checksum are right.  Anything else, wrong or not, is zlib's to
     * tell.
     */

    if (len >= 11
        && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 && !(in[1] & 0x20)
        && ((in[0] << 8) | in[1]) % 31 == 0
        && (in[2] & 0x07) == 0x01)
    {
        n = in[3] | (size_t) in[4] << 8;

        if (n == (~(in[5] | (size_t) in[6] << 8) & 0xffff)
            && len == 7 + n + 4 && n <= TRTC_JSON_MAX
            && trtc_adler32(in + 7, n)
               == ((uint32_t) in[7 + n] << 24 | (uint32_t) in[8 + n] << 16
                   | (uint32_t) in[9 + n] << 8 | in[10 + n]))
        {
            *out = (const char *) in + 7;
            *out_len = n;

            return TRTC_OK;
        }
    }

    z = &ctx->inflate;

    if (inflateReset(z) != Z_OK) {
        return TRTC_ERR_INTERNAL;
    }

    z->next_in = (unsigned char *) in;
    z->avail_in = (uInt) len;
    z->next_out = (unsigned char *) ctx->json;
    z->avail_out = TRTC_JSON_MAX;

    rc = inflate(z, Z_FINISH);

    if (rc == Z_STREAM_END) {
        if (z->avail_in != 0) {
            /* trailing garbage after the stream */
            return TRTC_ERR_ZLIB;
        }

        *out = ctx->json;
        *out_len = TRTC_JSON_MAX - z->avail_out;

        return TRTC_OK;
    }

    if (z->avail_out == 0 && (rc == Z_OK || rc == Z_BUF_ERROR)) {
        return TRTC_ERR_TOO_LARGE;
    }

    return TRTC_ERR_ZLIB;
}


int
trtc_json_has_nul(const char *json, size_t len)
{
    size_t  i;

    if (memchr(json, '\0', len)) {
        return 1;
    }

    for (i = 0; i + 1 < len; i++) {
        if (json[i] != '\\') {
            continue;
        }

        if (json[i + 1] == 'u' && i + 6 <= len
            && memcmp(json + i + 2, "0000", 4) == 0)
        {
            return 1;
        }

        /* skip the escaped character, so "\\u0000" is no escape */
        i++;
    }

    return 0;
}


/* a number's decimal digits at p, at most 20; the end */

char *
trtc_put_number(char *p, uint64_t v)
{
    char  buf[20], *b;

    b = buf + sizeof(buf);

    do {
        *--b = (char) ('0' + v % 10);
        v /= 10;
    } while (v);

    memcpy(p, b, (size_t) (buf + sizeof(buf) - b));

    return p + (buf + sizeof(buf) - b);
}


#define trtc_put_literal(p, s)                                              \
    (memcpy(p, s, sizeof(s) - 1), (p) + sizeof(s) - 1)


/*
 * The content TLS.sig is the HMAC of: the fields of tok, the numbers as
 * the JSON wrote them where those are their decimal digits, the userbuf
 * of f if any.  Bounded: an identifier of 32 bytes, numbers of 10 digits
 * (both checked before), a userbuf of TRTC_USERBUF_B64_MAX: well within
 * TRTC_CONTENT_MAX.
 */

#define trtc_put_field(p, f, i, v)                                          \
    ((f)->digits[i] ? (memcpy(p, (f)->digits[i], (f)->digits_len[i]),       \
                       (p) + (f)->digits_len[i])                            \
                    : trtc_put_number(p, v))

static size_t
trtc_content(const trtc_token_t *tok, const trtc_fields_t *f, char *out)
{
    char  *p;

    p = trtc_put_literal(out, "TLS.identifier:");
    memcpy(p, tok->identifier, tok->identifier_len);
    p += tok->identifier_len;
    p = trtc_put_literal(p, "\nTLS.sdkappid:");
    p = trtc_put_field(p, f, 0, tok->sdkappid);
    p = trtc_put_literal(p, "\nTLS.time:");
    p = trtc_put_field(p, f, 1, (uint64_t) tok->time);
    p = trtc_put_literal(p, "\nTLS.expire:");
    p = trtc_put_field(p, f, 2, (uint64_t) tok->expire);
    *p++ = '\n';

    if (f->userbuf) {
        p = trtc_put_literal(p, "TLS.userbuf:");
        memcpy(p, f->userbuf, f->userbuf_len);
        p += f->userbuf_len;
        *p++ = '\n';
    }

    return (size_t) (p - out);
}


int
trtc_sign(trtc_ctx_t *ctx, const trtc_key_t *key, const trtc_token_t *tok,
    char *out, size_t *len)
{
    int            n;
    size_t         ub_len, ub64_len, content_len;
    unsigned char  ubuf[TRTC_USERBUF_MAX];
    unsigned char  digest[TRTC_SIG_LEN];
    char          *p;
    char           ub64[TRTC_USERBUF_B64_MAX + 1];
    char           content[TRTC_CONTENT_MAX];
    trtc_fields_t  f;

    if (!trtc_userid_valid(tok->identifier, tok->identifier_len)
        || tok->identifier[tok->identifier_len] != '\0')
    {
        return TRTC_ERR_IDENTIFIER;
    }

    if (tok->time < 0 || tok->time > (int64_t) TRTC_NUMBER_MAX) {
        return TRTC_ERR_TIME;
    }

    if (tok->expire < 0 || tok->expire > (int64_t) TRTC_NUMBER_MAX) {
        return TRTC_ERR_EXPIRE;
    }

    ub64_len = 0;

    if (tok->has_userbuf) {
        ub_len = trtc_userbuf_encode(&tok->userbuf, ubuf);
        if (ub_len == 0) {
            return TRTC_ERR_USERBUF;
        }

        ub64_len = trtc_base64_encode(ub64, ubuf, ub_len, TRTC_BASE64_STD);
    }

    ub64[ub64_len] = '\0';

    f.userbuf = tok->has_userbuf ? ub64 : NULL;
    f.userbuf_len = ub64_len;
    f.digits[0] = NULL;
    f.digits[1] = NULL;
    f.digits[2] = NULL;

    content_len = trtc_content(tok, &f, content);

    trtc_hmac(key, content, content_len, digest);

    /* the JSON, at most TRTC_SIGNED_JSON_MAX bytes */

    p = trtc_put_literal(ctx->json, "{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"");
    memcpy(p, tok->identifier, tok->identifier_len);
    p += tok->identifier_len;
    p = trtc_put_literal(p, "\",\"TLS.sdkappid\":");
    p = trtc_put_number(p, tok->sdkappid);
    p = trtc_put_literal(p, ",\"TLS.time\":");
    p = trtc_put_number(p, (uint64_t) tok->time);
    p = trtc_put_literal(p, ",\"TLS.expire\":");
    p = trtc_put_number(p, (uint64_t) tok->expire);
    p = trtc_put_literal(p, ",");

    if (tok->has_userbuf) {
        p = trtc_put_literal(p, "\"TLS.userbuf\":\"");
        memcpy(p, ub64, ub64_len);
        p += ub64_len;
        p = trtc_put_literal(p, "\",");
    }

    p = trtc_put_literal(p, "\"TLS.sig\":\"");
    p += trtc_base64_encode(p, digest, TRTC_SIG_LEN, TRTC_BASE64_STD);
    p = trtc_put_literal(p, "\"}");

    n = (int) (p - ctx->json);

    n = (int) trtc_zlib_stored(ctx->zbuf, (unsigned char *) ctx->json,
                               (size_t) n);

    *len = trtc_base64_encode(out, ctx->zbuf, (size_t) n, TRTC_BASE64_TRTC);

    return TRTC_OK;
}


/*
 * The zlib stream of a token we sign: one stored block, as Tencent's Go
 * library writes by default.  Compressing some 300 bytes of JSON would
 * save a quarter of the token's length for six times the cost of
 * signing (building the Huffman tables dominates it); every verifier
 * inflates stored blocks.  The JSON is at most TRTC_JSON_MAX bytes, well
 * within one block.
 */

static size_t
trtc_zlib_stored(unsigned char *out, const unsigned char *in, size_t len)
{
    uint32_t        adler;
    unsigned char  *p;

    adler = trtc_adler32(in, len);

    p = out;

    *p++ = 0x78;                /* deflate, 32K window; 0x7801 % 31 == 0 */
    *p++ = 0x01;
    *p++ = 0x01;                /* the final block, stored */
    *p++ = (unsigned char) len;
    *p++ = (unsigned char) (len >> 8);
    *p++ = (unsigned char) ~len;
    *p++ = (unsigned char) (~len >> 8);

    memcpy(p, in, len);
    p += len;

    *p++ = (unsigned char) (adler >> 24);
    *p++ = (unsigned char) (adler >> 16);
    *p++ = (unsigned char) (adler >> 8);
    *p++ = (unsigned char) adler;

    return (size_t) (p - out);
}



/*
 * Adler-32 (RFC 1950) of a stored block's JSON.  zlib's adler32() adds a
 * byte at a time to two sums, each addition waiting for the one before;
 * here 16 bytes at a time with SSE2 (which every x86-64 has), to the same
 * sums.  For a block x[0..15] after sums a and b:
 *
 *     a' = a + x[0] + ... + x[15]
 *     b' = b + 16 a + 16 x[0] + 15 x[1] + ... + 1 x[15]
 *
 * so the blocks' 16 a are the sum, over the blocks, of the bytes before
 * each.  Reduced mod 65521 every TRTC_ADLER_CHUNK bytes, fewer than the
 * 5552 after which b could pass 2^32 (zlib's NMAX).
 */

#define TRTC_ADLER_BASE   65521
#define TRTC_ADLER_CHUNK  5536

uint32_t
trtc_adler32(const unsigned char *p, size_t len)
{
    size_t    n;
    uint32_t  a, b;
#if (defined __SSE2__)
    size_t    k;
    uint32_t  sums[4];
    __m128i   v, zero, vs1, vps, vs2, w_lo, w_hi;

    zero = _mm_setzero_si128();
    w_lo = _mm_setr_epi16(16, 15, 14, 13, 12, 11, 10, 9);
    w_hi = _mm_setr_epi16(8, 7, 6, 5, 4, 3, 2, 1);
#endif

    a = 1;
    b = 0;

    while (len) {
        n = (len < TRTC_ADLER_CHUNK) ? len : TRTC_ADLER_CHUNK;
        len -= n;

#if (defined __SSE2__)
        k = n / 16;

        if (k) {
            vs1 = zero;     /* the bytes, in two 64-bit lanes */
            vps = zero;     /* vs1 before each block, summed */
            vs2 = zero;     /* the bytes by their weights, in four lanes */

            b += (uint32_t) (16 * k) * a;
            n -= k * 16;

            do {
                v = _mm_loadu_si128((const __m128i *) p);
                p += 16;

                vps = _mm_add_epi32(vps, vs1);
                vs1 = _mm_add_epi32(vs1, _mm_sad_epu8(v, zero));
                vs2 = _mm_add_epi32(vs2,
                          _mm_madd_epi16(_mm_unpacklo_epi8(v, zero), w_lo));
                vs2 = _mm_add_epi32(vs2,
                          _mm_madd_epi16(_mm_unpackhi_epi8(v, zero), w_hi));
            } while (--k);

            _mm_storeu_si128((__m128i *) sums, vps);
            b += 16 * (sums[0] + sums[2]);
            _mm_storeu_si128((__m128i *) sums, vs2);
            b += sums[0] + sums[1] + sums[2] + sums[3];
            _mm_storeu_si128((__m128i *) sums, vs1);
            a += sums[0] + sums[2];
        }
#endif

        while (n--) {
            a += *p++;
            b += a;
        }

        a %= TRTC_ADLER_BASE;
        b %= TRTC_ADLER_BASE;
    }

    return b << 16 | a;
}
