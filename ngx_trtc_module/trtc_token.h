
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * TLS-sig-api-v2 tokens (TRTC UserSig and PrivateMapKey): signing,
 * verification and the userbuf.  Plain C with no nginx types, so that
 * it can be unit-tested and fuzzed on its own.  The credentials of the
 * TURN server and of Janus that go with a token are trtc_cred.h's.
 */


#ifndef _TRTC_TOKEN_H_INCLUDED_
#define _TRTC_TOKEN_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* hard bounds: nothing larger is read, allocated or produced */
#define TRTC_TOKEN_MAX        2048    /* encoded token, bytes */
#define TRTC_JSON_MAX         1024    /* inflated token, bytes */
#define TRTC_JSON_DEPTH       32      /* objects and arrays, nested */
#define TRTC_KEY_MAX          1024    /* secret key, bytes */
#define TRTC_USERID_MAX       32
#define TRTC_STRROOM_MAX      64
#define TRTC_ROOMID_MAX       4294967294U
#define TRTC_USERBUF_MIN      23
#define TRTC_USERBUF_MAX      (TRTC_USERBUF_MIN + TRTC_USERID_MAX          \
                               + 2 + TRTC_STRROOM_MAX)
#define TRTC_SIG_LEN          32
#define TRTC_NUMBER_MAX       4294967295U

/* room id as text, "4294967294" or a string room */
#define TRTC_ROOM_TEXT_MAX    TRTC_STRROOM_MAX


#define TRTC_PRIV_CREATE      0x01
#define TRTC_PRIV_ENTER       0x02
#define TRTC_PRIV_SEND_AUDIO  0x04
#define TRTC_PRIV_RECV_AUDIO  0x08
#define TRTC_PRIV_SEND_VIDEO  0x10
#define TRTC_PRIV_RECV_VIDEO  0x20
#define TRTC_PRIV_SEND_SCREEN 0x40
#define TRTC_PRIV_RECV_SCREEN 0x80
#define TRTC_PRIV_ALL         0xff


typedef enum {
    TRTC_OK = 0,
    TRTC_ERR_NO_TOKEN,
    TRTC_ERR_EMPTY,
    TRTC_ERR_TOO_LONG,
    TRTC_ERR_BASE64,
    TRTC_ERR_ZLIB,
    TRTC_ERR_TOO_LARGE,
    TRTC_ERR_JSON,
    TRTC_ERR_DUPLICATE,
    TRTC_ERR_VERSION,
    TRTC_ERR_IDENTIFIER,
    TRTC_ERR_SDKAPPID,
    TRTC_ERR_TIME,
    TRTC_ERR_EXPIRE,
    TRTC_ERR_SIG,
    TRTC_ERR_USERBUF,
    TRTC_ERR_SDKAPPID_MISMATCH,
    TRTC_ERR_SIGNATURE,
    TRTC_ERR_EXPIRED,
    TRTC_ERR_USERBUF_ACCOUNT,
    TRTC_ERR_USERBUF_SDKAPPID,
    TRTC_ERR_USERBUF_EXPIRED,
    TRTC_ERR_NO_USERBUF,
    TRTC_ERR_ROOM,
    TRTC_ERR_PRIVILEGE,
    TRTC_ERR_USER,
    TRTC_ERR_REPEATED,
    TRTC_ERR_REMOVED,               /* by a host: ngx_http_trtc_removal.c */
    TRTC_ERR_INTERNAL,
    TRTC_ERR_LAST
} trtc_rc_t;


typedef struct {
    uint8_t                  ver;          /* 0: numeric room, 1: string */
    uint8_t                  account_len;
    uint8_t                  strroom_len;
    uint32_t                 sdkappid;
    uint32_t                 roomid;
    uint32_t                 expire;       /* absolute unix time */
    uint32_t                 privilege;
    uint32_t                 account_type;
    char                     account[TRTC_USERID_MAX + 1];
    char                     strroom[TRTC_STRROOM_MAX + 1];
} trtc_userbuf_t;


typedef struct {
    uint32_t                 sdkappid;
    uint8_t                  identifier_len;
    uint8_t                  has_userbuf;
    uint8_t                  key;          /* trtc_verify: which matched */
    char                     identifier[TRTC_USERID_MAX + 1];
    int64_t                  time;
    int64_t                  expire;       /* seconds after time */
    trtc_userbuf_t           userbuf;
} trtc_token_t;


typedef struct {
    uint8_t                  ver;          /* 0: numeric room, 1: string */
    uint8_t                  len;
    uint32_t                 roomid;
    char                     str[TRTC_STRROOM_MAX + 1];
} trtc_room_t;


typedef struct trtc_key_s  trtc_key_t;
typedef struct trtc_ctx_s  trtc_ctx_t;


/* the reason code as a short word, e.g. "expired"; never NULL */
const char *trtc_strerror(int rc);

/* a key: the secret string's bytes, used as they are */
trtc_key_t *trtc_key_create(const unsigned char *secret, size_t len);

