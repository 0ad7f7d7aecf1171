
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The JSON inside a token, read in one pass with no allocation: an
 * object (RFC 8259, nothing more lenient) whose members TLS.ver,
 * TLS.identifier, TLS.sdkappid, TLS.time, TLS.expire, TLS.sig and
 * TLS.userbuf are taken, each checked, and whose other members are
 * only checked for syntax, nested TRTC_JSON_DEPTH deep at most.  Names
 * and strings are unescaped as JSON has it (\u escapes, surrogate pairs
 * into UTF-8); a NUL, raw or escaped, is no JSON here (no token has one,
 * and a string that ends early would be another spelling).  Numbers are
 * integers of 0 to TRTC_NUMBER_MAX, in any JSON spelling (1400000000,
 * 1.4e9).
 *
 * What is wrong is told as the verification tells it: bad JSON first,
 * wherever it is; then the first member, in the order written, that is
 * repeated or invalid; then the first missing one.  The strings, numbers
 * and values skipped are trtc_json_lex.c's.
 */


#include <string.h>

#include "trtc_token_int.h"


/* members: the order their absence is told in */

enum {
    TRTC_M_VER = 0, TRTC_M_IDENTIFIER, TRTC_M_SDKAPPID, TRTC_M_TIME,
    TRTC_M_EXPIRE, TRTC_M_SIG, TRTC_M_USERBUF, TRTC_M_LAST
};

static const struct {
    const char              *name;       /* its length: trtc_json_name() */
    int                      error;      /* missing or invalid */
} trtc_members[] = {
    { "TLS.ver",        TRTC_ERR_VERSION },
    { "TLS.identifier", TRTC_ERR_IDENTIFIER },
    { "TLS.sdkappid",   TRTC_ERR_SDKAPPID },
    { "TLS.time",       TRTC_ERR_TIME },
    { "TLS.expire",     TRTC_ERR_EXPIRE },
    { "TLS.sig",        TRTC_ERR_SIG },
    { "TLS.userbuf",    TRTC_ERR_USERBUF }      /* the only optional */
};


/* the longest name worth unescaping (the members' are shorter) */
#define TRTC_JSON_NAME_MAX   16


static int trtc_json_name(const char *s, size_t n);
static int trtc_json_member(trtc_json_t *j, int m, trtc_token_t *tok,
    trtc_fields_t *f, int *valid);


int
trtc_json_token(const char *json, size_t len, trtc_token_t *tok,
    trtc_fields_t *f)
{
    int          m, rc, valid, error;
    size_t       n;
    unsigned     seen;
    const char  *s;
    trtc_json_t  j;
    char         name[TRTC_JSON_NAME_MAX];

    j.p = json;
    j.end = json + len;

    error = TRTC_OK;
    seen = 0;

    trtc_json_space(&j);

    if (j.p == j.end || *j.p++ != '{') {
        return TRTC_ERR_JSON;
    }

    trtc_json_space(&j);

    if (j.p < j.end && *j.p == '}') {
        j.p++;
        goto end;
    }

    for ( ;; ) {

        /* the name as it is written; unescaped when it has escapes */

        rc = trtc_json_raw(&j, &s, &n);

        if (rc == 0) {
            rc = trtc_json_string(&j, name, sizeof(name), &n);
            s = name;
        }

        if (rc < 0) {
            return TRTC_ERR_JSON;
        }

        trtc_json_space(&j);

        if (j.p == j.end || *j.p++ != ':') {
            return TRTC_ERR_JSON;
        }

        trtc_json_space(&j);

        m = trtc_json_name(s, n);

        if (m == TRTC_M_LAST) {
            if (trtc_json_skip(&j, 1) != 0) {
                return TRTC_ERR_JSON;
            }

        } else {
            if (trtc_json_member(&j, m, tok, f, &valid) != 0) {
                return TRTC_ERR_JSON;
            }

            if (error == TRTC_OK) {
                if (seen & (1u << m)) {
                    error = TRTC_ERR_DUPLICATE;

                } else if (!valid) {
                    error = trtc_members[m].error;
                }
            }

            seen |= 1u << m;
        }

        trtc_json_space(&j);

        if (j.p == j.end) {
            return TRTC_ERR_JSON;
        }

        if (*j.p == '}') {
            j.p++;
            break;
        }

        if (*j.p++ != ',') {
            return TRTC_ERR_JSON;
        }

        trtc_json_space(&j);
    }

end:

    trtc_json_space(&j);

    if (j.p != j.end) {
        return TRTC_ERR_JSON;
    }

    if (error != TRTC_OK) {
        return error;
    }

    for (m = 0; m < TRTC_M_USERBUF; m++) {
        if (!(seen & (1u << m))) {
            return trtc_members[m].error;
        }
    }

    return TRTC_OK;
}


