
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

#include <openssl/crypto.h>

#include "trtc_token_int.h"


trtc_key_t *
trtc_key_create(const unsigned char *secret, size_t len)
{
    size_t          i;
    unsigned int    n;
    trtc_key_t     *key;
    unsigned char   block[TRTC_HMAC_BLOCK], pad[TRTC_HMAC_BLOCK];

    if (len == 0 || len > TRTC_KEY_MAX) {
        return NULL;
    }

    memset(block, 0, sizeof(block));

    if (len > TRTC_HMAC_BLOCK) {
        if (EVP_Digest(secret, len, block, &n, EVP_sha256(), NULL) != 1) {
            return NULL;
        }

    } else {
        memcpy(block, secret, len);
    }

    key = calloc(1, sizeof(trtc_key_t));
    if (key == NULL) {
        goto failed;
    }

    key->inner = EVP_MD_CTX_new();
    key->outer = EVP_MD_CTX_new();

    if (key->inner == NULL || key->outer == NULL) {
        goto failed;
    }

    for (i = 0; i < TRTC_HMAC_BLOCK; i++) {
        pad[i] = block[i] ^ 0x36;
    }

    if (EVP_DigestInit_ex(key->inner, EVP_sha256(), NULL) != 1
        || EVP_DigestUpdate(key->inner, pad, sizeof(pad)) != 1)
    {
        goto failed;
    }

    for (i = 0; i < TRTC_HMAC_BLOCK; i++) {
        pad[i] = block[i] ^ 0x5c;
    }

    if (EVP_DigestInit_ex(key->outer, EVP_sha256(), NULL) != 1
        || EVP_DigestUpdate(key->outer, pad, sizeof(pad)) != 1)
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

    EVP_MD_CTX_free(key->inner);
    EVP_MD_CTX_free(key->outer);
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

    ctx->md = EVP_MD_CTX_new();

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    /* fetched once: EVP_sha256() is looked up again on every init */
    ctx->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
    ctx->sha256 = (EVP_MD *) EVP_sha256();
#endif

    if (ctx->md == NULL || ctx->sha256 == NULL) {
        goto failed;
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

    EVP_MD_CTX_free(ctx->md);

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    EVP_MD_free(ctx->sha256);
#endif

    free(ctx);
}


int
trtc_hmac(trtc_ctx_t *ctx, const trtc_key_t *key, const char *msg,
    size_t len, unsigned char *digest)
{
    unsigned int   n;
    unsigned char  inner[TRTC_SIG_LEN];

    if (EVP_MD_CTX_copy_ex(ctx->md, key->inner) != 1
        || EVP_DigestUpdate(ctx->md, msg, len) != 1
        || EVP_DigestFinal_ex(ctx->md, inner, &n) != 1
        || EVP_MD_CTX_copy_ex(ctx->md, key->outer) != 1
        || EVP_DigestUpdate(ctx->md, inner, sizeof(inner)) != 1
        || EVP_DigestFinal_ex(ctx->md, digest, &n) != 1)
    {
        return -1;
    }

    return 0;
}


int
trtc_digest(trtc_ctx_t *ctx, const unsigned char *salt, size_t salt_len,
    const char *token, size_t len, unsigned char *digest)
{
    unsigned int  n;

    if (EVP_DigestInit_ex(ctx->md, ctx->sha256, NULL) != 1
        || EVP_DigestUpdate(ctx->md, salt, salt_len) != 1
        || EVP_DigestUpdate(ctx->md, token, len) != 1
        || EVP_DigestFinal_ex(ctx->md, digest, &n) != 1)
    {
        return -1;
    }

    return 0;
}


int
trtc_key_fingerprint(const trtc_key_t *key, unsigned char *fp)
{
    int         rc;
    trtc_ctx_t  ctx;

    static const char  label[] = "ngx_trtc_module key fingerprint";

    /* trtc_hmac() uses the digest context of ctx only */

    ctx.md = EVP_MD_CTX_new();
    if (ctx.md == NULL) {
        return -1;
    }

    rc = trtc_hmac(&ctx, key, label, sizeof(label) - 1, fp);

    EVP_MD_CTX_free(ctx.md);

    return rc;
}


int
trtc_keyset_id(trtc_key_t *const *keys, size_t nkeys, uint32_t sdkappid,
    unsigned char *id)
{
    int            rc;
    size_t         i;
    EVP_MD_CTX    *md;
    unsigned int   n;
    unsigned char  app[4], fp[TRTC_SIG_LEN];

    md = EVP_MD_CTX_new();

    rc = -1;

    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
    {
        goto done;
    }

    app[0] = (unsigned char) (sdkappid >> 24);
    app[1] = (unsigned char) (sdkappid >> 16);
    app[2] = (unsigned char) (sdkappid >> 8);
    app[3] = (unsigned char) sdkappid;

    if (EVP_DigestUpdate(md, app, sizeof(app)) != 1) {
        goto done;
    }

    for (i = 0; i < nkeys; i++) {
        if (trtc_key_fingerprint(keys[i], fp) != 0
            || EVP_DigestUpdate(md, fp, sizeof(fp)) != 1)
        {
            goto done;
        }
    }

    if (EVP_DigestFinal_ex(md, id, &n) == 1) {
        rc = 0;
    }

done:

    EVP_MD_CTX_free(md);

    return rc;
}