/* a key from a key file's contents: its first line, trailing blanks cut */
trtc_key_t *trtc_key_load(const unsigned char *data, size_t len);

/* the length of that first line, trailing blanks cut */
size_t trtc_first_line(const unsigned char *data, size_t len);

void trtc_key_destroy(trtc_key_t *key);

/* scratch state (zlib streams, digest context), one per thread */
trtc_ctx_t *trtc_ctx_create(void);
void trtc_ctx_destroy(trtc_ctx_t *ctx);

/*
 * Verifies a token against the keys (any may match) and the expected
 * sdkappid; "now" and "leeway" are in seconds.  On TRTC_OK the fields
 * are in *tok, tok->key the index of the key that matched (of at most
 * TRTC_KEYS_MAX keys); otherwise the return value says why.
 */
#define TRTC_KEYS_MAX         256

int trtc_verify(trtc_ctx_t *ctx, trtc_key_t *const *keys, size_t nkeys,
    uint32_t sdkappid, const char *token, size_t len, int64_t now,
    int64_t leeway, trtc_token_t *tok);

/*
 * Signs *tok with the key: a UserSig, or a PrivateMapKey when
 * tok->has_userbuf is set.  Writes at most TRTC_TOKEN_MAX bytes to out,
 * no terminating zero, and the length to *len.
 */
int trtc_sign(trtc_ctx_t *ctx, const trtc_key_t *key, const trtc_token_t *tok,
    char *out, size_t *len);

/*
 * The clock checks of trtc_verify alone, for a token verified before:
 * TRTC_OK, TRTC_ERR_EXPIRED or TRTC_ERR_USERBUF_EXPIRED.
 */
int trtc_check_expiry(const trtc_token_t *tok, int64_t now, int64_t leeway);

/* when the token stops being valid, without leeway: unix time */
int64_t trtc_expires(const trtc_token_t *tok);

/*
 * SHA-256 of a salt and a token, to know the token again without keeping
 * it; the salt says under which keys it was verified.
 */
#define TRTC_DIGEST_LEN       32

int trtc_digest(const unsigned char *salt, size_t salt_len,
    const char *token, size_t len, unsigned char *digest);

/*
 * Names a key without revealing it: HMAC-SHA256 of a fixed label,
 * TRTC_SIG_LEN bytes to fp.
 */
int trtc_key_fingerprint(const trtc_key_t *key, unsigned char *fp);

/*
 * Names a set of keys and an sdkappid without revealing the keys, so
 * that what was verified under one set is known apart from another:
 * SHA-256 of the sdkappid and each key's fingerprint.
 */
int trtc_keyset_id(trtc_key_t *const *keys, size_t nkeys, uint32_t sdkappid,
    unsigned char *id);

/* room and privilege checks of a verified PrivateMapKey */
int trtc_check_room(const trtc_token_t *tok, const trtc_room_t *room);
int trtc_check_privilege(const trtc_token_t *tok, uint32_t privilege);

/*
 * Fills tok->userbuf for a PrivateMapKey of tok's identifier and
 * sdkappid, valid until tok->time + tok->expire.
 */
int trtc_set_userbuf(trtc_token_t *tok, const trtc_room_t *room,
    uint32_t privilege);

/* userbuf wire format; encode writes at most TRTC_USERBUF_MAX bytes */
size_t trtc_userbuf_encode(const trtc_userbuf_t *ub, unsigned char *out);
int trtc_userbuf_decode(const unsigned char *p, size_t len,
    trtc_userbuf_t *ub);

/* TRTC's rules: user id, room id (numeric when it is a canonical number) */
int trtc_userid_valid(const char *s, size_t len);
int trtc_room_parse(const char *s, size_t len, trtc_room_t *room);
size_t trtc_room_text(const trtc_room_t *room, char *out);
void trtc_room_of(const trtc_userbuf_t *ub, trtc_room_t *room);

/* "enter send_video", "enter,recv_audio" or "42"; 0 on success */
int trtc_privilege_parse(const char *s, size_t len, uint32_t *bits);

/* a number's decimal digits at p, at most 20; returns their end */
char *trtc_put_number(char *p, uint64_t v);

/*
 * Base64, standard alphabet or TRTC's variant ('*', '-', '_' for
 * '+', '/', '=').  decode accepts missing padding; -1 on bad input.
 * The source and the destination do not overlap.
 */
#define TRTC_BASE64_STD       0
#define TRTC_BASE64_TRTC      1

#define trtc_base64_encoded_length(len)  ((((len) + 2) / 3) * 4)
#define trtc_base64_decoded_length(len)  ((((len) + 3) / 4) * 3)

size_t trtc_base64_encode(char *restrict dst,
    const unsigned char *restrict src, size_t len, int variant);
int trtc_base64_decode(unsigned char *restrict dst, size_t *dlen,
    const char *restrict src, size_t len, int variant);


#endif /* _TRTC_TOKEN_H_INCLUDED_ */
