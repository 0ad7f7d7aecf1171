
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * libFuzzer target: the input is read, whole, by each of the core's
 * small parsers: as a decoded userbuf (trtc_userbuf_decode), a room id
 * (trtc_room_parse), a privilege list (trtc_privilege_parse), a user id
 * and a key file (trtc_key_load).  What parses must come back the same
 * when encoded again, and a PrivateMapKey for a parsed room must verify.
 */


#include <stdlib.h>
#include <string.h>

#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_userbuf(const uint8_t *data, size_t size);
static void fuzz_room(fuzz_env_t *env, const uint8_t *data, size_t size);
static void fuzz_key(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_env_t  *env;

    env = fuzz_env();

    fuzz_userbuf(data, size);
    fuzz_room(env, data, size);
    fuzz_key(data, size);

    if (trtc_userid_valid((const char *) data, size)) {
        fuzz_assert(size > 0 && size <= TRTC_USERID_MAX);
    }

    return 0;
}


static void
fuzz_userbuf(const uint8_t *data, size_t size)
{
    size_t           n;
    char            *text;
    trtc_room_t      room;
    unsigned char   *out;
    trtc_userbuf_t   ub;

    if (trtc_userbuf_decode(data, size, &ub) != 0) {
        return;
    }

    fuzz_assert(size >= TRTC_USERBUF_MIN && size <= TRTC_USERBUF_MAX);
    fuzz_assert(ub.ver <= 1);
    fuzz_assert(ub.account_len > 0 && ub.account_len <= TRTC_USERID_MAX);
    fuzz_assert(ub.ver == 0 || ub.strroom_len > 0);
    fuzz_assert(ub.account[ub.account_len] == '\0');
    fuzz_assert(ub.strroom[ub.strroom_len] == '\0');

    /* decoding is strict: encoding gives the same bytes back */

    out = malloc(TRTC_USERBUF_MAX);
    fuzz_assert(out != NULL);

    n = trtc_userbuf_encode(&ub, out);
    fuzz_assert(n == size && memcmp(out, data, size) == 0);

    free(out);

    trtc_room_of(&ub, &room);

    text = malloc(TRTC_ROOM_TEXT_MAX + 1);
    fuzz_assert(text != NULL);

    n = trtc_room_text(&room, text);
    fuzz_assert(n > 0 && n <= TRTC_ROOM_TEXT_MAX && text[n] == '\0');
    fuzz_assert(strlen(text) == n);

    free(text);
}


static void
fuzz_room(fuzz_env_t *env, const uint8_t *data, size_t size)
{
    int            rc;
    size_t         n;
    uint32_t       bits;
    char          *text;
    trtc_room_t    room, again;
    trtc_token_t   tok, verified;
    char           token[TRTC_TOKEN_MAX];

    if (trtc_privilege_parse((const char *) data, size, &bits) == 0) {
        fuzz_assert(bits <= TRTC_PRIV_ALL);

    } else {
        bits = TRTC_PRIV_ALL;
    }

    if (trtc_room_parse((const char *) data, size, &room) != 0) {
        return;
    }

    fuzz_assert(room.ver <= 1);

    if (room.ver == 0) {
        fuzz_assert(room.roomid > 0 && room.roomid <= TRTC_ROOMID_MAX);

    } else {
        fuzz_assert(room.len == size && size <= TRTC_STRROOM_MAX);
    }

    /* a room's text is the text it was parsed from */

    text = malloc(TRTC_ROOM_TEXT_MAX + 1);
    fuzz_assert(text != NULL);

    n = trtc_room_text(&room, text);
    fuzz_assert(n == size && memcmp(text, data, size) == 0);

    fuzz_assert(trtc_room_parse(text, n, &again) == 0);
    fuzz_assert(again.ver == room.ver && again.roomid == room.roomid
                && again.len == room.len
                && memcmp(again.str, room.str, room.len) == 0);

    free(text);

    /* a PrivateMapKey for the room and privileges: signed, verified */

    memset(&tok, 0, sizeof(trtc_token_t));
    memcpy(tok.identifier, "fuzz_user-1", sizeof("fuzz_user-1"));
    tok.identifier_len = sizeof("fuzz_user-1") - 1;
    tok.sdkappid = FUZZ_SDKAPPID;
    tok.time = FUZZ_NOW;
    tok.expire = 3600;

    fuzz_assert(trtc_set_userbuf(&tok, &room, bits) == TRTC_OK);

    n = 0;
    rc = trtc_sign(env->ctx, env->keys[1], &tok, token, &n);
    fuzz_assert(rc == TRTC_OK);

    rc = trtc_verify(env->ctx, env->keys, FUZZ_NKEYS, FUZZ_SDKAPPID,
                     token, n, FUZZ_NOW, FUZZ_LEEWAY, &verified);
    fuzz_assert(rc == TRTC_OK);
    fuzz_assert(trtc_check_room(&verified, &room) == TRTC_OK);
    fuzz_assert(trtc_check_privilege(&verified, bits) == TRTC_OK);
    fuzz_assert(verified.userbuf.privilege == bits);
}


static void
fuzz_key(const uint8_t *data, size_t size)
{
    trtc_key_t     *key;
    unsigned char   id[TRTC_DIGEST_LEN];

    key = trtc_key_load(data, size);
    if (key == NULL) {
        return;
    }

    fuzz_assert(trtc_keyset_id(&key, 1, FUZZ_SDKAPPID, id) == 0);

    trtc_key_destroy(key);
}
