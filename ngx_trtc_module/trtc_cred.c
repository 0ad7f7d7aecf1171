
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The credentials that go with a token for the servers beside it:
 * coturn's REST API passwords, Janus's signed tokens, and the VideoRoom
 * id and pin of a TRTC room (trtc_cred.h says how each is made).
 */


#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "trtc_cred.h"


/* the longest label of trtc_janus_hmac() */
#define TRTC_JANUS_LABEL_MAX    16


static int trtc_janus_hmac(const unsigned char *secret, size_t secret_len,
    const char *label, size_t label_len, const trtc_room_t *room,
    unsigned char *digest);


int
trtc_turn_password(const unsigned char *secret, size_t secret_len,
    const char *username, size_t len, char *password)
{
    unsigned int   n;
    unsigned char  digest[EVP_MAX_MD_SIZE];

    if (HMAC(EVP_sha1(), secret, (int) secret_len,
             (const unsigned char *) username, len, digest, &n)
        == NULL || n != 20)
    {
        return -1;
    }

    trtc_base64_encode(password, digest, n, TRTC_BASE64_STD);

    return 0;
}


/*
 * A Janus signed token: "<expiry>,<realm>[,<descriptors>]" signed with
 * HMAC-SHA1, as Janus checks it (janus_auth_check_signature*).  The
 * realm has no ',' or ':'; the descriptors, ','-separated, no ':'; the
 * secret no NUL (Janus keys the HMAC with strlen() of its own copy).
 */

size_t
trtc_janus_token(const unsigned char *secret, size_t secret_len,
    int64_t expiry, const char *realm, size_t realm_len, const char *desc,
    size_t desc_len, char *out)
{
    int     n;
    char   *p;
    size_t  i, len;

    if (secret_len == 0 || memchr(secret, '\0', secret_len) != NULL
        || expiry < 0 || realm_len == 0
        || realm_len > TRTC_JANUS_FIELD_MAX
        || desc_len > TRTC_JANUS_FIELD_MAX)
    {
        return 0;
    }

    for (i = 0; i < realm_len; i++) {
        if (realm[i] == ',' || realm[i] == ':' || realm[i] == '\0') {
            return 0;
        }
    }

    for (i = 0; i < desc_len; i++) {
        if (desc[i] == ':' || desc[i] == '\0') {
            return 0;
        }
    }

    n = snprintf(out, 21, "%lld", (long long) expiry);
    if (n <= 0 || n > 20) {
        return 0;
    }

    p = out + n;
    *p++ = ',';
    memcpy(p, realm, realm_len);
    p += realm_len;

    if (desc_len) {
        *p++ = ',';
        memcpy(p, desc, desc_len);
        p += desc_len;
    }

    len = p - out;

    /* the same HMAC-SHA1 in base64 as coturn's passwords */

    if (trtc_turn_password(secret, secret_len, out, len, p + 1) != 0) {
        return 0;
    }

    *p = ':';

    return len + 1 + TRTC_TURN_PASSWORD_LEN;
}


/*
 * A TRTC room in the VideoRoom: HMAC-SHA256 under the Janus secret of a
 * label, the room's kind ('n' numeric, 's' string) and its text.  Kind
 * and text name a room once and for all: numeric 123 and string "123"
 * are two rooms.
 */

static int
trtc_janus_hmac(const unsigned char *secret, size_t secret_len,
    const char *label, size_t label_len, const trtc_room_t *room,
    unsigned char *digest)
{
    size_t        len;
    unsigned int  n;
    char          msg[TRTC_JANUS_LABEL_MAX + 2 + TRTC_ROOM_TEXT_MAX + 1];

    if (secret_len == 0 || secret_len > INT_MAX
        || label_len > TRTC_JANUS_LABEL_MAX)
    {
        return -1;
    }

    /* the label and its NUL, the kind, the text (and the NUL that
     * trtc_room_text() writes after it) */

    memcpy(msg, label, label_len);
    msg[label_len] = '\0';
    len = label_len + 1;

    msg[len++] = room->ver ? 's' : 'n';
    len += trtc_room_text(room, msg + len);

    if (HMAC(EVP_sha256(), secret, (int) secret_len,
             (const unsigned char *) msg, len, digest, &n)
        == NULL || n != 32)
    {
        return -1;
    }

    return 0;
}


uint64_t
trtc_janus_room(const unsigned char *secret, size_t secret_len,
    const trtc_room_t *room)
{
    int            i;
    uint64_t       id;
    unsigned char  digest[EVP_MAX_MD_SIZE];

    if (trtc_janus_hmac(secret, secret_len, "trtc janus room",
                        sizeof("trtc janus room") - 1, room, digest)
        != 0)
    {
        return 0;
    }

    id = 0;

    for (i = 0; i < 8; i++) {
        id = (id << 8) | digest[i];
    }

    id >>= 64 - 53;

    return id ? id : 1;
}


size_t
trtc_janus_pin(const unsigned char *secret, size_t secret_len,
    const trtc_room_t *room, char *out)
{
    size_t         i;
    unsigned char  digest[EVP_MAX_MD_SIZE];

    static const char  hex[] = "0123456789abcdef";

    if (trtc_janus_hmac(secret, secret_len, "trtc janus pin",
                        sizeof("trtc janus pin") - 1, room, digest)
        != 0)
    {
        return 0;
    }

    for (i = 0; i < TRTC_JANUS_PIN_LEN / 2; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0x0f];
    }

    return TRTC_JANUS_PIN_LEN;
}
