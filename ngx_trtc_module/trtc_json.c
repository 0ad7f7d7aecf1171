
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
 * repeated or invalid; then the first missing one.
 */


#include <stdlib.h>
#include <string.h>

#include "trtc_token_int.h"


/* members: the order their absence is told in */

enum {
    TRTC_M_VER = 0, TRTC_M_IDENTIFIER, TRTC_M_SDKAPPID, TRTC_M_TIME,
    TRTC_M_EXPIRE, TRTC_M_SIG, TRTC_M_USERBUF, TRTC_M_LAST
};

static const struct {
    const char              *name;
    size_t                   len;
    int                      error;      /* missing or invalid */
} trtc_members[] = {
    { "TLS.ver",        7,  TRTC_ERR_VERSION },
    { "TLS.identifier", 14, TRTC_ERR_IDENTIFIER },
    { "TLS.sdkappid",   12, TRTC_ERR_SDKAPPID },
    { "TLS.time",       8,  TRTC_ERR_TIME },
    { "TLS.expire",     10, TRTC_ERR_EXPIRE },
    { "TLS.sig",        7,  TRTC_ERR_SIG },
    { "TLS.userbuf",    11, TRTC_ERR_USERBUF }      /* the only optional */
};


/* the longest name worth unescaping (the members' are shorter) */
#define TRTC_JSON_NAME_MAX   16

/* a number spelt with a fraction or an exponent, read by strtod() */
#define TRTC_JSON_NUMBER_MAX 64


typedef struct {
    const char              *p;
    const char              *end;
} trtc_json_t;


/*
 * The bytes a string's run takes as they are: all but '"', '\\' and
 * the control characters.  One load a byte instead of three compares.
 */

#define XX  0
#define OK  1

static const unsigned char  trtc_json_plain[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    OK, OK, XX, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, XX, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
    OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
};

#undef XX
#undef OK


static void trtc_json_space(trtc_json_t *j);
static int trtc_json_string(trtc_json_t *j, char *out, size_t size,
    size_t *len);
static size_t trtc_json_utf8(unsigned c, unsigned char *u);
static int trtc_json_hex4(const char *p, unsigned *v);
static int trtc_json_number(trtc_json_t *j, int64_t *value, int *valid);
static int trtc_json_literal(trtc_json_t *j, const char *word, size_t len);
static int trtc_json_skip(trtc_json_t *j, int depth);
static int trtc_json_member(trtc_json_t *j, int m, trtc_token_t *tok,
    trtc_fields_t *f, int *valid);


