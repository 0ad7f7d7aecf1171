
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The credentials that go with a TRTC token for the servers beside it,
 * each an HMAC construction of that server's own: coturn's REST API
 * passwords (TURN), Janus's signed tokens, and the VideoRoom id and pin
 * of a TRTC room.  Plain C with no nginx types, like trtc_token.h.
 */


#ifndef _TRTC_CRED_H_INCLUDED_
#define _TRTC_CRED_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "trtc_token.h"


/*
 * TURN REST credentials (coturn's use-auth-secret): the password of a
 * username "<expiry>:<userid>" is base64(HMAC-SHA1(secret, username)),
 * TRTC_TURN_PASSWORD_LEN characters, written with no terminating zero.
 */
#define TRTC_TURN_PASSWORD_LEN  28

int trtc_turn_password(const unsigned char *secret, size_t secret_len,
    const char *username, size_t len, char *password);

/*
 * Janus signed tokens (janus.jcfg token_auth_secret), written to out
 * with no terminating zero: "<expiry>,<realm>[,<desc>]:<base64
 * HMAC-SHA1(secret, the text before ':')>".  The core's token has the
 * realm "janus" and the plugins as descriptors; the VideoRoom's room
 * token (signed_tokens) the realm "janus.plugin.videoroom" and
 * "room=<id>".  Returns the length, 0 on bad arguments.
 */
#define TRTC_JANUS_FIELD_MAX    128
#define TRTC_JANUS_TOKEN_MAX    (20 + 1 + TRTC_JANUS_FIELD_MAX + 1       \
                                 + TRTC_JANUS_FIELD_MAX + 1              \
                                 + TRTC_TURN_PASSWORD_LEN)

size_t trtc_janus_token(const unsigned char *secret, size_t secret_len,
    int64_t expiry, const char *realm, size_t realm_len, const char *desc,
    size_t desc_len, char *out);

/*
 * A TRTC room in the VideoRoom, from HMAC-SHA256 under the Janus secret
 * of the room's kind and text: its id, 53 bits (exact as a JavaScript
 * number), 1 to 2^53 - 1, or 0 on error; and its pin, TRTC_JANUS_PIN_LEN
 * hex digits of another such HMAC, with no terminating zero (0 on
 * error).  Without the secret nobody works out a room's id from its
 * number; two rooms whose ids happened to be equal would still have two
 * pins, and the VideoRoom asks for the pin on every join.
 */
#define TRTC_JANUS_PIN_LEN      64

uint64_t trtc_janus_room(const unsigned char *secret, size_t secret_len,
    const trtc_room_t *room);
size_t trtc_janus_pin(const unsigned char *secret, size_t secret_len,
    const trtc_room_t *room, char *out);


#endif /* _TRTC_CRED_H_INCLUDED_ */
