
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The shared part of the fuzz targets: keys, and invariants that hold
 * whatever the input.  A broken invariant aborts, which libFuzzer keeps
 * as a crash like any sanitizer report.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"


static int fuzz_same_token(const trtc_token_t *a, const trtc_token_t *b);
static void fuzz_base64_variant(const uint8_t *data, size_t size,
    int variant);


static fuzz_env_t  *fuzz_the_env;


fuzz_env_t *
fuzz_env(void)
{
    size_t       i;
    fuzz_env_t  *env;

    static const char  *secrets[FUZZ_NKEYS] = { FUZZ_KEY0, FUZZ_KEY1 };

    if (fuzz_the_env) {
        return fuzz_the_env;
    }

    env = calloc(1, sizeof(fuzz_env_t));
    fuzz_assert(env != NULL);

    env->ctx = trtc_ctx_create();
    fuzz_assert(env->ctx != NULL);

    for (i = 0; i < FUZZ_NKEYS; i++) {
        env->keys[i] = trtc_key_create((const unsigned char *) secrets[i],
                                       strlen(secrets[i]));
        fuzz_assert(env->keys[i] != NULL);
    }

    fuzz_the_env = env;

    return env;
}


void
fuzz_fail(const char *file, int line, const char *expr)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, expr);
    abort();
}


void
fuzz_check_verify(fuzz_env_t *env, int rc, const trtc_token_t *tok,
    const char *token, size_t len)
{
    int            rc2;
    size_t         n;
    int64_t        late;
    uint32_t       missing;
    trtc_room_t    room;
    trtc_token_t   again;
    unsigned char  digest[TRTC_DIGEST_LEN];
    char           signed_token[TRTC_TOKEN_MAX];

    fuzz_assert(rc >= TRTC_OK && rc < TRTC_ERR_LAST);
    fuzz_assert(trtc_strerror(rc) != NULL);

    /* nothing from the outside makes OpenSSL or zlib fail */
    fuzz_assert(rc != TRTC_ERR_INTERNAL);

    fuzz_assert(trtc_digest((const unsigned char *) "salt", 4, token, len,
                            digest)
                == 0);

    if (rc != TRTC_OK) {
        return;
    }

    /* what a verified token is */

    fuzz_assert(len <= TRTC_TOKEN_MAX);
    fuzz_assert(tok->sdkappid == FUZZ_SDKAPPID);
    fuzz_assert(trtc_userid_valid(tok->identifier, tok->identifier_len));
    fuzz_assert(strlen(tok->identifier) == tok->identifier_len);
    fuzz_assert(tok->time >= 0 && tok->time <= (int64_t) TRTC_NUMBER_MAX);
    fuzz_assert(tok->expire >= 0
                && tok->expire <= (int64_t) TRTC_NUMBER_MAX);
    fuzz_assert(trtc_check_expiry(tok, FUZZ_NOW, FUZZ_LEEWAY) == TRTC_OK);
    fuzz_assert(trtc_expires(tok) + FUZZ_LEEWAY >= FUZZ_NOW);

    if (tok->has_userbuf) {
        fuzz_assert(tok->userbuf.ver <= 1);
        fuzz_assert(tok->userbuf.account_len == tok->identifier_len);
        fuzz_assert(memcmp(tok->userbuf.account, tok->identifier,
                           tok->identifier_len)
                    == 0);
        fuzz_assert(tok->userbuf.sdkappid == FUZZ_SDKAPPID);
        fuzz_assert(tok->userbuf.ver == 0
                    || (tok->userbuf.strroom_len > 0
                        && tok->userbuf.strroom_len <= TRTC_STRROOM_MAX));

        trtc_room_of(&tok->userbuf, &room);
        fuzz_assert(trtc_check_room(tok, &room) == TRTC_OK);
        fuzz_assert(trtc_check_privilege(tok, tok->userbuf.privilege)
                    == TRTC_OK);

        missing = ~tok->userbuf.privilege & TRTC_PRIV_ALL;

        if (missing) {
            fuzz_assert(trtc_check_privilege(tok, missing)
                        == TRTC_ERR_PRIVILEGE);
        }

        room.ver ^= 1;
        fuzz_assert(trtc_check_room(tok, &room) == TRTC_ERR_ROOM);

    } else {
        fuzz_assert(trtc_check_privilege(tok, 0) == TRTC_ERR_NO_USERBUF);
    }

    /* the same again: the scratch state carries nothing over */

    rc2 = trtc_verify(env->ctx, env->keys, FUZZ_NKEYS, FUZZ_SDKAPPID,
                      token, len, FUZZ_NOW, FUZZ_LEEWAY, &again);
    fuzz_assert(rc2 == TRTC_OK);
    fuzz_assert(fuzz_same_token(tok, &again));

    /* no key, another application, later: refused */

    rc2 = trtc_verify(env->ctx, env->keys, 0, FUZZ_SDKAPPID,
                      token, len, FUZZ_NOW, FUZZ_LEEWAY, &again);
    fuzz_assert(rc2 == TRTC_ERR_SIGNATURE);

    rc2 = trtc_verify(env->ctx, env->keys, FUZZ_NKEYS, FUZZ_SDKAPPID + 1,
                      token, len, FUZZ_NOW, FUZZ_LEEWAY, &again);
    fuzz_assert(rc2 == TRTC_ERR_SDKAPPID_MISMATCH);

    late = trtc_expires(tok) + FUZZ_LEEWAY + 1;

    fuzz_assert(trtc_check_expiry(tok, late, FUZZ_LEEWAY) != TRTC_OK);

    rc2 = trtc_verify(env->ctx, env->keys, FUZZ_NKEYS, FUZZ_SDKAPPID,
                      token, len, late, FUZZ_LEEWAY, &again);
    fuzz_assert(rc2 == TRTC_ERR_EXPIRED || rc2 == TRTC_ERR_USERBUF_EXPIRED);

    /* signed anew with the first key: the same fields, that key only */

    n = 0;
    rc2 = trtc_sign(env->ctx, env->keys[0], tok, signed_token, &n);
    fuzz_assert(rc2 == TRTC_OK);
    fuzz_assert(n > 0 && n <= TRTC_TOKEN_MAX);

    rc2 = trtc_verify(env->ctx, env->keys, FUZZ_NKEYS, FUZZ_SDKAPPID,
                      signed_token, n, FUZZ_NOW, FUZZ_LEEWAY, &again);
    fuzz_assert(rc2 == TRTC_OK);
    fuzz_assert(fuzz_same_token(tok, &again));

    rc2 = trtc_verify(env->ctx, env->keys + 1, 1, FUZZ_SDKAPPID,
                      signed_token, n, FUZZ_NOW, FUZZ_LEEWAY, &again);
    fuzz_assert(rc2 == TRTC_ERR_SIGNATURE);
}