/*
 * A member's name: which of trtc_members[] it is, TRTC_M_LAST for none.
 * Their lengths tell them apart, but for TLS.ver and TLS.sig; each is
 * compared in a length known here, which the compiler compares inline.
 */

#define trtc_json_is(s, m, n)                                               \
    ((memcmp(s, trtc_members[m].name, n) == 0) ? (m) : TRTC_M_LAST)

static int
trtc_json_name(const char *s, size_t n)
{
    switch (n) {

    case 7:
        return (s[4] == 'v') ? trtc_json_is(s, TRTC_M_VER, 7)
                             : trtc_json_is(s, TRTC_M_SIG, 7);

    case 8:
        return trtc_json_is(s, TRTC_M_TIME, 8);

    case 10:
        return trtc_json_is(s, TRTC_M_EXPIRE, 10);

    case 11:
        return trtc_json_is(s, TRTC_M_USERBUF, 11);

    case 12:
        return trtc_json_is(s, TRTC_M_SDKAPPID, 12);

    case 14:
        return trtc_json_is(s, TRTC_M_IDENTIFIER, 14);

    default:
        return TRTC_M_LAST;
    }
}


/*
 * A member the token is made of: its value read and checked into *tok
 * or *f, *valid saying whether it is what it must be.  -1 on bad JSON.
 * A string is taken where it is in the JSON, or, when it has escapes,
 * unescaped into a buffer longer than any of the members may be (the
 * userbuf's into *f, where it is read from later).
 */

static int
trtc_json_member(trtc_json_t *j, int m, trtc_token_t *tok, trtc_fields_t *f,
    int *valid)
{
    int             rc;
    size_t          n;
    int64_t         v;
    const char     *s;
    unsigned char   sig[TRTC_SIG_LEN + 2];
    char            buf[TRTC_USERBUF_B64_MAX + 1];

    *valid = 0;

    if (m == TRTC_M_SDKAPPID || m == TRTC_M_TIME || m == TRTC_M_EXPIRE) {

        if (j->p == j->end || (*j->p != '-' && (*j->p < '0' || *j->p > '9')))
        {
            return trtc_json_skip(j, 1);
        }

        s = j->p;

        if (trtc_json_number(j, &v, valid) != 0) {
            return -1;
        }

        if (*valid) {
            if (m == TRTC_M_SDKAPPID) {
                tok->sdkappid = (uint32_t) v;
                n = 0;

            } else if (m == TRTC_M_TIME) {
                tok->time = v;
                n = 1;

            } else {
                tok->expire = v;
                n = 2;
            }

            f->digits[n] = (*valid == TRTC_JSON_DIGITS) ? s : NULL;
            f->digits_len[n] = (size_t) (j->p - s);
        }

        return 0;
    }

    if (j->p == j->end || *j->p != '"') {
        return trtc_json_skip(j, 1);
    }

    rc = trtc_json_raw(j, &s, &n);

    if (rc == 0) {
        s = (m == TRTC_M_USERBUF) ? f->userbuf_b64 : buf;

        /* n is TRTC_USERBUF_B64_MAX + 1 when the string is longer */
        rc = trtc_json_string(j, (char *) s, TRTC_USERBUF_B64_MAX + 1, &n);
    }

    if (rc < 0) {
        return -1;
    }

    switch (m) {

    case TRTC_M_VER:
        *valid = (n == 3 && memcmp(s, "2.0", 3) == 0);
        return 0;

    case TRTC_M_IDENTIFIER:
        if (n <= TRTC_USERID_MAX && trtc_userid_valid(s, n)) {
            memcpy(tok->identifier, s, n);
            tok->identifier[n] = '\0';
            tok->identifier_len = (uint8_t) n;
            *valid = 1;

        } else {
            tok->identifier[0] = '\0';
            tok->identifier_len = 0;
        }

        return 0;

    case TRTC_M_USERBUF:
        if (n >= 1 && n <= TRTC_USERBUF_B64_MAX) {
            f->userbuf = s;
            f->userbuf_len = n;
            tok->has_userbuf = 1;
            *valid = 1;
        }

        return 0;

    default: /* TRTC_M_SIG */
        if (n <= TRTC_SIG_B64_LEN
            && trtc_base64_decode(sig, &n, s, n, TRTC_BASE64_STD) == 0
            && n == TRTC_SIG_LEN)
        {
            memcpy(f->sig, sig, TRTC_SIG_LEN);
            *valid = 1;
        }

        return 0;
    }
}
