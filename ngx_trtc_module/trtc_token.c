
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The token core: TLS-sig-api-v2 tokens as Tencent's libraries write
 * them, signed and verified (TRTC's base64, a zlib stream inflated to
 * TRTC_JSON_MAX at most, the JSON's members, the HMAC-SHA256), the
 * userbuf of a PrivateMapKey, TRTC's rules for user ids, rooms and
 * privileges, and the digests the cache keeps.  No nginx types.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "trtc_token.h"


#define TRTC_HMAC_BLOCK      64
#define TRTC_SIG_B64_LEN     trtc_base64_encoded_length(TRTC_SIG_LEN)
#define TRTC_USERBUF_B64_MAX trtc_base64_encoded_length(TRTC_USERBUF_MAX)

/* "TLS.identifier:" ... "TLS.userbuf:" with their values, generous */
#define TRTC_CONTENT_MAX     512
#define TRTC_ZBUF_SIZE       (TRTC_TOKEN_MAX / 4 * 3 + 4)


struct trtc_key_s {
    EVP_MD_CTX              *inner;
    EVP_MD_CTX              *outer;
};


struct trtc_ctx_s {
    z_stream                 inflate;
    EVP_MD_CTX              *md;
    EVP_MD                  *sha256;
    unsigned                 inflate_ready:1;
    unsigned char            zbuf[TRTC_ZBUF_SIZE];
    char                     json[TRTC_JSON_MAX + 1];
};


typedef struct {
    const char              *userbuf;
    size_t                   userbuf_len;
    unsigned char            sig[TRTC_SIG_LEN];
    char                     userbuf_b64[TRTC_USERBUF_B64_MAX + 1];
} trtc_fields_t;


static int trtc_inflate(trtc_ctx_t *ctx, const unsigned char *in, size_t len,
    size_t *out_len);
static int trtc_parse(const char *json, size_t len, trtc_token_t *tok,
    trtc_fields_t *f);
static int trtc_json_has_nul(const char *json, size_t len);
static int trtc_parse_member(int m, cJSON *item, trtc_token_t *tok,
    trtc_fields_t *f);
static int trtc_json_number(const cJSON *item, int64_t *value);
static size_t trtc_content(const trtc_token_t *tok, const char *userbuf,
    size_t userbuf_len, char *out);
static int trtc_hmac(trtc_ctx_t *ctx, const trtc_key_t *key,
    const char *msg, size_t len, unsigned char *digest);
static size_t trtc_zlib_stored(unsigned char *out, const unsigned char *in,
    size_t len);
static int trtc_strroom_valid(const char *s, size_t len);
static int trtc_is_json_space(char c);


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
    "internal_error"
};


static const struct {
    const char              *name;
    uint32_t                 bits;
} trtc_privileges[] = {
    { "create",         TRTC_PRIV_CREATE },
    { "enter",          TRTC_PRIV_ENTER },
    { "send_audio",     TRTC_PRIV_SEND_AUDIO },
    { "recv_audio",     TRTC_PRIV_RECV_AUDIO },
    { "receive_audio",  TRTC_PRIV_RECV_AUDIO },
    { "send_video",     TRTC_PRIV_SEND_VIDEO },
    { "recv_video",     TRTC_PRIV_RECV_VIDEO },
    { "receive_video",  TRTC_PRIV_RECV_VIDEO },
    { "send_screen",    TRTC_PRIV_SEND_SCREEN },
    { "recv_screen",    TRTC_PRIV_RECV_SCREEN },
    { "receive_screen", TRTC_PRIV_RECV_SCREEN },
    { "all",            TRTC_PRIV_ALL },
    { NULL, 0 }
};


