
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The token core's own header, for its files alone: the key and context
 * structures, and what the files call of each other.  Users of the core
 * include trtc_token.h.
 */


#ifndef _TRTC_TOKEN_INT_H_INCLUDED_
#define _TRTC_TOKEN_INT_H_INCLUDED_


/*
 * The HMAC works on SHA256_CTX states, copied as plain structures: the
 * EVP digest contexts allocate and wipe their state on every copy.
 * OpenSSL 3 calls these functions deprecated; nginx suppresses the same
 * warnings for its own SHA-1 (ngx_sha1.h).
 */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <zlib.h>

#include "trtc_token.h"


#define TRTC_HMAC_BLOCK      64
#define TRTC_SIG_B64_LEN     trtc_base64_encoded_length(TRTC_SIG_LEN)
#define TRTC_USERBUF_B64_MAX trtc_base64_encoded_length(TRTC_USERBUF_MAX)

/* "TLS.identifier:" ... "TLS.userbuf:" with their values, generous */
#define TRTC_CONTENT_MAX     512
#define TRTC_ZBUF_SIZE       (TRTC_TOKEN_MAX / 4 * 3 + 4)

/* the JSON of a token we sign: 214 bytes of names, punctuation, an
 * identifier, three numbers of 10 digits and the signature; the userbuf */
#define TRTC_SIGNED_JSON_MAX (214 + TRTC_USERBUF_B64_MAX)

#if (TRTC_SIGNED_JSON_MAX > TRTC_JSON_MAX)
#error "a signed token's JSON does not fit in TRTC_JSON_MAX"
#endif


/* a key: the HMAC-SHA256 inner and outer states, made once */
struct trtc_key_s {
    SHA256_CTX               inner;
    SHA256_CTX               outer;
};


/* a thread's scratch state, set up once and reused */
struct trtc_ctx_s {
    z_stream                 inflate;
    unsigned                 inflate_ready:1;
    unsigned char            zbuf[TRTC_ZBUF_SIZE];
    char                     json[TRTC_JSON_MAX + 1];
};


/* what a token's JSON gives besides *tok: what TLS.sig is the HMAC of */
typedef struct {
    const char              *userbuf;    /* in the JSON, or userbuf_b64 */
    size_t                   userbuf_len;

    /* TLS.sdkappid, TLS.time, TLS.expire where the JSON has them as their
     * decimal digits alone, for the signed content; NULL: another
     * spelling (1.4e9), or none */
    const char              *digits[3];
    size_t                   digits_len[3];

    unsigned char            sig[TRTC_SIG_LEN];
    char                     userbuf_b64[TRTC_USERBUF_B64_MAX + 1];
} trtc_fields_t;


/* trtc_json.c: TRTC_OK, or why the JSON is no token's */
int trtc_json_token(const char *json, size_t len, trtc_token_t *tok,
    trtc_fields_t *f);

/* trtc_json_lex.c: where a token's JSON is read, up to its end */
typedef struct {
    const char              *p;
    const char              *end;
} trtc_json_t;

/* 1: a string with no escapes, *s and *len where it is; 0: a string with
 * escapes, j unmoved; -1: bad JSON */
int trtc_json_raw(trtc_json_t *j, const char **s, size_t *len);

/* 0, a string unescaped into out (NULL: only checked), *len its length
 * or size if it is that long or longer; -1: bad JSON */
int trtc_json_string(trtc_json_t *j, char *out, size_t size, size_t *len);

/* 0, *valid when it is an integer of 0 to TRTC_NUMBER_MAX, in *value,
 * TRTC_JSON_DIGITS when written as its decimal digits alone; -1: bad
 * JSON */
int trtc_json_number(trtc_json_t *j, int64_t *value, int *valid);

#define TRTC_JSON_DIGITS     2

/* 0, any value only checked, depth that of the object or array it is
 * in; -1: bad JSON */
int trtc_json_skip(trtc_json_t *j, int depth);


/* JSON's whitespace; mostly there is none: what is above ' ' is none */

static inline void
trtc_json_space(trtc_json_t *j)
{
    while (j->p < j->end && (unsigned char) *j->p <= ' '
           && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n'
               || *j->p == '\r'))
    {
        j->p++;
    }
}


/* trtc_key.c */
void trtc_hmac(const trtc_key_t *key, const char *msg, size_t len,
    unsigned char *digest);

/* trtc_token.c: zlib's adler32(1, p, len), faster */
uint32_t trtc_adler32(const unsigned char *p, size_t len);

/* trtc_token.c: a NUL, raw or escaped, which cJSON's strings end at
 * (trtc_sdp.c reads signaling messages with cJSON) */
int trtc_json_has_nul(const char *json, size_t len);


#endif /* _TRTC_TOKEN_INT_H_INCLUDED_ */
