
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The token core's own header, for its files alone: the key and context
 * structures, and what the files call of each other.  Users of the core
 * include trtc_token.h.
 */


#ifndef _TRTC_TOKEN_INT_H_INCLUDED_
#define _TRTC_TOKEN_INT_H_INCLUDED_


#include <openssl/evp.h>
#include <zlib.h>

#include "trtc_token.h"


#define TRTC_HMAC_BLOCK      64
#define TRTC_SIG_B64_LEN     trtc_base64_encoded_length(TRTC_SIG_LEN)
#define TRTC_USERBUF_B64_MAX trtc_base64_encoded_length(TRTC_USERBUF_MAX)

/* "TLS.identifier:" ... "TLS.userbuf:" with their values, generous */
#define TRTC_CONTENT_MAX     512
#define TRTC_ZBUF_SIZE       (TRTC_TOKEN_MAX / 4 * 3 + 4)


/* a key: the HMAC-SHA256 inner and outer states, made once */
struct trtc_key_s {
    EVP_MD_CTX              *inner;
    EVP_MD_CTX              *outer;
};


/* a thread's scratch state, set up once and reused */
struct trtc_ctx_s {
    z_stream                 inflate;
    EVP_MD_CTX              *md;
    EVP_MD                  *sha256;
    unsigned                 inflate_ready:1;
    unsigned char            zbuf[TRTC_ZBUF_SIZE];
    char                     json[TRTC_JSON_MAX + 1];
};


/* what a token's JSON gives besides *tok: what TLS.sig is the HMAC of */
typedef struct {
    const char              *userbuf;
    size_t                   userbuf_len;
    unsigned char            sig[TRTC_SIG_LEN];
    char                     userbuf_b64[TRTC_USERBUF_B64_MAX + 1];
} trtc_fields_t;


/* trtc_json.c: TRTC_OK, or why the JSON is no token's */
int trtc_json_token(const char *json, size_t len, trtc_token_t *tok,
    trtc_fields_t *f);

/* trtc_key.c */
int trtc_hmac(trtc_ctx_t *ctx, const trtc_key_t *key, const char *msg,
    size_t len, unsigned char *digest);

/* trtc_token.c: a NUL, raw or escaped, which cJSON's strings end at
 * (trtc_sdp.c reads signaling messages with cJSON) */
int trtc_json_has_nul(const char *json, size_t len);


#endif /* _TRTC_TOKEN_INT_H_INCLUDED_ */
