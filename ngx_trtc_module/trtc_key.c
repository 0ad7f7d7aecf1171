
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Keys and contexts of the token core: a key's HMAC-SHA256 states made
 * once from its secret (or a key file's first line), a thread's scratch
 * state, HMACs with them, and the digests that name a token or a set of
 * keys without revealing either.
 */


#include <stdlib.h>
#include <string.h>

#include "trtc_token_int.h"


trtc_key_t *
trtc_key_create(const unsigned char *secret, size_t len)
{
    size_t          i;
    trtc_key_t     *key;
    unsigned char   block[TRTC_HMAC_BLOCK], pad[TRTC_HMAC_BLOCK];

    if (len == 0 || len > TRTC_KEY_MAX) {
        return NULL;
    }

    memset(block, 0, sizeof(block));

    if (len > TRTC_HMAC_BLOCK) {
        SHA256(secret, len, block);

    } else {
        memcpy(block, secret, len);
    }

    key = calloc(1, sizeof(trtc_key_t));
    if (key == NULL) {
        goto failed;
    }

    for (i = 0; i < TRTC_HMAC_BLOCK; i++) {
        pad[i] = block[i] ^ 0x36;
    }

    if (SHA256_Init(&key->inner) != 1
        || SHA256_Update(&key->inner, pad, sizeof(pad)) != 1)
    {
        goto failed;
    }

    for (i = 0; i < TRTC_HMAC_BLOCK; i++) {
        pad[i] = block[i] ^ 0x5c;
    }

    if (SHA256_Init(&key->outer) != 1
        || SHA256_Update(&key->outer, pad, sizeof(pad)) != 1)
    {
        goto failed;
    }

    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));

    return key;

failed:

    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
    trtc_key_destroy(key);

    return NULL;
}


trtc_key_t *
trtc_key_load(const unsigned char *data, size_t len)
{
    return trtc_key_create(data, trtc_first_line(data, len));
}


size_t
trtc_first_line(const unsigned char *data, size_t len)
{
    size_t  n;

    n = 0;

    while (n < len && data[n] != '\r' && data[n] != '\n') {
        n++;
    }

    while (n > 0 && (data[n - 1] == ' ' || data[n - 1] == '\t')) {
        n--;
    }

    return n;
}


void
trtc_key_destroy(trtc_key_t *key)
{
    if (key == NULL) {
        return;
    }

    OPENSSL_cleanse(key, sizeof(trtc_key_t));
    free(key);
}


trtc_ctx_t *
trtc_ctx_create(void)
{
    trtc_ctx_t  *ctx;

    ctx = calloc(1, sizeof(trtc_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    if (inflateInit(&ctx->inflate) != Z_OK) {
        goto failed;
    }

    ctx->inflate_ready = 1;

    return ctx;

failed:

    trtc_ctx_destroy(ctx);

    return NULL;
}


void
trtc_ctx_destroy(trtc_ctx_t *ctx)
{
    if (ctx == NULL) {
        return;
    }

    if (ctx->inflate_ready) {
        inflateEnd(&ctx->inflate);
    }

    free(ctx);
}


/*
 * HMAC-SHA256 from the key's states: two structure copies, and no
 * allocation
 */

void
trtc_hmac(const trtc_key_t *key, const char *msg, size_t len,
    unsigned char *digest)
{
    SHA256_CTX     sha;
    unsigned char  inner[TRTC_SIG_LEN];

    sha = key->inner;
    SHA256_Update(&sha, msg, len);
    SHA256_Final(inner, &sha);

    sha = key->outer;
    SHA256_Update(&sha, inner, sizeof(inner));
    SHA256_Final(digest, &sha);
}


int
trtc_digest(const unsigned char *salt, size_t salt_len, const char *token,
    size_t len, unsigned char *digest)
{
    SHA256_CTX  sha;

    if (SHA256_Init(&sha) != 1
        || SHA256_Update(&sha, salt, salt_len) != 1
        || SHA256_Update(&sha, token, len) != 1
        || SHA256_Final(digest, &sha) != 1)
    {
        return -1;
    }

    return 0;
}


int
trtc_key_fingerprint(const trtc_key_t *key, unsigned char *fp)
{
    static const char  label[] = "ngx_trtc_module key fingerprint";

    trtc_hmac(key, label, sizeof(label) - 1, fp);

    return 0;
}


int
trtc_keyset_id(trtc_key_t *const *keys, size_t nkeys, uint32_t sdkappid,
    unsigned char *id)
{
    size_t         i;
    SHA256_CTX     sha;
    unsigned char  app[4], fp[TRTC_SIG_LEN];

    app[0] = (unsigned char) (sdkappid >> 24);
    app[1] = (unsigned char) (sdkappid >> 16);
    app[2] = (unsigned char) (sdkappid >> 8);
    app[3] = (unsigned char) sdkappid;

    if (SHA256_Init(&sha) != 1 || SHA256_Update(&sha, app, sizeof(app)) != 1)
    {
        return -1;
    }

    for (i = 0; i < nkeys; i++) {
        if (trtc_key_fingerprint(keys[i], fp) != 0
            || SHA256_Update(&sha, fp, sizeof(fp)) != 1)
        {
            return -1;
        }
    }

    if (SHA256_Final(id, &sha) != 1) {
        return -1;
    }

    return 0;
}
