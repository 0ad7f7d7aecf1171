
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The userbuf of a PrivateMapKey (its wire format, what a key is
 * issued with), the checks of a verified key's room and privilege, and
 * TRTC's rules for user ids, rooms (numeric or string) and privileges.
 */


#include <stdio.h>
#include <string.h>

#include "trtc_token_int.h"


static unsigned char *trtc_put32(unsigned char *p, uint32_t v);
static uint32_t trtc_get32(const unsigned char *p);
static int trtc_chars_valid(const char *s, size_t len, size_t max,
    const char *punct);
static int trtc_strroom_valid(const char *s, size_t len);


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


/*
 * 1 to max bytes, each a letter, a digit or one of punct: user ids take
 * "_" and "-", string room ids the punctuation TRTC allows in them
 */

static int
trtc_chars_valid(const char *s, size_t len, size_t max, const char *punct)
{
    size_t  i;
    char    c;

    if (len == 0 || len > max) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9'))
        {
            continue;
        }

        if (c == '\0' || strchr(punct, c) == NULL) {
            return 0;
        }
    }

    return 1;
}


int
trtc_userid_valid(const char *s, size_t len)
{
    return trtc_chars_valid(s, len, TRTC_USERID_MAX, "_-");
}


static int
trtc_strroom_valid(const char *s, size_t len)
{
    return trtc_chars_valid(s, len, TRTC_STRROOM_MAX,
                            " !#$%&()+-:;<=.>?@[]^_{}|~,");
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