int
trtc_json_token(const char *json, size_t len, trtc_token_t *tok,
    trtc_fields_t *f)
{
    int          m, valid, error;
    size_t       n;
    unsigned     seen;
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
        if (trtc_json_string(&j, name, sizeof(name), &n) != 0) {
            return TRTC_ERR_JSON;
        }

        trtc_json_space(&j);

        if (j.p == j.end || *j.p++ != ':') {
            return TRTC_ERR_JSON;
        }

        trtc_json_space(&j);

        for (m = 0; m < TRTC_M_LAST; m++) {
            if (n == trtc_members[m].len
                && memcmp(name, trtc_members[m].name, n) == 0)
            {
                break;
            }
        }

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
 * A member the token is made of: its value read and checked into *tok
 * or *f, *valid saying whether it is what it must be.  -1 on bad JSON.
 */

static int
trtc_json_member(trtc_json_t *j, int m, trtc_token_t *tok, trtc_fields_t *f,
    int *valid)
{
    size_t   n;
    int64_t  v;
    char     s[TRTC_SIG_B64_LEN + 1];
    unsigned char  sig[TRTC_SIG_LEN + 2];

    *valid = 0;

    if (m == TRTC_M_SDKAPPID || m == TRTC_M_TIME || m == TRTC_M_EXPIRE) {

        if (j->p == j->end || (*j->p != '-' && (*j->p < '0' || *j->p > '9')))
        {
            return trtc_json_skip(j, 1);
        }

        if (trtc_json_number(j, &v, valid) != 0) {
            return -1;
        }

        if (*valid) {
            if (m == TRTC_M_SDKAPPID) {
                tok->sdkappid = (uint32_t) v;

            } else if (m == TRTC_M_TIME) {
                tok->time = v;

            } else {
                tok->expire = v;
            }
        }

        return 0;
    }

    if (j->p == j->end || *j->p != '"') {
        return trtc_json_skip(j, 1);
    }

    switch (m) {

    case TRTC_M_VER:
        if (trtc_json_string(j, s, sizeof(s), &n) != 0) {
            return -1;
        }

        *valid = (n == 3 && memcmp(s, "2.0", 3) == 0);
        return 0;

    case TRTC_M_IDENTIFIER:
        if (trtc_json_string(j, tok->identifier, TRTC_USERID_MAX + 1, &n)
            != 0)
        {
            return -1;
        }

        if (n <= TRTC_USERID_MAX && trtc_userid_valid(tok->identifier, n)) {
            tok->identifier[n] = '\0';
            tok->identifier_len = (uint8_t) n;
            *valid = 1;

        } else {
            tok->identifier[0] = '\0';
            tok->identifier_len = 0;
        }

        return 0;

    case TRTC_M_USERBUF:
        if (trtc_json_string(j, f->userbuf_b64, TRTC_USERBUF_B64_MAX + 1, &n)
            != 0)
        {
            return -1;
        }

        if (n >= 1 && n <= TRTC_USERBUF_B64_MAX) {
            f->userbuf_b64[n] = '\0';
            f->userbuf = f->userbuf_b64;
            f->userbuf_len = n;
            tok->has_userbuf = 1;
            *valid = 1;
        }

        return 0;

    default: /* TRTC_M_SIG */
        if (trtc_json_string(j, s, sizeof(s), &n) != 0) {
            return -1;
        }

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


static void
trtc_json_space(trtc_json_t *j)
{
    while (j->p < j->end
           && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n'
               || *j->p == '\r'))
    {
        j->p++;
    }
}


/*
 * A string, unescaped into out (of size bytes; NULL: only checked).
 * *len is its length, or size when it is that long or longer (what
 * fits is there): the callers' buffers are one byte more than they
 * take, so size says "too long".
 * -1 on bad JSON: a control character, a bad escape, a NUL, a lone
 * surrogate, no end.
 */

static int
trtc_json_string(trtc_json_t *j, char *out, size_t size, size_t *len)
{
    size_t          n, k;
    unsigned        c, lo;
    unsigned char   u[4];
    const char     *p, *run;

    p = j->p;

    if (p == j->end || *p++ != '"') {
        return -1;
    }

    n = 0;

    for ( ;; ) {

        /* a run of characters as they are, copied at once */

        run = p;

        while (p < j->end && trtc_json_plain[(unsigned char) *p]) {
            p++;
        }

        k = (size_t) (p - run);

        if (k) {
            if (out && n < size) {
                memcpy(out + n, run, (n + k <= size) ? k : size - n);
            }

            n += k;
        }

        if (p == j->end) {
            return -1;
        }

        c = (unsigned char) *p++;

        if (c == '"') {
            break;
        }

        if (c < 0x20) {
            return -1;
        }

        /* an escape */

        k = 1;

        if (p == j->end) {
            return -1;
        }

        switch (*p++) {
        case '"':  u[0] = '"'; break;
        case '\\': u[0] = '\\'; break;
        case '/':  u[0] = '/'; break;
        case 'b':  u[0] = '\b'; break;
        case 'f':  u[0] = '\f'; break;
        case 'n':  u[0] = '\n'; break;
        case 'r':  u[0] = '\r'; break;
        case 't':  u[0] = '\t'; break;

        case 'u':
            if (j->end - p < 4 || trtc_json_hex4(p, &c) != 0 || c == 0) {
                return -1;
            }

            p += 4;

            if (c >= 0xdc00 && c <= 0xdfff) {
                return -1;
            }

            if (c >= 0xd800 && c <= 0xdbff) {
                if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u'
                    || trtc_json_hex4(p + 2, &lo) != 0
                    || lo < 0xdc00 || lo > 0xdfff)
                {
                    return -1;
                }

                p += 6;
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            }

            k = trtc_json_utf8(c, u);
            break;

        default:
            return -1;
        }

        if (out && n + k <= size) {
            memcpy(out + n, u, k);
        }

        n += k;
    }

    j->p = p;

    if (out) {
        *len = (n < size) ? n : size;
    }

    return 0;
}


/* a code point in UTF-8: its length */

static size_t
trtc_json_utf8(unsigned c, unsigned char *u)
{
    if (c < 0x80) {
        u[0] = (unsigned char) c;
        return 1;
    }

    if (c < 0x800) {
        u[0] = (unsigned char) (0xc0 | (c >> 6));
        u[1] = (unsigned char) (0x80 | (c & 0x3f));
        return 2;
    }

    if (c < 0x10000) {
        u[0] = (unsigned char) (0xe0 | (c >> 12));
        u[1] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
        u[2] = (unsigned char) (0x80 | (c & 0x3f));
        return 3;
    }

    u[0] = (unsigned char) (0xf0 | (c >> 18));
    u[1] = (unsigned char) (0x80 | ((c >> 12) & 0x3f));
    u[2] = (unsigned char) (0x80 | ((c >> 6) & 0x3f));
    u[3] = (unsigned char) (0x80 | (c & 0x3f));
    return 4;
}


static int
trtc_json_hex4(const char *p, unsigned *v)
{
    int       i;
    unsigned  c, d;

    c = 0;

    for (i = 0; i < 4; i++) {
        d = (unsigned char) p[i];

        if (d >= '0' && d <= '9') {
            d -= '0';

        } else if ((d | 0x20) >= 'a' && (d | 0x20) <= 'f') {
            d = (d | 0x20) - 'a' + 10;

        } else {
            return -1;
        }

        c = (c << 4) | d;
    }

    *v = c;

    return 0;
}


/*
 * A number (RFC 8259's grammar); *valid when it is an integer of 0 to
 * TRTC_NUMBER_MAX, then in *value.  -1 on bad JSON.
 */

static int
trtc_json_number(trtc_json_t *j, int64_t *value, int *valid)
{
    int          plain;
    size_t       n;
    double       d;
    uint64_t     v;
    const char  *start, *p;
    char         buf[TRTC_JSON_NUMBER_MAX + 1];

    start = j->p;
    p = start;
    plain = 1;
    v = 0;

    if (p < j->end && *p == '-') {
        plain = 0;
        p++;
    }

    if (p == j->end || *p < '0' || *p > '9') {
        return -1;
    }

    if (*p == '0') {
        p++;

    } else {
        while (p < j->end && *p >= '0' && *p <= '9') {
            if (v <= TRTC_NUMBER_MAX) {
                v = v * 10 + (uint64_t) (*p - '0');
            }

            p++;
        }
    }

    if (p < j->end && *p == '.') {
        plain = 0;
        p++;

        if (p == j->end || *p < '0' || *p > '9') {
            return -1;
        }

        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < j->end && (*p == 'e' || *p == 'E')) {
        plain = 0;
        p++;

        if (p < j->end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (p == j->end || *p < '0' || *p > '9') {
            return -1;
        }

        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    j->p = p;
    *valid = 0;

    if (plain) {
        if (v <= TRTC_NUMBER_MAX) {
            *value = (int64_t) v;
            *valid = 1;
        }

        return 0;
    }

    /* 1.4e9, 1400000000.0, -0: what the number is, as a double */

    n = (size_t) (p - start);

    if (n > TRTC_JSON_NUMBER_MAX) {
        return 0;
    }

    memcpy(buf, start, n);
    buf[n] = '\0';

    d = strtod(buf, NULL);

    /* also false for NaN */
    if (d >= 0 && d <= (double) TRTC_NUMBER_MAX
        && d == (double) (int64_t) d)
    {
        *value = (int64_t) d;
        *valid = 1;
    }

    return 0;
}


/* true, false or null */

static int
trtc_json_literal(trtc_json_t *j, const char *word, size_t len)
{
    if ((size_t) (j->end - j->p) < len || memcmp(j->p, word, len) != 0) {
        return -1;
    }

    j->p += len;

    return 0;
}


/* any value, only checked; depth: of the object or array it is in */

static int
trtc_json_skip(trtc_json_t *j, int depth)
{
    char     close;
    int64_t  v;
    int      valid;

    if (j->p == j->end) {
        return -1;
    }

    switch (*j->p) {

    case '"':
        return trtc_json_string(j, NULL, 0, NULL);

    case 't':
        return trtc_json_literal(j, "true", 4);

    case 'f':
        return trtc_json_literal(j, "false", 5);

    case 'n':
        return trtc_json_literal(j, "null", 4);

    case '{':
    case '[':
        break;

    default:
        return trtc_json_number(j, &v, &valid);
    }

    if (depth >= TRTC_JSON_DEPTH) {
        return -1;
    }

    close = (*j->p++ == '{') ? '}' : ']';

    trtc_json_space(j);

    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }

    for ( ;; ) {
        if (close == '}') {
            if (trtc_json_string(j, NULL, 0, NULL) != 0) {
                return -1;
            }

            trtc_json_space(j);

            if (j->p == j->end || *j->p++ != ':') {
                return -1;
            }

            trtc_json_space(j);
        }

        if (trtc_json_skip(j, depth + 1) != 0) {
            return -1;
        }

        trtc_json_space(j);

        if (j->p == j->end) {
            return -1;
        }

        if (*j->p == close) {
            j->p++;
            return 0;
        }

        if (*j->p++ != ',') {
            return -1;
        }

        trtc_json_space(j);
    }
}
