
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * libFuzzer target: the input is the JSON inside a token.  It is
 * deflated and base64-encoded (TRTC's variant) here, so that mutations
 * land in the JSON and field checks, past base64 and inflate.
 *
 * A signature nobody can guess would stop every input at
 * signature_mismatch; so each "@SIG@" in the input is replaced with the
 * right TLS.sig for the fields as cJSON reads them (HMAC-SHA256 from
 * OpenSSL with the first key, base64 from OpenSSL): the fuzzer then also
 * reaches the clock, userbuf, account and sdkappid checks that follow
 * the signature.
 *
 * The same input is also a signaling message for trtc_sdp_check(): what
 * fewer send bits let through, more let through too; all three, all.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "fuzz.h"
#include "trtc_sdp.h"


#define FUZZ_MARK      "@SIG@"
#define FUZZ_MARK_LEN  (sizeof(FUZZ_MARK) - 1)
#define FUZZ_SIG_LEN   44


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_sdp(const uint8_t *data, size_t size);

static void fuzz_cjson_agrees(const char *json, size_t len,
    const trtc_token_t *tok);
static size_t fuzz_marks(const uint8_t *data, size_t size);
static void fuzz_sign(const uint8_t *data, size_t size, char *sig);
static long long fuzz_number(const cJSON *root, const char *name);
static const char *fuzz_string(const cJSON *root, const char *name);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int            rc;
    char          *json, *token, *p;
    size_t         i, marks, len, n;
    uLongf         zlen;
    fuzz_env_t    *env;
    trtc_token_t   tok;
    unsigned char *z;
    char           sig[FUZZ_SIG_LEN + 1];

    env = fuzz_env();

    fuzz_sdp(data, size);

    marks = fuzz_marks(data, size);

    if (marks) {
        fuzz_sign(data, size, sig);
    }

    len = size + marks * (FUZZ_SIG_LEN - FUZZ_MARK_LEN);

    json = malloc(len + 1);
    fuzz_assert(json != NULL);

    p = json;

    for (i = 0; i < size; /* void */) {
        if (marks && size - i >= FUZZ_MARK_LEN
            && memcmp(data + i, FUZZ_MARK, FUZZ_MARK_LEN) == 0)
        {
            memcpy(p, sig, FUZZ_SIG_LEN);
            p += FUZZ_SIG_LEN;
            i += FUZZ_MARK_LEN;
            continue;
        }

        *p++ = (char) data[i++];
    }

    fuzz_assert((size_t) (p - json) == len);

    zlen = compressBound(len);
    z = malloc(zlen);
    fuzz_assert(z != NULL);

    fuzz_assert(compress2(z, &zlen, (const Bytef *) json, len,
                          Z_DEFAULT_COMPRESSION)
                == Z_OK);

    token = malloc(trtc_base64_encoded_length(zlen));
    fuzz_assert(token != NULL);

    n = trtc_base64_encode(token, z, zlen, TRTC_BASE64_TRTC);

    rc = trtc_verify(env->ctx, env->keys, FUZZ_NKEYS, FUZZ_SDKAPPID,
                     token, n, FUZZ_NOW, FUZZ_LEEWAY, &tok);

    fuzz_check_verify(env, rc, &tok, token, n);

    if (rc == TRTC_OK) {
        fuzz_assert(len <= TRTC_JSON_MAX);
        fuzz_cjson_agrees(json, len, &tok);
    }

    free(token);
    free(z);
    free(json);

    return 0;
}


/*
 * What the core took for a token's JSON, cJSON takes too, with the same
 * members (the core reads it on its own, stricter: RFC 8259, no NUL,
 * TRTC_JSON_DEPTH deep)
 */

static void
fuzz_cjson_agrees(const char *json, size_t len, const trtc_token_t *tok)
{
    cJSON        *root;
    const char   *id;

    root = cJSON_ParseWithLength(json, len);
    fuzz_assert(root != NULL && cJSON_IsObject(root));

    id = fuzz_string(root, "TLS.identifier");
    fuzz_assert(id != NULL && strcmp(id, tok->identifier) == 0);
    fuzz_assert(fuzz_number(root, "TLS.sdkappid") == (long long) tok->sdkappid);
    fuzz_assert(fuzz_number(root, "TLS.time") == (long long) tok->time);
    fuzz_assert(fuzz_number(root, "TLS.expire") == (long long) tok->expire);
    fuzz_assert((fuzz_string(root, "TLS.userbuf") != NULL)
                == (tok->has_userbuf != 0));

    cJSON_Delete(root);
}


