
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * trtc-tool: the token core on the command line, with a clock that can
 * be fixed, for tests and for looking at tokens by hand.
 *
 *   trtc-tool sign -k KEYFILE -a SDKAPPID -u USER [-r ROOM] [-p PRIVILEGE]
 *                  [-t TIME] [-e EXPIRE]
 *   trtc-tool verify -k KEYFILE [-k KEYFILE ...] -a SDKAPPID [-n NOW]
 *                  [-l LEEWAY] [-r ROOM] [-p PRIVILEGE] TOKEN
 *
 * verify prints one JSON line and exits 0 when the token is good, 1 when
 * it is rejected, 2 on usage errors.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trtc_token.h"
#include "keyfile.h"


#define TOOL_KEYS_MAX  8


static int tool_run(int sign, trtc_ctx_t *ctx, trtc_key_t **keys, int nkeys,
    int64_t sdkappid, const char *user, const char *room_arg,
    const char *priv_arg, int64_t t, int64_t expire, int64_t now,
    int64_t leeway, const char *token);
static int tool_number(const char *s, int64_t *v);
static int usage(void);


int
main(int argc, char **argv)
{
    int           c, i, rc, sign, nkeys;
    int64_t       sdkappid, t, expire, now, leeway;
    const char   *user, *room_arg, *priv_arg;
    trtc_ctx_t   *ctx;
    trtc_key_t   *keys[TOOL_KEYS_MAX];

    if (argc < 2) {
        return usage();
    }

    if (strcmp(argv[1], "sign") == 0) {
        sign = 1;

    } else if (strcmp(argv[1], "verify") == 0) {
        sign = 0;

    } else {
        return usage();
    }

    nkeys = 0;
    sdkappid = -1;
    t = (int64_t) time(NULL);
    now = t;
    expire = 86400;
    leeway = 0;
    user = NULL;
    room_arg = NULL;
    priv_arg = NULL;
    rc = 2;

    optind = 2;

    while ((c = getopt(argc, argv, "k:a:u:r:p:t:e:n:l:")) != -1) {
        switch (c) {

        case 'k':
            if (nkeys == TOOL_KEYS_MAX) {
                goto done;
            }

            keys[nkeys] = keyfile_read("trtc-tool", optarg);
            if (keys[nkeys] == NULL) {
                goto done;
            }

            nkeys++;
            continue;

        case 'a':
            if (tool_number(optarg, &sdkappid) == 0) {
                continue;
            }
            break;

        case 'u':
            user = optarg;
            continue;

        case 'r':
            room_arg = optarg;
            continue;

        case 'p':
            priv_arg = optarg;
            continue;

        case 't':
            if (tool_number(optarg, &t) == 0) {
                continue;
            }
            break;

        case 'e':
            if (tool_number(optarg, &expire) == 0) {
                continue;
            }
            break;

        case 'n':
            if (tool_number(optarg, &now) == 0) {
                continue;
            }
            break;

        case 'l':
            if (tool_number(optarg, &leeway) == 0) {
                continue;
            }
            break;
        }

        usage();
        goto done;
    }

    if (nkeys == 0 || sdkappid < 0 || sdkappid > (int64_t) TRTC_NUMBER_MAX
        || (sign && (user == NULL || optind != argc))
        || (!sign && optind != argc - 1))
    {
        usage();
        goto done;
    }

    ctx = trtc_ctx_create();
    if (ctx == NULL) {
        fprintf(stderr, "trtc-tool: no memory\n");
        goto done;
    }

    rc = tool_run(sign, ctx, keys, nkeys, sdkappid, user, room_arg, priv_arg,
                  t, expire, now, leeway, sign ? NULL : argv[optind]);

    trtc_ctx_destroy(ctx);

done:

    for (i = 0; i < nkeys; i++) {
        trtc_key_destroy(keys[i]);
    }

    return rc;
}


