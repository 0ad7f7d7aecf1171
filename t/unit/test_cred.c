
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Unit tests of the credentials that go with a token (trtc_cred.c):
 * coturn's REST API passwords, Janus's signed tokens, the VideoRoom id
 * and pin of a room; against Python's hmac module and openssl dgst.
 */


#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "trtc_cred.h"


/* coturn's REST credentials, against Python's hmac module */

void
test_turn(void)
{
    char                 pw[TRTC_TURN_PASSWORD_LEN + 1];
    static const char    user[] = "1700000000:alice";

    memset(pw, 0, sizeof(pw));

    T_INT(trtc_turn_password((const unsigned char *) "north", 5, user,
                             sizeof(user) - 1, pw),
          0);
    T_STR(pw, "Cd/49soE35ICqcJF/bCTn8Z4OyE=");

    T_INT(trtc_turn_password((const unsigned char *) "south", 5, user,
                             sizeof(user) - 1, pw),
          0);
    T_TRUE(strcmp(pw, "Cd/49soE35ICqcJF/bCTn8Z4OyE=") != 0);
}


/* Janus signed tokens and rooms, against openssl dgst -sha1 -hmac */

void
test_janus(void)
{
    char                 out[TRTC_JANUS_TOKEN_MAX + 1];
    size_t               n;
    trtc_room_t          room;
    static const char    vr[] = "janus.plugin.videoroom";
    static const char    two[] = "janus.plugin.videoroom,"
                                 "janus.plugin.textroom";
    const unsigned char *s = (const unsigned char *) "janus-secret";

#define T_JANUS(exp, realm, desc)                                           \
    memset(out, 0, sizeof(out));                                            \
    n = trtc_janus_token(s, 12, 1700000000, realm, strlen(realm), desc,     \
                         strlen(desc), out);                                \
    T_INT(n, strlen(exp));                                                  \
    T_STR(out, exp)

    T_JANUS("1700000000,janus,janus.plugin.videoroom:"
            "aZqQMrq+Uc75liZPXdaN0x+ZG5Q=", "janus", vr);
    T_JANUS("1700000000,janus.plugin.videoroom,room=1234:"
            "wwRj5BUweCcsrcZMSJ+FRtiEabg=", vr, "room=1234");
    T_JANUS("1700000000,janus,janus.plugin.videoroom,janus.plugin.textroom:"
            "KzH1NzDfJP6tZ1eFgslqmYHKFhU=", "janus", two);

#undef T_JANUS

    /* no descriptor: "<expiry>,<realm>:<sig>" */
    n = trtc_janus_token(s, 12, 0, "janus", 5, "", 0, out);
    T_INT(n, strlen("0,janus:") + TRTC_TURN_PASSWORD_LEN);
    T_TRUE(memcmp(out, "0,janus:", 8) == 0);

    /* refused: what Janus would split differently, or cannot key */
    T_INT(trtc_janus_token(s, 12, 1, "jan:us", 6, "", 0, out), 0);
    T_INT(trtc_janus_token(s, 12, 1, "jan,us", 6, "", 0, out), 0);
    T_INT(trtc_janus_token(s, 12, 1, "", 0, "x", 1, out), 0);
    T_INT(trtc_janus_token(s, 12, 1, "janus", 5, "room=1:2", 8, out), 0);
    T_INT(trtc_janus_token(s, 12, -1, "janus", 5, "", 0, out), 0);
    T_INT(trtc_janus_token(s, 0, 1, "janus", 5, "", 0, out), 0);
    T_INT(trtc_janus_token((const unsigned char *) "a\0b", 3, 1, "janus", 5,
                           "", 0, out), 0);

    memset(out, 'x', sizeof(out));
    T_INT(trtc_janus_token(s, 12, 1, "janus", 5, out,
                           TRTC_JANUS_FIELD_MAX + 1, out), 0);

    /* the longest fits */
    {
        char  realm[TRTC_JANUS_FIELD_MAX], desc[TRTC_JANUS_FIELD_MAX];

        memset(realm, 'r', sizeof(realm));
        memset(desc, 'd', sizeof(desc));
        n = trtc_janus_token(s, 12, INT64_MAX, realm, sizeof(realm), desc,
                             sizeof(desc), out);
        T_INT(n, 19 + 1 + TRTC_JANUS_FIELD_MAX + 1 + TRTC_JANUS_FIELD_MAX
                 + 1 + TRTC_TURN_PASSWORD_LEN);
        T_TRUE(n <= TRTC_JANUS_TOKEN_MAX);
    }

    /*
     * rooms: HMAC-SHA256 of a label, the kind and the text; the id its
     * first 53 bits, the pin in hex; against printf 'trtc janus
     * room\0n1234' | openssl dgst -sha256 -hmac janus-secret (and
     * 'trtc janus pin\0n1234')
     */
    {
        static const struct {
            const char  *text;
            uint8_t      ver;
            uint64_t     id;
            const char  *pin;
        } rooms[] = {
            { "1234", 0, 7749150770218204ULL,
              "d63dd36d87eeb7e1cb1ad13a1910f82b"
              "37bf33d54d7eeede35fbc47be4280048" },
            { "4294967294", 0, 2397264801861088ULL,
              "8944fa962fb3061a147302dc5da4b120"
              "68a1568d3ab736cc1d118953e137c970" },
            { "abc", 1, 4647717983485379ULL,
              "1dd0b4e142e9e15684049bf1752b61f5"
              "99266eb85a2be34efe318a7997cddc08" },

            /* one 48-bit hash once named both */
            { "r0431c69ecb00", 1, 872815090202315ULL,
              "416fa9d56b3c74d36a85422a27dc0185"
              "aa0b1bdc61e4911b243a57cc5ac6c36a" },
            { "r9addfdb68448", 1, 8399683030314395ULL,
              "726b907274870bc6671c4a6eb6dae799"
              "ec11d789fa04fc3b75343f59796a1032" },

            /* numeric 123 and string "123" are two rooms */
            { "123", 0, 2671200733659151ULL,
              "23645b5be06c23d27fa262dd845cf191"
              "2d00cde85d9fa3e837872cf8b5ba35a8" },
            { "123", 1, 2072945519216672ULL,
              "a581dfbe433a368a5bd9a2b9c90f2e24"
              "de87c03f224dead956a5f9dfed305efe" },
        };
        size_t    i;
        char      pin[TRTC_JANUS_PIN_LEN + 1];
        uint64_t  id;

        for (i = 0; i < sizeof(rooms) / sizeof(rooms[0]); i++) {
            T_INT(trtc_room_parse(rooms[i].text, strlen(rooms[i].text),
                                  &room), 0);

            if (rooms[i].ver == 1 && room.ver == 0) {
                room.ver = 1;           /* the string room "123" */
                room.len = (uint8_t) strlen(rooms[i].text);
                memcpy(room.str, rooms[i].text, room.len + 1);
            }

            /* what it computed: exact as a JavaScript number, never 0 */
            id = trtc_janus_room(s, 12, &room);
            T_TRUE(id == rooms[i].id);
            T_TRUE(id >= 1 && id < (1ULL << 53));

            memset(pin, 0, sizeof(pin));
            T_INT(trtc_janus_pin(s, 12, &room, pin), TRTC_JANUS_PIN_LEN);
            T_TRUE(strcmp(pin, rooms[i].pin) == 0);
        }

        /* the longest string room; no secret, nothing */
        memset(pin, 'z', TRTC_STRROOM_MAX);
        T_INT(trtc_room_parse(pin, TRTC_STRROOM_MAX, &room), 0);
        id = trtc_janus_room(s, 12, &room);
        T_TRUE(id >= 1 && id < (1ULL << 53));
        T_INT(trtc_janus_pin(s, 12, &room, pin), TRTC_JANUS_PIN_LEN);
        T_TRUE(trtc_janus_room(s, 0, &room) == 0);
        T_INT(trtc_janus_pin(s, 0, &room, pin), 0);
    }
}