static size_t
fuzz_marks(const uint8_t *data, size_t size)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i + FUZZ_MARK_LEN <= size; i++) {
        if (memcmp(data + i, FUZZ_MARK, FUZZ_MARK_LEN) == 0) {
            n++;
            i += FUZZ_MARK_LEN - 1;
        }
    }

    return n;
}


/* TLS.sig for the fields of the JSON as cJSON sees them */

static void
fuzz_sign(const uint8_t *data, size_t size, char *sig)
{
    int             n, m;
    char           *content;
    cJSON          *root;
    size_t          len;
    const char     *identifier, *userbuf;
    unsigned int    mdlen;
    unsigned char   md[EVP_MAX_MD_SIZE];

    root = cJSON_ParseWithLength((const char *) data, size);

    identifier = fuzz_string(root, "TLS.identifier");
    userbuf = fuzz_string(root, "TLS.userbuf");

    len = strlen(identifier) + (userbuf ? strlen(userbuf) : 0) + 128;
    content = malloc(len);
    fuzz_assert(content != NULL);

    n = snprintf(content, len,
                 "TLS.identifier:%s\nTLS.sdkappid:%u\n"
                 "TLS.time:%lld\nTLS.expire:%lld\n",
                 identifier,
                 (unsigned) fuzz_number(root, "TLS.sdkappid"),
                 fuzz_number(root, "TLS.time"),
                 fuzz_number(root, "TLS.expire"));
    fuzz_assert(n > 0 && (size_t) n < len);

    if (userbuf) {
        m = snprintf(content + n, len - n, "TLS.userbuf:%s\n", userbuf);
        fuzz_assert(m > 0 && (size_t) m < len - n);
        n += m;
    }

    fuzz_assert(HMAC(EVP_sha256(), FUZZ_KEY0, sizeof(FUZZ_KEY0) - 1,
                     (const unsigned char *) content, (size_t) n, md, &mdlen)
                != NULL);
    fuzz_assert(mdlen == TRTC_SIG_LEN);

    fuzz_assert(EVP_EncodeBlock((unsigned char *) sig, md, TRTC_SIG_LEN)
                == FUZZ_SIG_LEN);

    free(content);
    cJSON_Delete(root);
}


static long long
fuzz_number(const cJSON *root, const char *name)
{
    double        d;
    const cJSON  *item;

    item = cJSON_GetObjectItemCaseSensitive(root, name);

    if (!cJSON_IsNumber(item)) {
        return 0;
    }

    d = item->valuedouble;

    if (!(d >= 0 && d <= (double) TRTC_NUMBER_MAX)) {
        return 0;
    }

    return (long long) d;
}


static const char *
fuzz_string(const cJSON *root, const char *name)
{
    const cJSON  *item;

    item = cJSON_GetObjectItemCaseSensitive(root, name);

    if (!cJSON_IsString(item)) {
        return strcmp(name, "TLS.identifier") == 0 ? "" : NULL;
    }

    return item->valuestring;
}


static void
fuzz_sdp(const uint8_t *data, size_t size)
{
    int  aud, cam, all;

    aud = trtc_sdp_check((const char *) data, size, 42);
    cam = trtc_sdp_check((const char *) data, size,
                         42 | TRTC_PRIV_SEND_AUDIO | TRTC_PRIV_SEND_VIDEO);
    all = trtc_sdp_check((const char *) data, size, TRTC_PRIV_ALL);

    fuzz_assert(aud >= TRTC_SDP_OK && aud <= TRTC_SDP_SENDS_VIDEO);
    fuzz_assert(cam >= TRTC_SDP_OK && cam <= TRTC_SDP_SENDS_VIDEO);
    fuzz_assert(all == TRTC_SDP_OK);
    fuzz_assert(aud != TRTC_SDP_OK || cam == TRTC_SDP_OK);
    fuzz_assert(cam != TRTC_SDP_SENDS_AUDIO);
}