static int
fuzz_same_token(const trtc_token_t *a, const trtc_token_t *b)
{
    const trtc_userbuf_t  *x, *y;

    if (a->sdkappid != b->sdkappid
        || a->identifier_len != b->identifier_len
        || strcmp(a->identifier, b->identifier) != 0
        || a->time != b->time
        || a->expire != b->expire
        || a->has_userbuf != b->has_userbuf)
    {
        return 0;
    }

    if (!a->has_userbuf) {
        return 1;
    }

    x = &a->userbuf;
    y = &b->userbuf;

    return x->ver == y->ver
           && x->account_len == y->account_len
           && memcmp(x->account, y->account, x->account_len) == 0
           && x->sdkappid == y->sdkappid
           && x->roomid == y->roomid
           && x->expire == y->expire
           && x->privilege == y->privilege
           && x->account_type == y->account_type
           && x->strroom_len == y->strroom_len
           && memcmp(x->strroom, y->strroom, x->strroom_len) == 0;
}


void
fuzz_base64(const uint8_t *data, size_t size)
{
    fuzz_base64_variant(data, size, TRTC_BASE64_STD);
    fuzz_base64_variant(data, size, TRTC_BASE64_TRTC);
}


static void
fuzz_base64_variant(const uint8_t *data, size_t size, int variant)
{
    char            pad;
    size_t          n, m, k;
    unsigned char  *dec;
    char           *enc;

    pad = (variant == TRTC_BASE64_TRTC) ? '_' : '=';

    /*
     * exactly what the bound promises, on the heap: a byte more written
     * is an AddressSanitizer report
     */

    dec = malloc(trtc_base64_decoded_length(size));
    fuzz_assert(dec != NULL || size == 0);

    if (trtc_base64_decode(dec, &n, (const char *) data, size, variant)
        == 0)
    {
        fuzz_assert(n <= trtc_base64_decoded_length(size));

        enc = malloc(trtc_base64_encoded_length(n) + 1);
        fuzz_assert(enc != NULL);

        m = trtc_base64_encode(enc, dec, n, variant);
        fuzz_assert(m == trtc_base64_encoded_length(n));

        /* canonical: the input is the encoding, padded or not */

        for (k = m; k > 0 && enc[k - 1] == pad; k--) { /* void */ }

        fuzz_assert((size == m && memcmp(enc, data, m) == 0)
                    || (size == k && memcmp(enc, data, k) == 0));

        free(enc);
    }

    free(dec);

    /* any bytes: encoded, then decoded with and without the padding */

    m = trtc_base64_encoded_length(size);
    enc = malloc(m + 1);
    fuzz_assert(enc != NULL);

    fuzz_assert(trtc_base64_encode(enc, data, size, variant) == m);

    dec = malloc(size + 1);
    fuzz_assert(dec != NULL);

    fuzz_assert(trtc_base64_decode(dec, &n, enc, m, variant) == 0);
    fuzz_assert(n == size && memcmp(dec, data, size) == 0);

    for (k = m; k > 0 && enc[k - 1] == pad; k--) { /* void */ }

    fuzz_assert(trtc_base64_decode(dec, &n, enc, k, variant) == 0);
    fuzz_assert(n == size && memcmp(dec, data, size) == 0);

    free(enc);
    free(dec);
}