const char *
trtc_strerror(int rc)
{
    if (rc < 0 || rc >= TRTC_ERR_LAST) {
        return "internal_error";
    }

    return trtc_errors[rc];
}


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
trtc_verify(trtc_ctx_t *ctx, trtc_key_t *const *keys, size_t nkeys,
    uint32_t sdkappid, const char *token, size_t len, int64_t now,
    int64_t leeway, trtc_token_t *tok)
{
    int            rc, match;
    size_t         i, n, content_len;
    unsigned char  ubuf[TRTC_USERBUF_MAX + 3];
    unsigned char  digest[TRTC_SIG_LEN];
    char           content[TRTC_CONTENT_MAX];
    trtc_fields_t  f;

    if (len == 0) {
        return TRTC_ERR_EMPTY;
    }

    if (len > TRTC_TOKEN_MAX) {
        return TRTC_ERR_TOO_LONG;
    }

    if (trtc_base64_decode(ctx->zbuf, &n, token, len, TRTC_BASE64_TRTC)
        != 0)
    {
        return TRTC_ERR_BASE64;
    }

    rc = trtc_inflate(ctx, ctx->zbuf, n, &n);
    if (rc != TRTC_OK) {
        return rc;
    }

    memset(tok, 0, sizeof(trtc_token_t));
    memset(&f, 0, sizeof(trtc_fields_t));

    rc = trtc_parse(ctx->json, n, tok, &f);
    if (rc != TRTC_OK) {
        return rc;
    }

    if (tok->sdkappid != sdkappid) {
        return TRTC_ERR_SDKAPPID_MISMATCH;
    }

    content_len = trtc_content(tok, f.userbuf, f.userbuf_len, content);

    match = 0;

    for (i = 0; i < nkeys; i++) {
        if (trtc_hmac(ctx, keys[i], content, content_len, digest) != 0) {
            return TRTC_ERR_INTERNAL;
        }

        match |= (CRYPTO_memcmp(digest, f.sig, TRTC_SIG_LEN) == 0);
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
trtc_keyset_id(trtc_key_t *const *keys, size_t nkeys, uint32_t sdkappid,
    unsigned char *id)
{
    int            rc;
    size_t         i;
    EVP_MD_CTX    *md;
    unsigned int   n;
    unsigned char  app[4], fp[TRTC_SIG_LEN];
    trtc_ctx_t     ctx;

    static const char  label[] = "ngx_trtc_module key fingerprint";

    md = EVP_MD_CTX_new();
    ctx.md = EVP_MD_CTX_new();

    rc = -1;

    if (md == NULL || ctx.md == NULL
        || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
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

    /* trtc_hmac() uses the digest context of ctx only */

    for (i = 0; i < nkeys; i++) {
        if (trtc_hmac(&ctx, keys[i], label, sizeof(label) - 1, fp) != 0
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
    EVP_MD_CTX_free(ctx.md);

    return rc;
}


static int
trtc_inflate(trtc_ctx_t *ctx, const unsigned char *in, size_t len,
    size_t *out_len)
{
    int        rc;
    z_stream  *z;

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

        *out_len = TRTC_JSON_MAX - z->avail_out;
        ctx->json[*out_len] = '\0';

        return TRTC_OK;
    }

    if (z->avail_out == 0 && (rc == Z_OK || rc == Z_BUF_ERROR)) {
        return TRTC_ERR_TOO_LARGE;
    }

    return TRTC_ERR_ZLIB;
}


/* the members of a token's JSON, in the order their absence is told */

enum {
    TRTC_M_VER = 0, TRTC_M_IDENTIFIER, TRTC_M_SDKAPPID, TRTC_M_TIME,
    TRTC_M_EXPIRE, TRTC_M_SIG, TRTC_M_USERBUF, TRTC_M_LAST
};

static const struct {
    const char              *name;
    int                      error;      /* missing or invalid */
} trtc_members[] = {
    { "TLS.ver",        TRTC_ERR_VERSION },
    { "TLS.identifier", TRTC_ERR_IDENTIFIER },
    { "TLS.sdkappid",   TRTC_ERR_SDKAPPID },
    { "TLS.time",       TRTC_ERR_TIME },
    { "TLS.expire",     TRTC_ERR_EXPIRE },
    { "TLS.sig",        TRTC_ERR_SIG },
    { "TLS.userbuf",    TRTC_ERR_USERBUF }      /* the only optional one */
};


static int
trtc_parse(const char *json, size_t len, trtc_token_t *tok, trtc_fields_t *f)
{
    int          rc, m;
    cJSON       *root, *item;
    const char  *end, *s;
    unsigned     seen;

    /*
     * cJSON's strings end at a NUL: "alice\u0000x" would read as "alice",
     * one token with many spellings; no token has a NUL in its JSON
     */

    if (trtc_json_has_nul(json, len)) {
        return TRTC_ERR_JSON;
    }

    end = NULL;
    root = cJSON_ParseWithLengthOpts(json, len, &end, 0);

    if (root == NULL) {
        return TRTC_ERR_JSON;
    }

    rc = TRTC_OK;

    for (s = end; s < json + len; s++) {
        if (!trtc_is_json_space(*s)) {
            rc = TRTC_ERR_JSON;
            goto done;
        }
    }

    if (!cJSON_IsObject(root)) {
        rc = TRTC_ERR_JSON;
        goto done;
    }

    seen = 0;

    for (item = root->child; item; item = item->next) {

        if (item->string == NULL) {
            continue;
        }

        for (m = 0; m < TRTC_M_LAST; m++) {
            if (strcmp(item->string, trtc_members[m].name) == 0) {
                break;
            }
        }

        if (m == TRTC_M_LAST) {
            continue;                   /* other members are let be */
        }

        if (seen & (1u << m)) {
            rc = TRTC_ERR_DUPLICATE;
            goto done;
        }

        seen |= 1u << m;

        if (trtc_parse_member(m, item, tok, f) != 0) {
            rc = trtc_members[m].error;
            goto done;
        }
    }

    for (m = 0; m < TRTC_M_USERBUF; m++) {
        if (!(seen & (1u << m))) {
            rc = trtc_members[m].error;
            break;
        }
    }

done:

    cJSON_Delete(root);

    return rc;
}


/* one member of a token's JSON into *tok or *f; -1 when it is invalid */

static int
trtc_parse_member(int m, cJSON *item, trtc_token_t *tok, trtc_fields_t *f)
{
    size_t          n;
    int64_t         v;
    unsigned char   sig[TRTC_SIG_LEN + 2];

    switch (m) {

    case TRTC_M_VER:
        return (cJSON_IsString(item) && strcmp(item->valuestring, "2.0") == 0)
               ? 0 : -1;

    case TRTC_M_IDENTIFIER:
        if (!cJSON_IsString(item)) {
            return -1;
        }

        n = strlen(item->valuestring);

        if (!trtc_userid_valid(item->valuestring, n)) {
            return -1;
        }

        memcpy(tok->identifier, item->valuestring, n);
        tok->identifier[n] = '\0';
        tok->identifier_len = (uint8_t) n;
        return 0;

    case TRTC_M_SDKAPPID:
        if (trtc_json_number(item, &v) != 0) {
            return -1;
        }

        tok->sdkappid = (uint32_t) v;
        return 0;

    case TRTC_M_TIME:
        return trtc_json_number(item, &tok->time);

    case TRTC_M_EXPIRE:
        return trtc_json_number(item, &tok->expire);

    case TRTC_M_USERBUF:
        if (!cJSON_IsString(item)) {
            return -1;
        }

        n = strlen(item->valuestring);

        if (n == 0 || n > TRTC_USERBUF_B64_MAX) {
            return -1;
        }

        memcpy(f->userbuf_b64, item->valuestring, n);
        f->userbuf_b64[n] = '\0';
        f->userbuf = f->userbuf_b64;
        f->userbuf_len = n;
        tok->has_userbuf = 1;
        return 0;

    default: /* TRTC_M_SIG */
        if (!cJSON_IsString(item)) {
            return -1;
        }

        n = strlen(item->valuestring);

        if (n > TRTC_SIG_B64_LEN
            || trtc_base64_decode(sig, &n, item->valuestring, n,
                                  TRTC_BASE64_STD)
               != 0
            || n != TRTC_SIG_LEN)
        {
            return -1;
        }

        memcpy(f->sig, sig, TRTC_SIG_LEN);
        return 0;
    }
}


static int
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


static int
trtc_json_number(const cJSON *item, int64_t *value)
{
    double  d;

    if (!cJSON_IsNumber(item)) {
        return -1;
    }

    d = item->valuedouble;

    /* also false for NaN */
    if (!(d >= 0 && d <= (double) TRTC_NUMBER_MAX)) {
        return -1;
    }

    if (d != (double) (int64_t) d) {
        return -1;
    }

    *value = (int64_t) d;

    return 0;
}


static size_t
trtc_content(const trtc_token_t *tok, const char *userbuf,
    size_t userbuf_len, char *out)
{
    int  n;

    n = snprintf(out, TRTC_CONTENT_MAX,
                 "TLS.identifier:%s\nTLS.sdkappid:%u\n"
                 "TLS.time:%lld\nTLS.expire:%lld\n",
                 tok->identifier, (unsigned) tok->sdkappid,
                 (long long) tok->time, (long long) tok->expire);

    /* bounded: identifier <= 32 bytes, numbers <= 10 digits */

    if (userbuf) {
        n += snprintf(out + n, TRTC_CONTENT_MAX - n, "TLS.userbuf:%.*s\n",
                      (int) userbuf_len, userbuf);
    }

    return (size_t) n;
}


static int
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
trtc_sign(trtc_ctx_t *ctx, const trtc_key_t *key, const trtc_token_t *tok,
    char *out, size_t *len)
{
    int            n;
    size_t         ub_len, ub64_len, content_len;
    unsigned char  ubuf[TRTC_USERBUF_MAX];
    unsigned char  digest[TRTC_SIG_LEN];
    char           ub64[TRTC_USERBUF_B64_MAX + 1];
    char           sig64[TRTC_SIG_B64_LEN + 1];
    char           content[TRTC_CONTENT_MAX];

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

    content_len = trtc_content(tok, tok->has_userbuf ? ub64 : NULL,
                               ub64_len, content);

    if (trtc_hmac(ctx, key, content, content_len, digest) != 0) {
        return TRTC_ERR_INTERNAL;
    }

    sig64[trtc_base64_encode(sig64, digest, TRTC_SIG_LEN, TRTC_BASE64_STD)]
        = '\0';

    n = snprintf(ctx->json, sizeof(ctx->json),
                 "{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"%s\","
                 "\"TLS.sdkappid\":%u,\"TLS.time\":%lld,\"TLS.expire\":%lld,"
                 "%s%s%s\"TLS.sig\":\"%s\"}",
                 tok->identifier, (unsigned) tok->sdkappid,
                 (long long) tok->time, (long long) tok->expire,
                 tok->has_userbuf ? "\"TLS.userbuf\":\"" : "",
                 ub64, tok->has_userbuf ? "\"," : "", sig64);

    if (n < 0 || (size_t) n >= sizeof(ctx->json)) {
        return TRTC_ERR_INTERNAL;
    }

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
    uLong           adler;
    unsigned char  *p;

    adler = adler32(adler32(0L, Z_NULL, 0), in, (uInt) len);

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


int
trtc_check_room(const trtc_token_t *tok, const trtc_room_t *room)
{
    const trtc_userbuf_t  *ub;

    if (!tok->has_userbuf) {
        return TRTC_ERR_NO_USERBUF;
    }

    ub = &tok->userbuf;

    if (ub->ver != room->ver) {
        return TRTC_ERR_ROOM;
    }

    if (room->ver == 0) {
        return ub->roomid == room->roomid ? TRTC_OK : TRTC_ERR_ROOM;
    }

    if (ub->strroom_len != room->len
        || memcmp(ub->strroom, room->str, room->len) != 0)
    {
        return TRTC_ERR_ROOM;
    }

    return TRTC_OK;
}


int
trtc_check_privilege(const trtc_token_t *tok, uint32_t privilege)
{
    if (!tok->has_userbuf) {
        return TRTC_ERR_NO_USERBUF;
    }

    if ((tok->userbuf.privilege & privilege) != privilege) {
        return TRTC_ERR_PRIVILEGE;
    }

    return TRTC_OK;
}


int
trtc_set_userbuf(trtc_token_t *tok, const trtc_room_t *room,
    uint32_t privilege)
{
    int64_t          expire;
    trtc_userbuf_t  *ub;

    expire = tok->time + tok->expire;

    if (expire < 0 || expire > (int64_t) TRTC_NUMBER_MAX) {
        return TRTC_ERR_EXPIRE;
    }

    ub = &tok->userbuf;
    memset(ub, 0, sizeof(trtc_userbuf_t));

    ub->ver = room->ver;
    ub->account_len = tok->identifier_len;
    memcpy(ub->account, tok->identifier, tok->identifier_len);
    ub->sdkappid = tok->sdkappid;
    ub->roomid = room->ver == 0 ? room->roomid : 0;
    ub->expire = (uint32_t) expire;
    ub->privilege = privilege;

    if (room->ver == 1) {
        ub->strroom_len = room->len;
        memcpy(ub->strroom, room->str, room->len);
    }

    tok->has_userbuf = 1;

    return TRTC_OK;
}


static unsigned char *
trtc_put32(unsigned char *p, uint32_t v)
{
    *p++ = (unsigned char) (v >> 24);
    *p++ = (unsigned char) (v >> 16);
    *p++ = (unsigned char) (v >> 8);
    *p++ = (unsigned char) v;

    return p;
}


static uint32_t
trtc_get32(const unsigned char *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | (uint32_t) p[3];
}


size_t
trtc_userbuf_encode(const trtc_userbuf_t *ub, unsigned char *out)
{
    unsigned char  *p;

    if (ub->ver > 1
        || ub->account_len == 0 || ub->account_len > TRTC_USERID_MAX
        || (ub->ver == 1
            && (ub->strroom_len == 0 || ub->strroom_len > TRTC_STRROOM_MAX)))
    {
        return 0;
    }

    p = out;

    *p++ = ub->ver;
    *p++ = 0;
    *p++ = ub->account_len;
    memcpy(p, ub->account, ub->account_len);
    p += ub->account_len;

    p = trtc_put32(p, ub->sdkappid);
    p = trtc_put32(p, ub->roomid);
    p = trtc_put32(p, ub->expire);
    p = trtc_put32(p, ub->privilege);
    p = trtc_put32(p, ub->account_type);

    if (ub->ver == 1) {
        *p++ = 0;
        *p++ = ub->strroom_len;
        memcpy(p, ub->strroom, ub->strroom_len);
        p += ub->strroom_len;
    }

    return (size_t) (p - out);
}


int
trtc_userbuf_decode(const unsigned char *p, size_t len, trtc_userbuf_t *ub)
{
    size_t  account_len, room_len, need;

    memset(ub, 0, sizeof(trtc_userbuf_t));

    if (len < TRTC_USERBUF_MIN || len > TRTC_USERBUF_MAX) {
        return -1;
    }

    if (p[0] > 1) {
        return -1;
    }

    account_len = ((size_t) p[1] << 8) | p[2];

    if (account_len == 0 || account_len > TRTC_USERID_MAX) {
        return -1;
    }

    need = TRTC_USERBUF_MIN + account_len + (p[0] == 1 ? 2 : 0);

    if (len < need) {
        return -1;
    }

    ub->ver = p[0];
    ub->account_len = (uint8_t) account_len;
    memcpy(ub->account, p + 3, account_len);

    p += 3 + account_len;

    ub->sdkappid = trtc_get32(p);
    ub->roomid = trtc_get32(p + 4);
    ub->expire = trtc_get32(p + 8);
    ub->privilege = trtc_get32(p + 12);
    ub->account_type = trtc_get32(p + 16);

    p += 20;

    if (ub->ver == 0) {
        return len == need ? 0 : -1;
    }

    room_len = ((size_t) p[0] << 8) | p[1];

    if (room_len == 0 || room_len > TRTC_STRROOM_MAX
        || len != need + room_len
        || !trtc_strroom_valid((const char *) p + 2, room_len))
    {
        return -1;
    }

    ub->strroom_len = (uint8_t) room_len;
    memcpy(ub->strroom, p + 2, room_len);

    return 0;
}


int
trtc_userid_valid(const char *s, size_t len)
{
    size_t  i;
    char    c;

    if (len == 0 || len > TRTC_USERID_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '_' || c == '-')
        {
            continue;
        }

        return 0;
    }

    return 1;
}


static int
trtc_strroom_valid(const char *s, size_t len)
{
    size_t  i;
    char    c;

    if (len == 0 || len > TRTC_STRROOM_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9'))
        {
            continue;
        }

        /* the punctuation TRTC allows in string room ids */
        if (c == '\0' || strchr(" !#$%&()+-:;<=.>?@[]^_{}|~,", c) == NULL) {
            return 0;
        }
    }

    return 1;
}


int
trtc_room_parse(const char *s, size_t len, trtc_room_t *room)
{
    size_t    i;
    uint64_t  v;

    memset(room, 0, sizeof(trtc_room_t));

    if (len > 0 && len <= 10 && s[0] >= '1' && s[0] <= '9') {
        v = 0;

        for (i = 0; i < len; i++) {
            if (s[i] < '0' || s[i] > '9') {
                break;
            }

            v = v * 10 + (uint64_t) (s[i] - '0');
        }

        if (i == len && v <= TRTC_ROOMID_MAX) {
            room->ver = 0;
            room->roomid = (uint32_t) v;
            return 0;
        }
    }

    if (!trtc_strroom_valid(s, len)) {
        return -1;
    }

    room->ver = 1;
    room->len = (uint8_t) len;
    memcpy(room->str, s, len);

    return 0;
}


size_t
trtc_room_text(const trtc_room_t *room, char *out)
{
    if (room->ver == 0) {
        return (size_t) snprintf(out, TRTC_ROOM_TEXT_MAX + 1, "%u",
                                 (unsigned) room->roomid);
    }

    memcpy(out, room->str, room->len);
    out[room->len] = '\0';

    return room->len;
}


void
trtc_room_of(const trtc_userbuf_t *ub, trtc_room_t *room)
{
    memset(room, 0, sizeof(trtc_room_t));

    room->ver = ub->ver;
    room->roomid = ub->roomid;
    room->len = ub->strroom_len;
    memcpy(room->str, ub->strroom, ub->strroom_len);
}


int
trtc_privilege_parse(const char *s, size_t len, uint32_t *bits)
{
    size_t       i, n, words;
    uint32_t     v, acc;
    const char  *end, *w;

    acc = 0;
    words = 0;
    end = s + len;

    while (s < end) {

        if (*s == ' ' || *s == ',' || *s == '|' || *s == '\t') {
            s++;
            continue;
        }

        w = s;

        while (s < end && *s != ' ' && *s != ',' && *s != '|' && *s != '\t') {
            s++;
        }

        n = (size_t) (s - w);
        words++;

        if (w[0] >= '0' && w[0] <= '9') {
            if (n > 3) {
                return -1;
            }

            v = 0;

            for (i = 0; i < n; i++) {
                if (w[i] < '0' || w[i] > '9') {
                    return -1;
                }

                v = v * 10 + (uint32_t) (w[i] - '0');
            }

            if (v > TRTC_PRIV_ALL) {
                return -1;
            }

            acc |= v;
            continue;
        }

        for (i = 0; trtc_privileges[i].name; i++) {
            if (strlen(trtc_privileges[i].name) == n
                && memcmp(trtc_privileges[i].name, w, n) == 0)
            {
                break;
            }
        }

        if (trtc_privileges[i].name == NULL) {
            return -1;
        }

        acc |= trtc_privileges[i].bits;
    }

    if (words == 0) {
        return -1;
    }

    *bits = acc;

    return 0;
}


static int
trtc_is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


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