static int
tool_run(int sign, trtc_ctx_t *ctx, trtc_key_t **keys, int nkeys,
    int64_t sdkappid, const char *user, const char *room_arg,
    const char *priv_arg, int64_t t, int64_t expire, int64_t now,
    int64_t leeway, const char *token)
{
    int            rc;
    size_t         len;
    uint32_t       privilege;
    trtc_room_t    room;
    trtc_token_t   tok;
    char           out[TRTC_TOKEN_MAX + 1];
    char           text[TRTC_ROOM_TEXT_MAX + 1];

    privilege = TRTC_PRIV_ALL;

    if (priv_arg
        && trtc_privilege_parse(priv_arg, strlen(priv_arg), &privilege) != 0)
    {
        fprintf(stderr, "trtc-tool: invalid privilege\n");
        return 2;
    }

    if (room_arg && trtc_room_parse(room_arg, strlen(room_arg), &room) != 0) {
        fprintf(stderr, "trtc-tool: invalid room\n");
        return 2;
    }

    if (sign) {
        memset(&tok, 0, sizeof(trtc_token_t));

        len = strlen(user);

        if (!trtc_userid_valid(user, len)) {
            fprintf(stderr, "trtc-tool: invalid user id\n");
            return 2;
        }

        memcpy(tok.identifier, user, len);
        tok.identifier_len = (uint8_t) len;
        tok.sdkappid = (uint32_t) sdkappid;
        tok.time = t;
        tok.expire = expire;

        rc = TRTC_OK;

        if (room_arg) {
            rc = trtc_set_userbuf(&tok, &room, privilege);
        }

        if (rc == TRTC_OK) {
            rc = trtc_sign(ctx, keys[0], &tok, out, &len);
        }

        if (rc != TRTC_OK) {
            fprintf(stderr, "trtc-tool: %s\n", trtc_strerror(rc));
            return 2;
        }

        printf("%.*s\n", (int) len, out);

        return 0;
    }

    rc = trtc_verify(ctx, keys, (size_t) nkeys, (uint32_t) sdkappid,
                     token, strlen(token), now, leeway, &tok);

    if (rc == TRTC_OK && room_arg) {
        rc = trtc_check_room(&tok, &room);
    }

    if (rc == TRTC_OK && priv_arg) {
        rc = trtc_check_privilege(&tok, privilege);
    }

    if (rc != TRTC_OK) {
        printf("{\"result\":\"%s\"}\n", trtc_strerror(rc));
        return 1;
    }

    printf("{\"result\":\"ok\",\"identifier\":\"%s\",\"sdkappid\":%u,"
           "\"time\":%lld,\"expire\":%lld",
           tok.identifier, (unsigned) tok.sdkappid, (long long) tok.time,
           (long long) tok.expire);

    if (tok.has_userbuf) {
        trtc_room_of(&tok.userbuf, &room);
        trtc_room_text(&room, text);

        printf(",\"room\":\"%s\",\"room_type\":\"%s\",\"privilege\":%u,"
               "\"userbuf_expire\":%u",
               text, room.ver ? "string" : "number",
               (unsigned) tok.userbuf.privilege,
               (unsigned) tok.userbuf.expire);
    }

    printf("}\n");

    return 0;
}


static int
tool_number(const char *s, int64_t *v)
{
    char       *end;
    long long   n;

    n = strtoll(s, &end, 10);

    if (*s == '\0' || *end != '\0' || n < 0) {
        return -1;
    }

    *v = n;

    return 0;
}


static int
usage(void)
{
    fprintf(stderr,
            "usage: trtc-tool sign -k KEYFILE -a SDKAPPID -u USER [-r ROOM]"
            " [-p PRIVILEGE] [-t TIME] [-e EXPIRE]\n"
            "       trtc-tool verify -k KEYFILE [-k KEYFILE ...] -a SDKAPPID"
            " [-n NOW] [-l LEEWAY] [-r ROOM] [-p PRIVILEGE] TOKEN\n");

    return 2;
}
