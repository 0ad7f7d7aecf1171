
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Unit tests of the token core (trtc_token.c).  Malformed tokens are
 * built here with zlib, OpenSSL's HMAC() and a base64 encoder of our
 * own, so the core's signing is checked against an independent one and
 * against the vectors of Tencent's npm tls-sig-api-v2 (t/data).  The
 * tests are run from the table of unit.c.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "trtc_token_int.h"
#include "unit.h"


/* t/data/usersig-v2.json */

#define T_KEY         "5bd2850fff3ecb11d7c805251c51ee46"                    \
                      "3a25727bddc2385f3fa8bfee1bb93b5e"
#define T_SDKAPPID    1400000000U
#define T_TIME        1700000000LL
#define T_EXPIRE      86400LL

#define T_ALICE_SIG   "6GmjjJlI0ZfvdjC0qJyFjHknLqIVerI6rpJOgWxfg1k="
#define T_ROOM_SIG    "YHUkwyXQUWnczYdO+5gO/0x0JhKwBXCSr8CazFFAay8="
#define T_ROOM_UB     "AAAFYWxpY2VTck4AAAAE0mVVQoAAAAD/AAAAAA=="
#define T_STR_SIG     "6KrWcWx3gpU+fBjMrtUQd68/pHbN9/kaqL8i7LHr+s8="
#define T_STR_UB      "AQAFYWxpY2VTck4AAAAAAGVVQoAAAAD/AAAAAAAEMTIzNA=="
#define T_BOB_SIG     "h7yBpbKpIi2UfLZjNB0yLZ7Qow8wwjs00am6Q6nBzMI="
#define T_BOB_UB      "AAADYm9iU3JOAAAAACplU/IsAAAAKgAAAAA="

/* alice's UserSig JSON between the braces, as Node writes it */
#define T_ALICE_BODY                                                        \
    "\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"alice\","                     \
    "\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,"                  \
    "\"TLS.expire\":86400,\"TLS.sig\":\"" T_ALICE_SIG "\""

#define T_A10         "AAAAAAAAAA"
#define T_A40         T_A10 T_A10 T_A10 T_A10
#define T_R10         "rrrrrrrrrr"
#define T_U32         "u123456789_123456789-123456789ab"

#define T_NELTS(a)    (sizeof(a) / sizeof((a)[0]))


typedef struct {
    const char          *name;
    const char          *token;
    const char          *id;
    int64_t              expire;
    const char          *ub64;      /* NULL: a UserSig */
    const char          *ub_hex;
    const char          *sig;
    unsigned             ver;
    uint32_t             roomid;
    const char          *strroom;
    uint32_t             priv;
} t_vector_t;


static const t_vector_t  t_vectors[] = {

    { "usersig",
      "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwok5mcmpUInilOzEgoLMFCUrQxMD"
      "KIDIlGTmpipZGZqjiqZWFGQWpSpZWZiZwISKM9OVrJTM3HOzsrxyPA2i0spSspwNCr0q"
      "3bI8svN8Cj3DUos8zYoKvPzTwyvS0g2zbZVqAZcSMWk_",
      "alice", 86400, NULL, NULL, T_ALICE_SIG, 0, 0, "", 0 },

    { "pmk_room",
      "eJxVjckOgkAQRP*lrxocDSqZhEO7EKMmhIAIx5EZtYPLZFxYjP9uRD1Yp6r3DvWAaBla"
      "d2WAQ89i0G42SXW60pYaLA6Uqa*4yFxoTRJ412bffMyVjgp4d-hPVanJKODOwP6h20WZ"
      "zW0LHBDRS9elTntxlOU2IuKUHeM4OL-rpINNXPf3TTvgkM5WeVElwWp9yupU*q3*zu*w"
      "ks33i2KUjEPjjEXteSgqx4XnCwYaQUU_",
      "alice", 86400, T_ROOM_UB,
      "000005616c69636553724e00000004d265554280000000ff00000000",
      T_ROOM_SIG, 0, 1234, "", 255 },

    { "pmk_strroom",
      "eJxVjskOgkAQRP*lrxhZJICTcBjjghFIiCzxiDCYFpdxAEM0-ruR5WCdqt671BtCdz99"
      "MgEEtKkCk25jzm41Ftjh9IIZG0SVlynnmANRdWVIb2q8MiCq*U9Zy1EwIJahj6ipmDg2"
      "BRCgAV0fkpYftDjMSp122cRxcP*VpdwDuvLC7cuntj1*wBMQMHYiyZJ2duKRVCzOnqij"
      "IDcsmTtHfy6X6cO10HQdIVWWDZ8vDMRDTw__",
      "alice", 86400, T_STR_UB,
      "010005616c69636553724e000000000065554280000000ff00000000000431323334",
      T_STR_SIG, 1, 0, "1234", 255 },

    { "pmk_audience",
      "eJxVzb0OgkAQBOB32droAQb0EopDGwQ1RCmk48KBiwIXfkQ0vrsBoXCqnW*LecPZPc0f"
      "ogQK6pzAbOgYibzGGAfmBR*5im6hlBgBVZZkzO9TYyaAKsa-iqfEUgDVJmgqUfImBgqM"
      "se0lW6Ov7Y6sz0be-YVd9aeTDGJOq5gAhavRWZI70kbVj90gPVikcwPDK9pV26YVIWGm"
      "e3puvfa2CZ8v6p4-Ag__",
      "bob", 300, T_BOB_UB,
      "000003626f6253724e000000002a6553f22c0000002a00000000",
      T_BOB_SIG, 0, 42, "", 42 }
};


static trtc_ctx_t   *t_ctx;
static trtc_key_t   *t_key;
static char          t_tok[8192];


/* independent helpers */

static size_t
t_b64(char *dst, const unsigned char *src, size_t len, int trtc)
{
    size_t    i, n;
    uint32_t  v;

    static const char  basis[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    n = 0;

    for (i = 0; i < len; i += 3) {
        v = (uint32_t) src[i] << 16;
        v |= (i + 1 < len) ? (uint32_t) src[i + 1] << 8 : 0;
        v |= (i + 2 < len) ? (uint32_t) src[i + 2] : 0;

        dst[n++] = basis[(v >> 18) & 63];
        dst[n++] = basis[(v >> 12) & 63];
        dst[n++] = (i + 1 < len) ? basis[(v >> 6) & 63] : '=';
        dst[n++] = (i + 2 < len) ? basis[v & 63] : '=';
    }

    for (i = 0; trtc && i < n; i++) {
        dst[i] = dst[i] == '+' ? '*' : dst[i] == '/' ? '-'
                 : dst[i] == '=' ? '_' : dst[i];
    }

    dst[n] = '\0';

    return n;
}


static size_t
t_unhex(unsigned char *out, const char *hex)
{
    size_t        n;
    unsigned int  b;

    for (n = 0; hex[2 * n] && sscanf(hex + 2 * n, "%2x", &b) == 1; n++) {
        out[n] = (unsigned char) b;
    }

    return n;
}


static unsigned char *
t_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;

    return p + 4;
}


/* a userbuf written byte by byte; the room part when room is not NULL */

static size_t
t_ub(unsigned char *p, unsigned ver, const char *acc, size_t acclen,
    uint32_t sdkappid, uint32_t roomid, uint32_t expire, uint32_t priv,
    const char *room, size_t roomlen)
{
    unsigned char  *start;

    start = p;

    *p++ = (unsigned char) ver;
    *p++ = (unsigned char) (acclen >> 8);
    *p++ = (unsigned char) acclen;
    memcpy(p, acc, acclen);
    p += acclen;

    p = t_put32(p, sdkappid);
    p = t_put32(p, roomid);
    p = t_put32(p, expire);
    p = t_put32(p, priv);
    p = t_put32(p, 0);

    if (room) {
        *p++ = (unsigned char) (roomlen >> 8);
        *p++ = (unsigned char) roomlen;
        memcpy(p, room, roomlen);
        p += roomlen;
    }

    return (size_t) (p - start);
}


#define t_ub_alice(p)                                                       \
    t_ub(p, 0, "alice", 5, T_SDKAPPID, 1234, T_TIME + T_EXPIRE, 255, NULL, 0)


/* decodes a copy of exactly len bytes, so that ASan sees any over-read */

static int
t_ubdec(const unsigned char *p, size_t len, trtc_userbuf_t *ub)
{
    int             rc;
    unsigned char  *copy;

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        abort();
    }

    memcpy(copy, p, len);
    rc = trtc_userbuf_decode(copy, len, ub);
    free(copy);

    return rc;
}


/* TLS.sig by OpenSSL's HMAC() over the documented content */

static void
t_sig(const char *key, size_t keylen, const char *id, uint32_t sdkappid,
    long long time, long long expire, const char *ub64, char *sig64)
{
    int            n;
    char           content[1024];
    unsigned int   mdlen;
    unsigned char  md[EVP_MAX_MD_SIZE];

    n = snprintf(content, sizeof(content),
                 "TLS.identifier:%s\nTLS.sdkappid:%u\n"
                 "TLS.time:%lld\nTLS.expire:%lld\n",
                 id, (unsigned) sdkappid, time, expire);

    if (ub64) {
        n += snprintf(content + n, sizeof(content) - n, "TLS.userbuf:%s\n",
                      ub64);
    }

    if (HMAC(EVP_sha256(), key, (int) keylen, (unsigned char *) content,
             (size_t) n, md, &mdlen)
        == NULL)
    {
        abort();
    }

    t_b64(sig64, md, mdlen, 0);
}


static size_t
t_zip(unsigned char *out, size_t size, const void *data, size_t len,
    int level)
{
    uLongf  zlen;

    zlen = size;

    if (compress2(out, &zlen, data, len, level) != Z_OK) {
        abort();
    }

    return zlen;
}


static int
t_verify(const char *token, size_t len, int64_t now, int64_t leeway,
    trtc_token_t *tok)
{
    return trtc_verify(t_ctx, &t_key, 1, T_SDKAPPID, token, len, now,
                       leeway, tok);
}


/* zlib bytes -> token in t_tok -> trtc_verify */

static int
t_verify_z(const unsigned char *z, size_t zlen, int64_t now,
    trtc_token_t *tok)
{
    if (trtc_base64_encoded_length(zlen) >= sizeof(t_tok)) {
        abort();
    }

    return t_verify(t_tok, t_b64(t_tok, z, zlen, 1), now, 0, tok);
}


static int
t_verify_json(const char *json, size_t len, int level, int64_t now,
    trtc_token_t *tok)
{
    unsigned char  z[4096];

    return t_verify_z(z, t_zip(z, sizeof(z), json, len, level), now, tok);
}


/* a PrivateMapKey of alice around any userbuf string, signed here */

static int
t_pmk64(const char *id, const char *ub64, int64_t now, trtc_token_t *tok)
{
    int   n;
    char  sig[64], json[1024];

    t_sig(T_KEY, strlen(T_KEY), id, T_SDKAPPID, T_TIME, T_EXPIRE, ub64, sig);

    n = snprintf(json, sizeof(json),
                 "{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"%s\","
                 "\"TLS.sdkappid\":%u,\"TLS.time\":%lld,"
                 "\"TLS.expire\":%lld,\"TLS.userbuf\":\"%s\","
                 "\"TLS.sig\":\"%s\"}",
                 id, T_SDKAPPID, T_TIME, T_EXPIRE, ub64, sig);

    return t_verify_json(json, (size_t) n, 6, now, tok);
}


static int
t_pmk(const char *id, const unsigned char *ub, size_t len, int64_t now,
    trtc_token_t *tok)
{
    char  ub64[512];

    t_b64(ub64, ub, len, 0);

    return t_pmk64(id, ub64, now, tok);
}


/* a string field of a token's JSON, read with zlib and cJSON */

static int
t_field(const char *token, size_t len, const char *name, char *out,
    size_t size)
{
    int             rc;
    uLongf          jlen;
    size_t          zlen;
    cJSON          *root, *item;
    unsigned char   z[TRTC_TOKEN_MAX];
    char            json[TRTC_JSON_MAX + 1];

    out[0] = '\0';

    if (len > TRTC_TOKEN_MAX
        || trtc_base64_decode(z, &zlen, token, len, TRTC_BASE64_TRTC) != 0)
    {
        return -1;
    }

    jlen = TRTC_JSON_MAX;

    if (uncompress((unsigned char *) json, &jlen, z, zlen) != Z_OK) {
        return -1;
    }

    json[jlen] = '\0';

    root = cJSON_Parse(json);
    item = cJSON_GetObjectItemCaseSensitive(root, name);
    rc = -1;

    if (cJSON_IsString(item) && strlen(item->valuestring) < size) {
        strcpy(out, item->valuestring);
        rc = 0;
    }

    cJSON_Delete(root);

    return rc;
}


static void
t_token_init(trtc_token_t *tok, const char *id, int64_t time,
    int64_t expire)
{
    memset(tok, 0, sizeof(trtc_token_t));

    tok->sdkappid = T_SDKAPPID;
    tok->identifier_len = (uint8_t) strlen(id);
    memcpy(tok->identifier, id, tok->identifier_len);
    tok->time = time;
    tok->expire = expire;
}


static void
t_strroom(trtc_room_t *room, const char *s)
{
    memset(room, 0, sizeof(trtc_room_t));

    room->ver = 1;
    room->len = (uint8_t) strlen(s);
    memcpy(room->str, s, room->len);
}


static void
t_numroom(trtc_room_t *room, uint32_t id)
{
    memset(room, 0, sizeof(trtc_room_t));

    room->roomid = id;
}


/* the tests */

void
test_base64(void)
{
    int             v;
    char            enc[32], ref[32], pad;
    size_t          i, n, m, len, dlen;
    unsigned char   dst[32], *d;

    static const unsigned char  src[10] = {
        0xfb, 0xff, 0xbf, 0x00, 0x3e, 0xfc, 0x10, 0x83, 0x7f, 0xfe
    };

    static const char  *rfc[] = {
        "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"
    };

    static const struct {
        const char      *in;
        size_t           len;
        int              variant;
    } bad[] = {
        { "Zm9*", 4, TRTC_BASE64_STD },
        { "Zm9-", 4, TRTC_BASE64_STD },
        { "Zm9_", 4, TRTC_BASE64_STD },
        { "Zg__", 4, TRTC_BASE64_STD },
        { "Zm 9", 4, TRTC_BASE64_STD },
        { "Zm9\n", 4, TRTC_BASE64_STD },
        { "Zm\0v", 4, TRTC_BASE64_STD },
        { "Zm\xc3\xa9", 4, TRTC_BASE64_STD },
        { "Z", 1, TRTC_BASE64_STD },
        { "Zm9vY", 5, TRTC_BASE64_STD },
        { "Zg=", 3, TRTC_BASE64_STD },
        { "Zg===", 5, TRTC_BASE64_STD },
        { "Z===", 4, TRTC_BASE64_STD },
        { "=", 1, TRTC_BASE64_STD },
        { "==", 2, TRTC_BASE64_STD },
        { "====", 4, TRTC_BASE64_STD },
        { "Zm9v====", 8, TRTC_BASE64_STD },
        { "Zg==Zm9v", 8, TRTC_BASE64_STD },
        { "Zm=v", 4, TRTC_BASE64_STD },
        { "Zg=a", 4, TRTC_BASE64_STD },
        { "Zm9+", 4, TRTC_BASE64_TRTC },
        { "Zm9/", 4, TRTC_BASE64_TRTC },
        { "Zm8=", 4, TRTC_BASE64_TRTC },
        { "Zg==", 4, TRTC_BASE64_TRTC },
        { "Zm9v\n", 5, TRTC_BASE64_TRTC },
        { "Z", 1, TRTC_BASE64_TRTC },
        { "Zm9vY", 5, TRTC_BASE64_TRTC },
        { "Zg_", 3, TRTC_BASE64_TRTC },
        { "Zg___", 5, TRTC_BASE64_TRTC },
        { "____", 4, TRTC_BASE64_TRTC },
        { "Zg__Zm9v", 8, TRTC_BASE64_TRTC },
        { "Zm_v", 4, TRTC_BASE64_TRTC },

        /* not canonical: bits past the last byte must be zero */
        { "Zh==", 4, TRTC_BASE64_STD },
        { "Zh", 2, TRTC_BASE64_STD },
        { "Zm9=", 4, TRTC_BASE64_STD },
        { "Zh__", 4, TRTC_BASE64_TRTC },
        { "Zm9", 3, TRTC_BASE64_TRTC }
    };

    static const struct {
        const char      *in;
        int              variant;
        const char      *out;
    } good[] = {
        { "Zg", TRTC_BASE64_STD, "f" },
        { "Zm8", TRTC_BASE64_STD, "fo" },
        { "Zg", TRTC_BASE64_TRTC, "f" },
        { "Zg__", TRTC_BASE64_TRTC, "f" },
        { "Zm8_", TRTC_BASE64_TRTC, "fo" },
        { "", TRTC_BASE64_TRTC, "" },
        { "*-8_", TRTC_BASE64_TRTC, "\xfb\xff" },
        { "+/8=", TRTC_BASE64_STD, "\xfb\xff" },
        { "+/8", TRTC_BASE64_STD, "\xfb\xff" }
    };

    /* RFC 4648 section 10 */

    for (i = 0; i < T_NELTS(rfc); i++) {
        t_at("rfc4648 %zu", i);
        n = trtc_base64_encode(enc, (const unsigned char *) "foobar", i,
                               TRTC_BASE64_STD);
        enc[n] = '\0';
        T_STR(enc, rfc[i]);
    }

    /* round trips, against our own encoder, with and without padding */

    for (v = TRTC_BASE64_STD; v <= TRTC_BASE64_TRTC; v++) {
        pad = (v == TRTC_BASE64_TRTC) ? '_' : '=';

        for (len = 0; len <= 10; len++) {
            t_at("variant %d, length %zu", v, len);

            memset(enc, '#', sizeof(enc));
            n = trtc_base64_encode(enc, src, len, v);
            T_INT(n, trtc_base64_encoded_length(len));
            T_INT(enc[n], '#');
            enc[n] = '\0';

            T_INT(t_b64(ref, src, len, v == TRTC_BASE64_TRTC), n);
            T_STR(enc, ref);

            for (m = n; m > 0 && enc[m - 1] == pad; m--) { /* void */ }

            T_INT(n - m, (3 - len % 3) % 3);
            T_TRUE(strpbrk(enc, v == TRTC_BASE64_TRTC ? "+/=" : "*-_")
                   == NULL);

            dlen = 99;
            T_INT(trtc_base64_decode(dst, &dlen, enc, n, v), 0);
            T_MEM(dst, dlen, src, len);

            /* unpadded, into a buffer of exactly the documented size */
            d = malloc(trtc_base64_decoded_length(m) + 1);
            if (d == NULL) {
                abort();
            }

            dlen = 99;
            T_INT(trtc_base64_decode(d, &dlen, enc, m, v), 0);
            T_MEM(d, dlen, src, len);
            free(d);

            /* the other variant's alphabet is rejected */
            if (strpbrk(enc, "+/=*-_") != NULL) {
                T_INT(trtc_base64_decode(dst, &dlen, enc, n, !v), -1);
            }
        }
    }

    T_TRUE(strchr(ref, '*') && strchr(ref, '-') && strchr(ref, '_'));

    for (i = 0; i < T_NELTS(bad); i++) {
        t_at("bad base64 \"%s\" variant %d", bad[i].in, bad[i].variant);
        dlen = 99;
        T_INT(trtc_base64_decode(dst, &dlen, bad[i].in, bad[i].len,
                                 bad[i].variant),
              -1);
        T_INT(dlen, 99);
    }

    for (i = 0; i < T_NELTS(good); i++) {
        t_at("base64 \"%s\" variant %d", good[i].in, good[i].variant);
        dlen = 99;
        T_INT(trtc_base64_decode(dst, &dlen, good[i].in, strlen(good[i].in),
                                 good[i].variant),
              0);
        T_MEM(dst, dlen, good[i].out, strlen(good[i].out));
    }

    t_at(NULL);
}


void
test_userbuf(void)
{
    int              i;
    char             acc[40], room[80];
    size_t           n, len, k;
    trtc_userbuf_t   ub, mk;
    unsigned char    b[256], e[256];
    const char      *bad_room;

    static const char  allowed[] = " !#$%&()+-:;<=.>?@[]^_{}|~,azAZ09";

    /* the vectors' userbufs: decode, re-encode, and encode by hand */

    for (i = 1; i < (int) T_NELTS(t_vectors); i++) {
        t_at("userbuf %s", t_vectors[i].name);

        len = t_unhex(b, t_vectors[i].ub_hex);
        T_INT(t_ubdec(b, len, &ub), 0);
        T_INT(ub.ver, t_vectors[i].ver);
        T_STR(ub.account, t_vectors[i].id);
        T_INT(ub.account_len, strlen(t_vectors[i].id));
        T_INT(ub.sdkappid, T_SDKAPPID);
        T_INT(ub.roomid, t_vectors[i].roomid);
        T_INT(ub.expire, T_TIME + t_vectors[i].expire);
        T_INT(ub.privilege, t_vectors[i].priv);
        T_INT(ub.account_type, 0);
        T_STR(ub.strroom, t_vectors[i].strroom);
        T_INT(ub.strroom_len, strlen(t_vectors[i].strroom));

        n = trtc_userbuf_encode(&ub, e);
        T_MEM(e, n, b, len);

        memset(&mk, 0, sizeof(trtc_userbuf_t));
        mk.ver = (uint8_t) t_vectors[i].ver;
        mk.account_len = (uint8_t) strlen(t_vectors[i].id);
        memcpy(mk.account, t_vectors[i].id, mk.account_len);
        mk.sdkappid = T_SDKAPPID;
        mk.roomid = t_vectors[i].roomid;
        mk.expire = (uint32_t) (T_TIME + t_vectors[i].expire);
        mk.privilege = t_vectors[i].priv;
        mk.strroom_len = (uint8_t) strlen(t_vectors[i].strroom);
        memcpy(mk.strroom, t_vectors[i].strroom, mk.strroom_len);

        n = trtc_userbuf_encode(&mk, e);
        T_MEM(e, n, b, len);

        /* and our own writer agrees, for the malformed ones below */
        n = t_ub(e, mk.ver, mk.account, mk.account_len, mk.sdkappid,
                 mk.roomid, mk.expire, mk.privilege,
                 mk.ver ? mk.strroom : NULL, mk.strroom_len);
        T_MEM(e, n, b, len);
    }

    t_at(NULL);

    /* sizes */

    len = t_ub_alice(b);
    T_INT(len, 28);
    T_INT(t_ubdec(b, len, &ub), 0);
    T_INT(t_ubdec(b, 0, &ub), -1);
    T_INT(t_ubdec(b, 22, &ub), -1);
    T_INT(t_ubdec(b, len - 1, &ub), -1);
    T_INT(t_ubdec(b, len + 1, &ub), -1);                /* trailing, ver 0 */

    n = t_ub(b, 0, "a", 1, T_SDKAPPID, 1, 2, 3, NULL, 0);
    T_INT(n, 24);
    T_INT(t_ubdec(b, n, &ub), 0);
    T_STR(ub.account, "a");

    /* the account type, carried both ways */

    len = t_ub_alice(b);
    b[len - 1] = 7;
    T_INT(t_ubdec(b, len, &ub), 0);
    T_INT(ub.account_type, 7);
    T_INT(trtc_userbuf_encode(&ub, e), len);
    T_MEM(e, len, b, len);

    /* account length */

    n = t_ub(b, 0, "", 0, T_SDKAPPID, 1, 2, 3, NULL, 0);
    T_INT(n, TRTC_USERBUF_MIN);
    T_INT(t_ubdec(b, n, &ub), -1);

    n = t_ub(b, 0, T_U32, 32, T_SDKAPPID, 1, 2, 3, NULL, 0);
    T_INT(t_ubdec(b, n, &ub), 0);
    T_STR(ub.account, T_U32);
    T_INT(ub.account_len, 32);

    n = t_ub(b, 0, T_U32 "x", 33, T_SDKAPPID, 1, 2, 3, NULL, 0);
    T_INT(t_ubdec(b, n, &ub), -1);

    len = t_ub_alice(b);
    b[1] = 1;                                           /* 0x0105 */
    T_INT(t_ubdec(b, len, &ub), -1);

    for (k = 6; k <= 32; k += 26) {
        len = t_ub_alice(b);
        b[2] = (unsigned char) k;                       /* overruns */
        T_INT(t_ubdec(b, len, &ub), -1);
    }

    /* version */

    len = t_ub_alice(b);
    b[0] = 2;
    T_INT(t_ubdec(b, len, &ub), -1);
    b[0] = 0xff;
    T_INT(t_ubdec(b, len, &ub), -1);
    b[0] = 1;                                           /* no room part */
    T_INT(t_ubdec(b, len, &ub), -1);

    n = t_ub(b, 0, "alice", 5, T_SDKAPPID, 0, 2, 3, "1234", 4);
    T_INT(t_ubdec(b, n, &ub), -1);                      /* ver 0 + room */

    /* string rooms */

    n = t_ub(b, 1, "alice", 5, T_SDKAPPID, 0, 2, 3, "", 0);
    T_INT(t_ubdec(b, n, &ub), -1);

    n = t_ub(b, 1, "alice", 5, T_SDKAPPID, 0, 2, 3, "1234", 4);
    T_INT(t_ubdec(b, n, &ub), 0);
    T_INT(t_ubdec(b, n + 1, &ub), -1);                  /* trailing */
    T_INT(t_ubdec(b, n - 1, &ub), -1);                  /* overruns */
    b[n - 5] = 5;
    T_INT(t_ubdec(b, n, &ub), -1);
    b[n - 5] = 3;
    T_INT(t_ubdec(b, n, &ub), -1);
    b[n - 5] = 4;
    b[n - 6] = 1;                                       /* 0x0104 */
    T_INT(t_ubdec(b, n, &ub), -1);

    n = t_ub(b, 1, "alice", 5, T_SDKAPPID, 0, 2, 3, allowed,
             sizeof(allowed) - 1);
    T_INT(t_ubdec(b, n, &ub), 0);
    T_STR(ub.strroom, allowed);

    for (bad_room = "/*\\\"'`\n\t\x7f\x80\xff\0"; ; bad_room++) {
        t_at("room char 0x%02x", (unsigned char) *bad_room);
        memcpy(room, "12?4", 4);
        room[2] = *bad_room;
        n = t_ub(b, 1, "alice", 5, T_SDKAPPID, 0, 2, 3, room, 4);
        T_INT(t_ubdec(b, n, &ub), -1);

        if (*bad_room == '\0') {
            break;
        }
    }

    t_at(NULL);

    memset(room, 'r', sizeof(room));
    n = t_ub(b, 1, "alice", 5, T_SDKAPPID, 0, 2, 3, room, 64);
    T_INT(t_ubdec(b, n, &ub), 0);
    T_INT(ub.strroom_len, 64);
    T_INT(strlen(ub.strroom), 64);
    n = t_ub(b, 1, "alice", 5, T_SDKAPPID, 0, 2, 3, room, 65);
    T_INT(t_ubdec(b, n, &ub), -1);

    /* the largest userbuf, and one byte more on either side */

    memset(acc, 'a', sizeof(acc));
    n = t_ub(b, 1, acc, 32, T_SDKAPPID, 0, 2, 3, room, 64);
    T_INT(n, TRTC_USERBUF_MAX);
    T_INT(t_ubdec(b, n, &ub), 0);
    T_INT(trtc_userbuf_encode(&ub, e), TRTC_USERBUF_MAX);
    T_MEM(e, (size_t) TRTC_USERBUF_MAX, b, n);
    T_INT(t_ubdec(b, n + 1, &ub), -1);

    n = t_ub(b, 1, acc, 33, T_SDKAPPID, 0, 2, 3, room, 63);
    T_INT(n, TRTC_USERBUF_MAX);
    T_INT(t_ubdec(b, n, &ub), -1);

    n = t_ub(b, 1, acc, 31, T_SDKAPPID, 0, 2, 3, room, 65);
    T_INT(n, TRTC_USERBUF_MAX);
    T_INT(t_ubdec(b, n, &ub), -1);

    /* encode refuses what decode would */

    len = t_ub_alice(b);
    T_INT(t_ubdec(b, len, &mk), 0);

    ub = mk;
    ub.ver = 2;
    T_INT(trtc_userbuf_encode(&ub, e), 0);
    ub = mk;
    ub.account_len = 0;
    T_INT(trtc_userbuf_encode(&ub, e), 0);
    ub = mk;
    ub.account_len = 33;
    T_INT(trtc_userbuf_encode(&ub, e), 0);
    ub = mk;
    ub.ver = 1;
    T_INT(trtc_userbuf_encode(&ub, e), 0);              /* room len 0 */
    ub.strroom_len = 64;
    memset(ub.strroom, 'r', 64);
    T_INT(trtc_userbuf_encode(&ub, e), 23 + 5 + 2 + 64);
    ub.strroom_len = 65;
    T_INT(trtc_userbuf_encode(&ub, e), 0);
}


void
test_names(void)
{
    size_t       i, n;
    uint32_t     bits;
    trtc_room_t  room, back;
    char         text[TRTC_ROOM_TEXT_MAX + 1];

    static const char  r64[] = T_R10 T_R10 T_R10 T_R10 T_R10 T_R10 "rrrr";

    static const struct {
        const char      *s;
        size_t           len;
        int              valid;
    } ids[] = {
        { "alice", 5, 1 },
        { "A-Z_a-z_0-9", 11, 1 },
        { "-", 1, 1 },
        { T_U32, 32, 1 },
        { T_U32 "x", 33, 0 },
        { "", 0, 0 },
        { "al ice", 6, 0 },
        { "al.ice", 6, 0 },
        { "al@ice", 6, 0 },
        { "al/ice", 6, 0 },
        { "al\0ce", 5, 0 },
        { "\xe4\xb8\xad", 3, 0 },
        { "alice\n", 6, 0 }
    };

    static const struct {
        const char      *s;
        size_t           len;
        int              rc;
        unsigned         ver;
        uint32_t         roomid;
    } rooms[] = {
        { "1", 1, 0, 0, 1 },
        { "1234", 4, 0, 0, 1234 },
        { "4294967294", 10, 0, 0, 4294967294U },
        { "4294967295", 10, 0, 1, 0 },
        { "9999999999", 10, 0, 1, 0 },
        { "12345678901", 11, 0, 1, 0 },
        { "0", 1, 0, 1, 0 },
        { "0123", 4, 0, 1, 0 },
        { "12a", 3, 0, 1, 0 },
        { "-1", 2, 0, 1, 0 },
        { " 1", 2, 0, 1, 0 },
        { "room one", 8, 0, 1, 0 },
        { r64, 64, 0, 1, 0 },
        { T_R10 T_R10 T_R10 T_R10 T_R10 T_R10 "rrrrr", 65, -1, 0, 0 },
        { "", 0, -1, 0, 0 },
        { "room/1", 6, -1, 0, 0 },
        { "room*1", 6, -1, 0, 0 },
        { "12\0004", 4, -1, 0, 0 }
    };

    static const struct {
        const char      *s;
        int              rc;
        uint32_t         bits;
    } privs[] = {
        { "create", 0, 1 },
        { "enter", 0, 2 },
        { "send_audio", 0, 4 },
        { "recv_audio", 0, 8 },
        { "receive_audio", 0, 8 },
        { "send_video", 0, 16 },
        { "recv_video", 0, 32 },
        { "receive_video", 0, 32 },
        { "send_screen", 0, 64 },
        { "recv_screen", 0, 128 },
        { "receive_screen", 0, 128 },
        { "all", 0, 255 },
        { "42", 0, 42 },
        { "255", 0, 255 },
        { "042", 0, 42 },
        { "1,2,4", 0, 7 },
        { "enter send_video", 0, 18 },
        { "enter,recv_audio", 0, 10 },
        { "enter|recv_video", 0, 34 },
        { "enter\tsend_audio", 0, 6 },
        { " enter , 4 ,, ", 0, 6 },
        { "enter 42", 0, 42 },
        { "create all", 0, 255 },
        { "256", -1, 0 },
        { "1000", -1, 0 },
        { "0042", -1, 0 },
        { "4a", -1, 0 },
        { "-1", -1, 0 },
        { "", -1, 0 },
        { " ", -1, 0 },
        { ", |\t", -1, 0 },
        { "entr", -1, 0 },
        { "enter_", -1, 0 },
        { "enter;send_audio", -1, 0 },
        { "enter send", -1, 0 },
        { "enter 256", -1, 0 },
        { "al", -1, 0 }
    };

    for (i = 0; i < T_NELTS(ids); i++) {
        t_at("userid \"%s\" (%zu)", ids[i].s, ids[i].len);
        T_INT(trtc_userid_valid(ids[i].s, ids[i].len), ids[i].valid);
    }

    for (i = 0; i < T_NELTS(rooms); i++) {
        t_at("room \"%s\" (%zu)", rooms[i].s, rooms[i].len);

        memset(&room, 0x5a, sizeof(room));
        T_INT(trtc_room_parse(rooms[i].s, rooms[i].len, &room), rooms[i].rc);

        if (rooms[i].rc != 0) {
            continue;
        }

        T_INT(room.ver, rooms[i].ver);
        T_INT(room.roomid, rooms[i].roomid);

        if (rooms[i].ver == 1) {
            T_INT(room.len, rooms[i].len);
            T_MEM(room.str, (size_t) room.len, rooms[i].s, rooms[i].len);
        }

        /* back to text and parsed again: the same room */
        n = trtc_room_text(&room, text);
        T_MEM(text, n, rooms[i].s, rooms[i].len);
        T_INT(trtc_room_parse(text, n, &back), 0);
        T_INT(back.ver, room.ver);
        T_INT(back.roomid, room.roomid);
        T_MEM(back.str, (size_t) back.len, room.str, room.len);
    }

    for (i = 0; i < T_NELTS(privs); i++) {
        t_at("privilege \"%s\"", privs[i].s);
        bits = 0xdead;
        T_INT(trtc_privilege_parse(privs[i].s, strlen(privs[i].s), &bits),
              privs[i].rc);
        T_INT(bits, privs[i].rc == 0 ? privs[i].bits : 0xdead);
    }

    /* the length bounds the parse, not a terminating zero */
    T_INT(trtc_privilege_parse("enter send_audio", 5, &bits), 0);
    T_INT(bits, 2);

    t_at(NULL);
}


void
test_strerror(void)
{
    int          i, j, distinct;
    const char  *s;

    for (i = 0; i < TRTC_ERR_LAST; i++) {
        t_at("strerror %d", i);
        s = trtc_strerror(i);
        T_TRUE(s != NULL && s[0] != '\0' && strpbrk(s, " \t\n") == NULL);

        distinct = 1;

        for (j = 0; s && j < i; j++) {
            if (strcmp(s, trtc_strerror(j)) == 0) {
                distinct = 0;
            }
        }

        T_TRUE(distinct);
    }

    t_at(NULL);

    T_STR(trtc_strerror(TRTC_OK), "ok");
    T_STR(trtc_strerror(TRTC_ERR_EXPIRED), "expired");
    T_STR(trtc_strerror(TRTC_ERR_SIGNATURE), "signature_mismatch");
    T_STR(trtc_strerror(TRTC_ERR_REMOVED), "removed");
    T_STR(trtc_strerror(TRTC_ERR_INTERNAL), "internal_error");

    s = trtc_strerror(-1);
    T_TRUE(s != NULL && s[0] != '\0');
    s = trtc_strerror(TRTC_ERR_LAST);
    T_TRUE(s != NULL && s[0] != '\0');
    s = trtc_strerror(1000000);
    T_TRUE(s != NULL && s[0] != '\0');
}


void
test_vectors(void)
{
    size_t             i, len;
    trtc_key_t        *keys[2], *wrong, *wrong2, *hex;
    trtc_token_t       tok;
    unsigned char      raw[32];
    char               sig[64], tk[512], *p;
    const t_vector_t  *v;

    wrong = trtc_key_create((const unsigned char *) T_KEY "x",
                            sizeof(T_KEY));
    wrong2 = trtc_key_create((const unsigned char *) "secret", 6);
    hex = trtc_key_create(raw, t_unhex(raw, T_KEY));    /* hex-decoded */

    T_TRUE(wrong != NULL && wrong2 != NULL && hex != NULL);

    for (i = 0; i < T_NELTS(t_vectors); i++) {
        v = &t_vectors[i];
        len = strlen(v->token);

        t_at("vector %s", v->name);

        /* our HMAC over the documented content gives the vector's sig */
        t_sig(T_KEY, strlen(T_KEY), v->id, T_SDKAPPID, T_TIME, v->expire,
              v->ub64, sig);
        T_STR(sig, v->sig);

        memset(&tok, 0x5a, sizeof(tok));
        T_RC(t_verify(v->token, len, T_TIME, 0, &tok), TRTC_OK);
        T_STR(tok.identifier, v->id);
        T_INT(tok.identifier_len, strlen(v->id));
        T_INT(tok.sdkappid, T_SDKAPPID);
        T_INT(tok.time, T_TIME);
        T_INT(tok.expire, v->expire);
        T_INT(tok.has_userbuf, v->ub64 != NULL);

        if (v->ub64) {
            T_INT(tok.userbuf.ver, v->ver);
            T_STR(tok.userbuf.account, v->id);
            T_INT(tok.userbuf.sdkappid, T_SDKAPPID);
            T_INT(tok.userbuf.roomid, v->roomid);
            T_STR(tok.userbuf.strroom, v->strroom);
            T_INT(tok.userbuf.expire, T_TIME + v->expire);
            T_INT(tok.userbuf.privilege, v->priv);
        }

        /* valid through time + expire inclusive */
        T_RC(t_verify(v->token, len, T_TIME + v->expire, 0, &tok), TRTC_OK);
        T_RC(t_verify(v->token, len, T_TIME + v->expire + 1, 0, &tok),
             TRTC_ERR_EXPIRED);
        T_RC(t_verify(v->token, len, T_TIME + v->expire + 1, 1, &tok),
             TRTC_OK);
        T_RC(t_verify(v->token, len, T_TIME + v->expire + 2, 1, &tok),
             TRTC_ERR_EXPIRED);

        /* sdkappid and keys */
        T_RC(trtc_verify(t_ctx, &t_key, 1, T_SDKAPPID + 1, v->token, len,
                         T_TIME, 0, &tok),
             TRTC_ERR_SDKAPPID_MISMATCH);

        /* tok.key: which of the keys verified it */

        keys[0] = wrong;
        keys[1] = t_key;
        T_RC(trtc_verify(t_ctx, keys, 2, T_SDKAPPID, v->token, len, T_TIME,
                         0, &tok),
             TRTC_OK);
        T_INT(tok.key, 1);
        T_RC(trtc_verify(t_ctx, keys, 1, T_SDKAPPID, v->token, len, T_TIME,
                         0, &tok),
             TRTC_ERR_SIGNATURE);

        keys[0] = t_key;
        keys[1] = wrong;
        T_RC(trtc_verify(t_ctx, keys, 2, T_SDKAPPID, v->token, len, T_TIME,
                         0, &tok),
             TRTC_OK);
        T_INT(tok.key, 0);

        /* more keys than a token's key index holds */
        T_RC(trtc_verify(t_ctx, keys, TRTC_KEYS_MAX + 1, T_SDKAPPID,
                         v->token, len, T_TIME, 0, &tok),
             TRTC_ERR_INTERNAL);

        keys[0] = wrong2;
        keys[1] = hex;
        T_RC(trtc_verify(t_ctx, keys, 2, T_SDKAPPID, v->token, len, T_TIME,
                         0, &tok),
             TRTC_ERR_SIGNATURE);
        T_RC(trtc_verify(t_ctx, keys, 0, T_SDKAPPID, v->token, len, T_TIME,
                         0, &tok),
             TRTC_ERR_SIGNATURE);

        /* the signature is checked before the clock */
        T_RC(trtc_verify(t_ctx, keys, 2, T_SDKAPPID, v->token, len,
                         T_TIME + v->expire + 1, 0, &tok),
             TRTC_ERR_SIGNATURE);

        /* standard alphabet: '+', '/' or '=' are not TRTC's */
        strcpy(tk, v->token);

        for (p = tk; *p; p++) {
            *p = *p == '*' ? '+' : *p == '-' ? '/' : *p == '_' ? '=' : *p;
        }

        T_TRUE(strpbrk(tk, "+/=") != NULL);
        T_RC(t_verify(tk, len, T_TIME, 0, &tok), TRTC_ERR_BASE64);

        /* without its padding it is fine; one character more is not */
        strcpy(tk, v->token);

        while (len > 0 && tk[len - 1] == '_') {
            tk[--len] = '\0';
        }

        T_TRUE(len < strlen(v->token));
        T_RC(t_verify(tk, len, T_TIME, 0, &tok), TRTC_OK);

        strcpy(tk, v->token);
        strcat(tk, "A");
        T_RC(t_verify(tk, strlen(tk), T_TIME, 0, &tok), TRTC_ERR_BASE64);

        /* a corrupted character */
        strcpy(tk, v->token);
        tk[20] = '!';
        T_RC(t_verify(tk, strlen(tk), T_TIME, 0, &tok), TRTC_ERR_BASE64);
    }

    t_at(NULL);

    /* a key's fingerprint: the same for the same secret, another for
     * another, and not the secret's own bytes */

    {
        trtc_key_t     *again;
        unsigned char   fp[TRTC_SIG_LEN], fp2[TRTC_SIG_LEN];

        again = trtc_key_create((const unsigned char *) T_KEY,
                                strlen(T_KEY));
        T_TRUE(again != NULL);

        T_INT(trtc_key_fingerprint(t_key, fp), 0);
        T_INT(trtc_key_fingerprint(again, fp2), 0);
        T_INT(memcmp(fp, fp2, sizeof(fp)), 0);

        T_INT(trtc_key_fingerprint(wrong, fp2), 0);
        T_TRUE(memcmp(fp, fp2, sizeof(fp)) != 0);

        T_TRUE(memcmp(fp, T_KEY, sizeof(fp)) != 0);

        trtc_key_destroy(again);
    }

    trtc_key_destroy(wrong);
    trtc_key_destroy(wrong2);
    trtc_key_destroy(hex);
}


void
test_sign(void)
{
    int            rc;
    char           out[TRTC_TOKEN_MAX], sig[64], ref[64], ub[256];
    char           key[TRTC_KEY_MAX + 1], json[TRTC_JSON_MAX];
    size_t         i, len, zlen;
    uLongf         jlen;
    trtc_key_t    *k;
    unsigned char  z[TRTC_TOKEN_MAX];
    trtc_room_t    room;
    trtc_token_t   tok, got;

    static const size_t  key_lens[] = { 1, 63, 64, 65, 100, TRTC_KEY_MAX };

    static const struct {
        const char      *data;
        int              ok;
    } loads[] = {
        { T_KEY, 1 },
        { T_KEY "\n", 1 },
        { T_KEY " \t\r\nsecond line", 1 },
        { T_KEY "\r\n", 1 },
        { T_KEY "x\n", 0 },
        { " " T_KEY, 0 }
    };

    /* alice's UserSig: the vector's TLS.sig */

    t_token_init(&tok, "alice", T_TIME, T_EXPIRE);
    len = 0;
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_OK);
    T_TRUE(len > 0 && len <= TRTC_TOKEN_MAX);
    T_INT(t_field(out, len, "TLS.sig", sig, sizeof(sig)), 0);
    T_STR(sig, T_ALICE_SIG);
    T_INT(t_field(out, len, "TLS.ver", sig, sizeof(sig)), 0);
    T_STR(sig, "2.0");
    T_INT(t_field(out, len, "TLS.userbuf", sig, sizeof(sig)), -1);

    T_RC(t_verify(out, len, T_TIME, 0, &got), TRTC_OK);
    T_STR(got.identifier, "alice");
    T_INT(got.time, T_TIME);
    T_INT(got.expire, T_EXPIRE);
    T_INT(got.has_userbuf, 0);

    /* the vectors' PrivateMapKeys: same userbuf and TLS.sig */

    for (i = 1; i < T_NELTS(t_vectors); i++) {
        t_at("sign %s", t_vectors[i].name);

        t_token_init(&tok, t_vectors[i].id, T_TIME, t_vectors[i].expire);

        if (t_vectors[i].ver == 1) {
            t_strroom(&room, t_vectors[i].strroom);
            room.roomid = 1234;                 /* ignored for string rooms */

        } else {
            t_numroom(&room, t_vectors[i].roomid);
        }

        T_RC(trtc_set_userbuf(&tok, &room, t_vectors[i].priv), TRTC_OK);
        T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_OK);

        T_INT(t_field(out, len, "TLS.sig", sig, sizeof(sig)), 0);
        T_STR(sig, t_vectors[i].sig);
        T_INT(t_field(out, len, "TLS.userbuf", ub, sizeof(ub)), 0);
        T_STR(ub, t_vectors[i].ub64);

        memset(&got, 0, sizeof(got));
        T_RC(t_verify(out, len, T_TIME, 0, &got), TRTC_OK);
        T_INT(memcmp(&got, &tok, sizeof(trtc_token_t)), 0);
        T_RC(trtc_check_room(&got, &room), TRTC_OK);
        T_RC(trtc_check_privilege(&got, t_vectors[i].priv), TRTC_OK);
    }

    t_at(NULL);

    /* the largest token: 32-byte id, 64-byte room, 10-digit numbers */

    t_token_init(&tok, T_U32, 4000000000LL, 294967295LL);
    tok.sdkappid = 4294967295U;
    T_RC(trtc_room_parse(T_R10 T_R10 T_R10 T_R10 T_R10 "!#$%&()+-:;<=.",
                         64, &room), 0);
    T_INT(room.ver, 1);
    T_RC(trtc_set_userbuf(&tok, &room, 42), TRTC_OK);
    T_INT(tok.userbuf.expire, 4294967295U);
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_OK);
    T_RC(trtc_verify(t_ctx, &t_key, 1, 4294967295U, out, len, 4294967295LL,
                     0, &got), TRTC_OK);
    T_INT(memcmp(&got, &tok, sizeof(trtc_token_t)), 0);
    T_RC(trtc_check_room(&got, &room), TRTC_OK);

    /* its JSON is as long as the signer's bound, TRTC_SIGNED_JSON_MAX */
    T_INT(trtc_base64_decode(z, &zlen, out, len, TRTC_BASE64_TRTC), 0);
    jlen = sizeof(json);
    T_INT(uncompress((unsigned char *) json, &jlen, z, zlen), Z_OK);
    T_INT(jlen, TRTC_SIGNED_JSON_MAX);

    tok.expire++;
    T_RC(trtc_set_userbuf(&tok, &room, 42), TRTC_ERR_EXPIRE);

    /* a userbuf that expires before the token does */

    t_token_init(&tok, "bob", T_TIME, 300);
    t_numroom(&room, 42);
    T_RC(trtc_set_userbuf(&tok, &room, 42), TRTC_OK);
    T_INT(tok.userbuf.expire, T_TIME + 300);
    tok.userbuf.expire = (uint32_t) (T_TIME + 100);
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_OK);
    T_RC(t_verify(out, len, T_TIME + 100, 0, &got), TRTC_OK);
    T_RC(t_verify(out, len, T_TIME + 101, 0, &got), TRTC_ERR_USERBUF_EXPIRED);
    T_RC(t_verify(out, len, T_TIME + 101, 1, &got), TRTC_OK);
    T_RC(t_verify(out, len, T_TIME + 102, 1, &got), TRTC_ERR_USERBUF_EXPIRED);
    T_RC(t_verify(out, len, T_TIME + 301, 0, &got), TRTC_ERR_EXPIRED);

    /* the core signs a mismatched userbuf; verify refuses it */

    T_RC(trtc_set_userbuf(&tok, &room, 42), TRTC_OK);
    memcpy(tok.userbuf.account, "bod", 3);
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_OK);
    T_RC(t_verify(out, len, T_TIME, 0, &got), TRTC_ERR_USERBUF_ACCOUNT);

    T_RC(trtc_set_userbuf(&tok, &room, 42), TRTC_OK);
    tok.userbuf.sdkappid++;
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_OK);
    T_RC(t_verify(out, len, T_TIME, 0, &got), TRTC_ERR_USERBUF_SDKAPPID);

    /* what trtc_sign refuses */

    t_token_init(&tok, "alice", T_TIME, T_EXPIRE);
    tok.identifier_len = 0;
    tok.identifier[0] = '\0';
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_IDENTIFIER);

    t_token_init(&tok, "al ce", T_TIME, T_EXPIRE);
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_IDENTIFIER);

    t_token_init(&tok, "alicex", T_TIME, T_EXPIRE);
    tok.identifier_len = 5;                             /* no zero at 5 */
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_IDENTIFIER);

    t_token_init(&tok, "alice", -1, T_EXPIRE);
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_TIME);
    t_token_init(&tok, "alice", 4294967296LL, T_EXPIRE);
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_TIME);
    t_token_init(&tok, "alice", T_TIME, -1);
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_EXPIRE);
    t_token_init(&tok, "alice", T_TIME, 4294967296LL);
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_EXPIRE);

    t_token_init(&tok, "alice", T_TIME, T_EXPIRE);
    t_numroom(&room, 1234);
    T_RC(trtc_set_userbuf(&tok, &room, 255), TRTC_OK);
    tok.userbuf.ver = 2;
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_USERBUF);
    tok.userbuf.ver = 0;
    tok.userbuf.account_len = 0;
    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_ERR_USERBUF);

    /* keys of any length sign as OpenSSL's HMAC() does */

    for (i = 0; i < sizeof(key); i++) {
        key[i] = (char) ('!' + i % 90);
    }

    t_token_init(&tok, "alice", T_TIME, T_EXPIRE);
    t_sig(T_KEY, strlen(T_KEY), "alice", T_SDKAPPID, T_TIME, T_EXPIRE, NULL,
          ref);
    T_STR(ref, T_ALICE_SIG);

    for (i = 0; i < T_NELTS(key_lens); i++) {
        t_at("key length %zu", key_lens[i]);

        k = trtc_key_create((unsigned char *) key, key_lens[i]);
        T_TRUE(k != NULL);

        if (k == NULL) {
            continue;
        }

        T_RC(trtc_sign(t_ctx, k, &tok, out, &len), TRTC_OK);
        T_INT(t_field(out, len, "TLS.sig", sig, sizeof(sig)), 0);
        t_sig(key, key_lens[i], "alice", T_SDKAPPID, T_TIME, T_EXPIRE, NULL,
              ref);
        T_STR(sig, ref);
        T_RC(trtc_verify(t_ctx, &k, 1, T_SDKAPPID, out, len, T_TIME, 0,
                         &got),
             TRTC_OK);
        T_RC(t_verify(out, len, T_TIME, 0, &got), TRTC_ERR_SIGNATURE);

        trtc_key_destroy(k);
    }

    t_at(NULL);

    T_NO_KEY(trtc_key_create((unsigned char *) key, 0));
    T_NO_KEY(trtc_key_create((unsigned char *) key, TRTC_KEY_MAX + 1));
    T_NO_KEY(trtc_key_load((unsigned char *) "\nkey", 4));
    T_NO_KEY(trtc_key_load((unsigned char *) " \t \r\n", 5));
    T_NO_KEY(trtc_key_load((unsigned char *) "", 0));

    /* key files: the first line, trailing blanks cut */

    T_RC(trtc_sign(t_ctx, t_key, &tok, out, &len), TRTC_OK);

    for (i = 0; i < T_NELTS(loads); i++) {
        t_at("key file \"%s\"", loads[i].data);

        k = trtc_key_load((const unsigned char *) loads[i].data,
                          strlen(loads[i].data));
        T_TRUE(k != NULL);

        if (k == NULL) {
            continue;
        }

        rc = trtc_verify(t_ctx, &k, 1, T_SDKAPPID, out, len, T_TIME, 0, &got);
        T_RC(rc, loads[i].ok ? TRTC_OK : TRTC_ERR_SIGNATURE);

        trtc_key_destroy(k);
    }

    t_at(NULL);
}


/* the pmk_room vector as PHP writes it, "\/" in TLS.userbuf and TLS.sig */
#define T_PHP_JSON                                                          \
    "{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"alice\","                    \
    "\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,"                  \
    "\"TLS.expire\":86400,"                                                 \
    "\"TLS.userbuf\":\"AAAFYWxpY2VTck4AAAAE0mVVQoAAAAD\\/AAAAAA==\","        \
    "\"TLS.sig\":\"YHUkwyXQUWnczYdO+5gO\\/0x0JhKwBXCSr8CazFFAay8=\"}"


/* alice's UserSig JSON with one field's raw value replaced or omitted */

enum { F_VER, F_ID, F_APP, F_TIME, F_EXP, F_SIG, F_N };

#define F_OMIT  NULL

static size_t
t_alice_json(char *out, size_t size, int field, const char *value)
{
    int     i;
    size_t  n;

    static const char  *names[F_N] = {
        "TLS.ver", "TLS.identifier", "TLS.sdkappid", "TLS.time",
        "TLS.expire", "TLS.sig"
    };

    static const char  *values[F_N] = {
        "\"2.0\"", "\"alice\"", "1400000000", "1700000000", "86400",
        "\"" T_ALICE_SIG "\""
    };

    n = (size_t) snprintf(out, size, "{");

    for (i = 0; i < F_N; i++) {
        if (i == field && value == F_OMIT) {
            continue;
        }

        n += (size_t) snprintf(out + n, size - n, "%s\"%s\":%s",
                               n > 1 ? "," : "", names[i],
                               i == field ? value : values[i]);
    }

    n += (size_t) snprintf(out + n, size - n, "}");

    return n;
}


void
test_json(void)
{
    int            lv;
    char           json[TRTC_JSON_MAX + 64];
    size_t         i, n;
    trtc_token_t   tok;

    static const int  levels[] = { 0, 1, 6, 9, Z_DEFAULT_COMPRESSION };

    static const struct {
        int              field;
        const char      *value;
        int              rc;
    } fields[] = {
        { F_VER, F_OMIT, TRTC_ERR_VERSION },
        { F_ID, F_OMIT, TRTC_ERR_IDENTIFIER },
        { F_APP, F_OMIT, TRTC_ERR_SDKAPPID },
        { F_TIME, F_OMIT, TRTC_ERR_TIME },
        { F_EXP, F_OMIT, TRTC_ERR_EXPIRE },
        { F_SIG, F_OMIT, TRTC_ERR_SIG },

        { F_VER, "2.0", TRTC_ERR_VERSION },
        { F_VER, "\"2\"", TRTC_ERR_VERSION },
        { F_VER, "\"1.0\"", TRTC_ERR_VERSION },
        { F_VER, "\"2.0 \"", TRTC_ERR_VERSION },
        { F_VER, "null", TRTC_ERR_VERSION },

        { F_ID, "1", TRTC_ERR_IDENTIFIER },
        { F_ID, "\"\"", TRTC_ERR_IDENTIFIER },
        { F_ID, "\"al ice\"", TRTC_ERR_IDENTIFIER },
        { F_ID, "\"" T_U32 "x\"", TRTC_ERR_IDENTIFIER },
        { F_ID, "[\"alice\"]", TRTC_ERR_IDENTIFIER },
        { F_ID, "\"alicf\"", TRTC_ERR_SIGNATURE },
        { F_ID, "\"Alice\"", TRTC_ERR_SIGNATURE },
        { F_ID, "\"" T_U32 "\"", TRTC_ERR_SIGNATURE },

        { F_APP, "\"1400000000\"", TRTC_ERR_SDKAPPID },
        { F_APP, "true", TRTC_ERR_SDKAPPID },
        { F_APP, "1e20", TRTC_ERR_SDKAPPID },
        { F_APP, "4294967296", TRTC_ERR_SDKAPPID },
        { F_APP, "-1", TRTC_ERR_SDKAPPID },
        { F_APP, "-1400000000", TRTC_ERR_SDKAPPID },
        { F_APP, "1400000000.5", TRTC_ERR_SDKAPPID },
        { F_APP, "4294967295", TRTC_ERR_SDKAPPID_MISMATCH },
        { F_APP, "1400000001", TRTC_ERR_SDKAPPID_MISMATCH },

        { F_TIME, "\"1700000000\"", TRTC_ERR_TIME },
        { F_TIME, "1e20", TRTC_ERR_TIME },
        { F_TIME, "4294967296", TRTC_ERR_TIME },
        { F_TIME, "-1", TRTC_ERR_TIME },
        { F_TIME, "1.5", TRTC_ERR_TIME },
        { F_TIME, "{}", TRTC_ERR_TIME },
        { F_TIME, "4294967295", TRTC_ERR_SIGNATURE },
        { F_TIME, "0", TRTC_ERR_SIGNATURE },
        { F_TIME, "1700000001", TRTC_ERR_SIGNATURE },

        /* any JSON spelling of the number; none other (RFC 8259) */
        { F_TIME, "1.7e9", TRTC_OK },
        { F_TIME, "17000000000E-1", TRTC_OK },
        { F_TIME, "1700000000.000", TRTC_OK },
        { F_TIME, "0.17e+10", TRTC_OK },
        { F_TIME, "01700000000", TRTC_ERR_JSON },
        { F_TIME, "+1700000000", TRTC_ERR_JSON },
        { F_TIME, "1700000000.", TRTC_ERR_JSON },
        { F_TIME, ".17e10", TRTC_ERR_JSON },
        { F_TIME, "1.7e", TRTC_ERR_JSON },
        { F_TIME, "0x6553f100", TRTC_ERR_JSON },
        { F_TIME, "1700000000" "0000000000" "0000000000" "0000000000"
                  "0000000000" "0000000000" "0000", TRTC_ERR_TIME },
        { F_TIME, "18446744075409551616", TRTC_ERR_TIME },     /* 2^64 + */
        { F_EXP, "-0", TRTC_ERR_SIGNATURE },

        { F_EXP, "\"86400\"", TRTC_ERR_EXPIRE },
        { F_EXP, "1e20", TRTC_ERR_EXPIRE },
        { F_EXP, "4294967296", TRTC_ERR_EXPIRE },
        { F_EXP, "-86400", TRTC_ERR_EXPIRE },
        { F_EXP, "1.5", TRTC_ERR_EXPIRE },
        { F_EXP, "86401", TRTC_ERR_SIGNATURE },
        { F_EXP, "4294967295", TRTC_ERR_SIGNATURE },

        { F_SIG, "1", TRTC_ERR_SIG },
        { F_SIG, "null", TRTC_ERR_SIG },
        { F_SIG, "\"\"", TRTC_ERR_SIG },
        { F_SIG, "\"!!!!\"", TRTC_ERR_SIG },
        { F_SIG, "\"" T_A40 "AA==\"", TRTC_ERR_SIG },            /* 31 */
        { F_SIG, "\"" T_A40 "AAAA\"", TRTC_ERR_SIG },            /* 33 */
        { F_SIG, "\"" T_A40 "AAA=A\"", TRTC_ERR_SIG },
        { F_SIG, "\"" T_A40 "AAAAAAAA\"", TRTC_ERR_SIG },        /* 48 chars */
        { F_SIG, "\"6GmjjJlI0ZfvdjC0qJyFjHknLqIVerI6rpJOgWxfg1k_\"",
          TRTC_ERR_SIG },
        { F_SIG, "\"" T_A40 "AAA=\"", TRTC_ERR_SIGNATURE },      /* 32 */
        { F_SIG, "\"7GmjjJlI0ZfvdjC0qJyFjHknLqIVerI6rpJOgWxfg1k=\"",
          TRTC_ERR_SIGNATURE }
    };

    static const struct {
        const char      *json;
        size_t           len;
        int              rc;
    } docs[] = {
        { "{" T_ALICE_BODY "}", 0, TRTC_OK },
        { "{" T_ALICE_BODY "}\n", 0, TRTC_OK },
        { " \r\n\t{" T_ALICE_BODY "} \t\r\n", 0, TRTC_OK },
        { "{" T_ALICE_BODY ",\"x\":[1,{\"TLS.sig\":0}]}", 0, TRTC_OK },

        /* Python's spacing, another order */
        { "{\"TLS.ver\": \"2.0\", \"TLS.identifier\": \"alice\", "
          "\"TLS.sdkappid\": 1400000000, \"TLS.expire\": 86400, "
          "\"TLS.time\": 1700000000, \"TLS.sig\": \"" T_ALICE_SIG "\"}",
          0, TRTC_OK },
        { "{\"TLS.sig\":\"" T_ALICE_SIG "\",\"TLS.expire\":86400,"
          "\"TLS.time\":1700000000,\"TLS.sdkappid\":1400000000,"
          "\"TLS.identifier\":\"alice\",\"TLS.ver\":\"2.0\"}", 0, TRTC_OK },
        { "{\n  \"TLS.ver\" : \"2.0\" ,\n  \"TLS.identifier\" : \"alice\","
          "\n  \"TLS.sdkappid\" : 1400000000,\n  \"TLS.time\" : 1700000000,"
          "\n  \"TLS.expire\" : 86400,\n  \"TLS.sig\" : \"" T_ALICE_SIG
          "\"\n}\n", 0, TRTC_OK },

        { T_PHP_JSON, 0, TRTC_OK },

        /* the PrivateMapKey's TLS.sig without its TLS.userbuf, or not */
        { "{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"alice\","
          "\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,"
          "\"TLS.expire\":86400,"
          "\"TLS.sig\":\"" T_ROOM_SIG "\"}", 0, TRTC_ERR_SIGNATURE },
        { "{" T_ALICE_BODY ",\"TLS.userbuf\":\"" T_ROOM_UB "\"}", 0,
          TRTC_ERR_SIGNATURE },

        /* not a JSON object, or more than one */
        { "", 0, TRTC_ERR_JSON },
        { "hello", 0, TRTC_ERR_JSON },
        { "null", 0, TRTC_ERR_JSON },
        { "42", 0, TRTC_ERR_JSON },
        { "\"{}\"", 0, TRTC_ERR_JSON },
        { "[{" T_ALICE_BODY "}]", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY, 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY "}x", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY "}\n}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY "}{}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY "},", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY "}\f", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY "}\0", sizeof("{" T_ALICE_BODY "}\0") - 1,
          TRTC_ERR_JSON },
        { "{}", 0, TRTC_ERR_VERSION },
        { "{\"a\":{" T_ALICE_BODY "}}", 0, TRTC_ERR_VERSION },

        /* duplicates, the same value or not */
        { "{" T_ALICE_BODY ",\"TLS.sig\":\"" T_ALICE_SIG "\"}", 0,
          TRTC_ERR_DUPLICATE },
        { "{" T_ALICE_BODY ",\"TLS.identifier\":\"alice\"}", 0,
          TRTC_ERR_DUPLICATE },
        { "{\"TLS.identifier\":\"bob\"," T_ALICE_BODY "}", 0,
          TRTC_ERR_DUPLICATE },
        { "{\"TLS.ver\":\"2.0\"," T_ALICE_BODY "}", 0, TRTC_ERR_DUPLICATE },
        { "{" T_ALICE_BODY ",\"TLS.time\":1700000000}", 0,
          TRTC_ERR_DUPLICATE },
        { "{" T_ALICE_BODY ",\"TLS.sdkappid\":1400000000}", 0,
          TRTC_ERR_DUPLICATE },
        { "{" T_ALICE_BODY ",\"TLS.expire\":86400}", 0,
          TRTC_ERR_DUPLICATE },
        { "{" T_ALICE_BODY ",\"TLS.userbuf\":\"" T_ROOM_UB "\","
          "\"TLS.userbuf\":\"" T_ROOM_UB "\"}", 0, TRTC_ERR_DUPLICATE },

        /* names and strings as JSON escapes them */
        { "{\"TLS\\u002eidentifier\":\"\\u0061lice\","
          "\"TLS.ver\":\"2.0\",\"TLS.sdkappid\":1400000000,"
          "\"TLS.time\":1700000000,\"TLS.expire\":86400,"
          "\"TLS.sig\":\"" T_ALICE_SIG "\"}", 0, TRTC_OK },
        { "{" T_ALICE_BODY ",\"x\":\"\\ud83d\\ude00 \\\" \\\\ \\/ "
          "\\b\\f\\n\\r\\t\xe4\xb8\xad\"}", 0, TRTC_OK },
        { "{" T_ALICE_BODY ",\"x\":\"\\ud83d\"}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":\"\\ude00\"}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":\"\\ud83d\\u0041\"}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":\"\\u00\"}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":\"\\u004g\"}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":\"\\x41\"}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":\"a\tb\"}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":\"a\\u0000b\"}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":\"abc}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":true,\"y\":false,\"z\":null}", 0,
          TRTC_OK },
        { "{" T_ALICE_BODY ",\"x\":tru}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":nul}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":[1,]}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":{\"a\"}}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":{1:2}}", 0, TRTC_ERR_JSON },
        { "{" T_ALICE_BODY ",\"x\":[] ,\"y\":{ }}", 0, TRTC_OK },
        { "\xef\xbb\xbf{" T_ALICE_BODY "}", 0, TRTC_ERR_JSON },

        /* a member's error, then bad JSON after it: bad JSON */
        { "{\"TLS.ver\":\"1.0\"," T_ALICE_BODY ",}", 0, TRTC_ERR_JSON },

        /* TLS.userbuf of the wrong type or size */
        { "{" T_ALICE_BODY ",\"TLS.userbuf\":1}", 0, TRTC_ERR_USERBUF },
        { "{" T_ALICE_BODY ",\"TLS.userbuf\":null}", 0, TRTC_ERR_USERBUF },
        { "{" T_ALICE_BODY ",\"TLS.userbuf\":\"\"}", 0, TRTC_ERR_USERBUF },
        { "{" T_ALICE_BODY ",\"TLS.userbuf\":\"" T_A40 T_A40 T_A40 T_A40
          "AAAAA\"}", 0, TRTC_ERR_USERBUF }
    };

    for (i = 0; i < T_NELTS(fields); i++) {
        t_at("field %d = %s", fields[i].field,
             fields[i].value ? fields[i].value : "(omitted)");
        n = t_alice_json(json, sizeof(json), fields[i].field,
                         fields[i].value);
        T_RC(t_verify_json(json, n, 6, T_TIME, &tok), fields[i].rc);
    }

    for (i = 0; i < T_NELTS(docs); i++) {
        t_at("json %zu: %.60s", i, docs[i].json);
        n = docs[i].len ? docs[i].len : strlen(docs[i].json);
        T_RC(t_verify_json(docs[i].json, n, 6, T_TIME, &tok), docs[i].rc);
    }

    t_at(NULL);

    /* the PHP-escaped one decoded right */
    T_RC(t_verify_json(T_PHP_JSON, sizeof(T_PHP_JSON) - 1, 6, T_TIME, &tok),
         TRTC_OK);
    T_INT(tok.userbuf.roomid, 1234);
    T_INT(tok.userbuf.privilege, 255);

    /* objects and arrays TRTC_JSON_DEPTH deep (the token's own the
     * first), and one more */

    for (n = TRTC_JSON_DEPTH - 1; n <= TRTC_JSON_DEPTH; n++) {
        char  *p;

        t_at("nested %zu deep", n + 1);
        p = json + sprintf(json, "{" T_ALICE_BODY ",\"x\":");

        for (i = 0; i < n; i++) {
            *p++ = (i % 2) ? '[' : '{';
            if (i % 2 == 0) {
                p += sprintf(p, "\"k\":");
            }
        }

        *p++ = '1';

        for (i = n; i-- > 0; /* void */) {
            *p++ = (i % 2) ? ']' : '}';
        }

        *p++ = '}';

        T_RC(t_verify_json(json, (size_t) (p - json), 6, T_TIME, &tok),
             n < TRTC_JSON_DEPTH ? TRTC_OK : TRTC_ERR_JSON);
    }

    t_at(NULL);

    /* every zlib level; JSON of exactly TRTC_JSON_MAX bytes, and one more */

    for (i = 0; i < T_NELTS(levels); i++) {
        lv = levels[i];
        t_at("zlib level %d", lv);

        n = t_alice_json(json, sizeof(json), F_N, NULL);
        T_RC(t_verify_json(json, n, lv, T_TIME, &tok), TRTC_OK);
        T_STR(tok.identifier, "alice");

        memset(json + n, ' ', sizeof(json) - n);
        json[TRTC_JSON_MAX - 1] = '\n';
        T_RC(t_verify_json(json, TRTC_JSON_MAX, lv, T_TIME, &tok), TRTC_OK);
        T_RC(t_verify_json(json, TRTC_JSON_MAX + 1, lv, T_TIME, &tok),
             TRTC_ERR_TOO_LARGE);

        /* the padding before the object */
        memset(json, '\t', TRTC_JSON_MAX);
        t_alice_json(json + TRTC_JSON_MAX - n, n + 1, F_N, NULL);
        T_RC(t_verify_json(json, TRTC_JSON_MAX, lv, T_TIME, &tok), TRTC_OK);
    }

    t_at(NULL);
}


void
test_input(void)
{
    size_t          i, n, zlen, len, jlen;
    z_stream        gz;
    unsigned char  *big, *z, zb[4096];
    char            json[TRTC_JSON_MAX + 1], tk[TRTC_TOKEN_MAX + 8];
    trtc_token_t    tok;

    /* length */

    T_RC(t_verify("", 0, T_TIME, 0, &tok), TRTC_ERR_EMPTY);
    T_RC(t_verify(t_vectors[0].token, 0, T_TIME, 0, &tok), TRTC_ERR_EMPTY);

    memset(tk, 'A', sizeof(tk));
    T_RC(t_verify(tk, TRTC_TOKEN_MAX, T_TIME, 0, &tok), TRTC_ERR_ZLIB);
    T_RC(t_verify(tk, TRTC_TOKEN_MAX + 1, T_TIME, 0, &tok),
         TRTC_ERR_TOO_LONG);
    T_RC(t_verify(tk, TRTC_TOKEN_MAX + 4, T_TIME, 0, &tok),
         TRTC_ERR_TOO_LONG);

    /*
     * A good token of exactly TRTC_TOKEN_MAX characters: 1536 zlib bytes,
     * a header, 200 empty stored blocks, a final stored block of the JSON
     * padded to 525 bytes, the Adler-32.  With 528 bytes: 2052 characters.
     */

    for (n = 525; n <= 528; n += 3) {
        t_at("stored token, %zu bytes of JSON", n);

        len = t_alice_json(json, sizeof(json), F_N, NULL);
        memset(json + len, ' ', n - len);

        z = zb;
        *z++ = 0x78;
        *z++ = 0x01;

        for (i = 0; i < 200; i++) {
            memcpy(z, "\x00\x00\x00\xff\xff", 5);
            z += 5;
        }

        *z++ = 0x01;
        *z++ = (unsigned char) n;
        *z++ = (unsigned char) (n >> 8);
        *z++ = (unsigned char) ~n;
        *z++ = (unsigned char) (~n >> 8);
        memcpy(z, json, n);
        z = t_put32(z + n, (uint32_t) adler32(1, (Bytef *) json, (uInt) n));
        zlen = (size_t) (z - zb);

        T_INT(zlen, n == 525 ? 1536 : 1539);
        T_RC(t_verify_z(zb, zlen, T_TIME, &tok),
             n == 525 ? TRTC_OK : TRTC_ERR_TOO_LONG);
        T_INT(strlen(t_tok), n == 525 ? TRTC_TOKEN_MAX : TRTC_TOKEN_MAX + 4);
    }

    t_at(NULL);

    /* not base64 */

    T_RC(t_verify("!!!!", 4, T_TIME, 0, &tok), TRTC_ERR_BASE64);
    T_RC(t_verify("eJy rVgr", 8, T_TIME, 0, &tok), TRTC_ERR_BASE64);
    T_RC(t_verify("eJyrVgr\n", 8, T_TIME, 0, &tok), TRTC_ERR_BASE64);
    T_RC(t_verify("eJyrV", 5, T_TIME, 0, &tok), TRTC_ERR_BASE64);

    /* broken zlib streams */

    n = t_alice_json(json, sizeof(json), F_N, NULL);
    zlen = t_zip(zb, sizeof(zb), json, n, 6);
    T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_OK);

    T_RC(t_verify_z(zb, zlen - 1, T_TIME, &tok), TRTC_ERR_ZLIB);
    T_RC(t_verify_z(zb, zlen - 4, T_TIME, &tok), TRTC_ERR_ZLIB);
    T_RC(t_verify_z(zb, zlen / 2, T_TIME, &tok), TRTC_ERR_ZLIB);
    T_RC(t_verify_z(zb, 2, T_TIME, &tok), TRTC_ERR_ZLIB);
    T_RC(t_verify_z(zb, 1, T_TIME, &tok), TRTC_ERR_ZLIB);
    T_RC(t_verify_z(zb + 2, zlen - 6, T_TIME, &tok), TRTC_ERR_ZLIB);

    memcpy(zb + zlen, "xyz", 3);
    T_RC(t_verify_z(zb, zlen + 1, T_TIME, &tok), TRTC_ERR_ZLIB);
    T_RC(t_verify_z(zb, zlen + 3, T_TIME, &tok), TRTC_ERR_ZLIB);

    memcpy(zb + zlen, zb, zlen);                        /* two streams */
    T_RC(t_verify_z(zb, 2 * zlen, T_TIME, &tok), TRTC_ERR_ZLIB);

    zb[zlen - 1] ^= 1;                                  /* Adler-32 */
    T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_ERR_ZLIB);
    zb[zlen - 1] ^= 1;

    zb[0] = 0x1f;                                       /* header */
    T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_ERR_ZLIB);
    zb[0] = 0x78;
    T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_OK);

    /* one final stored block, which trtc_verify reads without zlib when
     * all of it is right, and leaves to zlib otherwise: the same answers */

    zlen = t_zip(zb, sizeof(zb), json, n, 0);
    T_INT(zb[2] & 0x07, 0x01);
    T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_OK);

    zb[2] |= 0xf8;                                      /* ignored bits */
    T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_OK);
    zb[2] = 0x00;                                       /* not the last */
    T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_ERR_ZLIB);
    zb[2] = 0x01;

    for (i = 3; i < zlen; i += (i < 8) ? 1 : zlen - 9) {
        t_at("stored block, byte %zu flipped", i);
        zb[i] ^= 0x10;                      /* LEN, NLEN, JSON, Adler-32 */
        T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_ERR_ZLIB);
        zb[i] ^= 0x10;
    }

    t_at(NULL);

    T_RC(t_verify_z(zb, zlen - 1, T_TIME, &tok), TRTC_ERR_ZLIB);
    zb[zlen] = 0;
    T_RC(t_verify_z(zb, zlen + 1, T_TIME, &tok), TRTC_ERR_ZLIB);
    T_RC(t_verify_z(zb, zlen, T_TIME, &tok), TRTC_OK);

    /* the same stream as gzip */

    memset(&gz, 0, sizeof(gz));

    if (deflateInit2(&gz, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        abort();
    }

    gz.next_in = (Bytef *) json;
    gz.avail_in = (uInt) n;
    gz.next_out = zb;
    gz.avail_out = sizeof(zb);
    T_INT(deflate(&gz, Z_FINISH), Z_STREAM_END);
    T_RC(t_verify_z(zb, sizeof(zb) - gz.avail_out, T_TIME, &tok),
         TRTC_ERR_ZLIB);
    deflateEnd(&gz);

    /* zlib bombs: 1 MB of zeros, of spaces, and after a good JSON */

    len = 1024 * 1024;
    big = malloc(len);
    zlen = compressBound(len);
    z = malloc(zlen);

    if (big == NULL || z == NULL) {
        abort();
    }

    for (i = 0; i < 3; i++) {
        t_at("bomb %zu", i);

        memset(big, i == 0 ? '\0' : ' ', len);

        if (i == 2) {
            memcpy(big, json, n);
        }

        jlen = t_zip(z, compressBound(len), big, len, 9);
        T_TRUE(trtc_base64_encoded_length(jlen) <= TRTC_TOKEN_MAX);
        T_RC(t_verify_z(z, jlen, T_TIME, &tok), TRTC_ERR_TOO_LARGE);
    }

    t_at(NULL);

    free(big);
    free(z);

    /* the context is still good after all that */
    T_RC(t_verify(t_vectors[0].token, strlen(t_vectors[0].token), T_TIME, 0,
                  &tok),
         TRTC_OK);

    /* a key file's first line, trailing blanks cut */
    T_INT(trtc_first_line((const unsigned char *) "ab \t\r\ncd", 9), 2);
    T_INT(trtc_first_line((const unsigned char *) "\n", 1), 0);
}


void
test_userbuf_signed(void)
{
    size_t          n;
    char            ub64[256], sig[64];
    trtc_token_t    tok;
    unsigned char   b[256];

    /* our signer and the vectors agree, then the core accepts ours */

    n = t_ub_alice(b);
    t_b64(ub64, b, n, 0);
    T_STR(ub64, T_ROOM_UB);
    t_sig(T_KEY, strlen(T_KEY), "alice", T_SDKAPPID, T_TIME, T_EXPIRE, ub64,
          sig);
    T_STR(sig, T_ROOM_SIG);
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_OK);
    T_INT(tok.userbuf.roomid, 1234);

    /* a userbuf without its padding, signed as such */
    T_RC(t_pmk64("alice", "AAAFYWxpY2VTck4AAAAE0mVVQoAAAAD/AAAAAA", T_TIME,
                 &tok),
         TRTC_OK);

    /* account */

    n = t_ub(b, 0, "bob", 3, T_SDKAPPID, 1234, T_TIME + T_EXPIRE, 255, NULL,
             0);
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF_ACCOUNT);
    n = t_ub(b, 0, "alic", 4, T_SDKAPPID, 1234, T_TIME + T_EXPIRE, 255, NULL,
             0);
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF_ACCOUNT);
    n = t_ub(b, 0, "alicee", 6, T_SDKAPPID, 1234, T_TIME + T_EXPIRE, 255,
             NULL, 0);
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF_ACCOUNT);
    n = t_ub(b, 0, "Alice", 5, T_SDKAPPID, 1234, T_TIME + T_EXPIRE, 255,
             NULL, 0);
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF_ACCOUNT);

    /* sdkappid */

    n = t_ub(b, 0, "alice", 5, T_SDKAPPID + 1, 1234, T_TIME + T_EXPIRE, 255,
             NULL, 0);
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF_SDKAPPID);
    n = t_ub(b, 0, "alice", 5, 0, 1234, T_TIME + T_EXPIRE, 255, NULL, 0);
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF_SDKAPPID);

    /* absolute expiry, earlier or later than the token's */

    n = t_ub(b, 0, "alice", 5, T_SDKAPPID, 1234, T_TIME + 100, 255, NULL, 0);
    T_RC(t_pmk("alice", b, n, T_TIME + 100, &tok), TRTC_OK);
    T_RC(t_pmk("alice", b, n, T_TIME + 101, &tok), TRTC_ERR_USERBUF_EXPIRED);
    n = t_ub(b, 0, "alice", 5, T_SDKAPPID, 1234, T_TIME + T_EXPIRE + 100,
             255, NULL, 0);
    T_RC(t_pmk("alice", b, n, T_TIME + T_EXPIRE, &tok), TRTC_OK);
    T_RC(t_pmk("alice", b, n, T_TIME + T_EXPIRE + 1, &tok),
         TRTC_ERR_EXPIRED);

    /* malformed userbufs, correctly signed */

    n = t_ub_alice(b);
    b[0] = 2;
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF);
    b[0] = 0;
    T_RC(t_pmk("alice", b, n + 1, T_TIME, &tok), TRTC_ERR_USERBUF);
    T_RC(t_pmk("alice", b, 22, T_TIME, &tok), TRTC_ERR_USERBUF);
    b[2] = 0;
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF);

    n = t_ub(b, 1, "alice", 5, T_SDKAPPID, 0, T_TIME + T_EXPIRE, 255, "12/4",
             4);
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_ERR_USERBUF);
    b[n - 2] = '3';
    T_RC(t_pmk("alice", b, n, T_TIME, &tok), TRTC_OK);
    T_STR(tok.userbuf.strroom, "1234");

    T_RC(t_pmk64("alice", "!!!!", T_TIME, &tok), TRTC_ERR_USERBUF);
    T_RC(t_pmk64("alice", "AAAFYWxpY2VTck4AAAAE0mVVQoAAAAD-AAAAAA__",
                 T_TIME, &tok),
         TRTC_ERR_USERBUF);
    T_RC(t_pmk64("alice", T_A40 T_A40 T_A40 T_A40 "AAAA", T_TIME, &tok),
         TRTC_ERR_USERBUF);
}


void
test_checks(void)
{
    size_t        i;
    trtc_room_t   room;
    trtc_token_t  tok;

    /* a UserSig has neither room nor privilege */

    T_RC(t_verify(t_vectors[0].token, strlen(t_vectors[0].token), T_TIME, 0,
                  &tok),
         TRTC_OK);
    t_numroom(&room, 1234);
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_NO_USERBUF);
    T_RC(trtc_check_privilege(&tok, 0), TRTC_ERR_NO_USERBUF);
    T_RC(trtc_check_privilege(&tok, TRTC_PRIV_ENTER), TRTC_ERR_NO_USERBUF);

    /* numeric room 1234, all privileges */

    T_RC(t_verify(t_vectors[1].token, strlen(t_vectors[1].token), T_TIME, 0,
                  &tok),
         TRTC_OK);
    T_RC(trtc_room_parse("1234", 4, &room), 0);
    T_RC(trtc_check_room(&tok, &room), TRTC_OK);
    t_numroom(&room, 1235);
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);
    t_strroom(&room, "1234");
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);

    for (i = 0; i < 8; i++) {
        T_RC(trtc_check_privilege(&tok, 1U << i), TRTC_OK);
    }

    T_RC(trtc_check_privilege(&tok, TRTC_PRIV_ALL), TRTC_OK);
    T_RC(trtc_check_privilege(&tok, 0x100), TRTC_ERR_PRIVILEGE);

    /* string room "1234" */

    T_RC(t_verify(t_vectors[2].token, strlen(t_vectors[2].token), T_TIME, 0,
                  &tok),
         TRTC_OK);
    t_strroom(&room, "1234");
    T_RC(trtc_check_room(&tok, &room), TRTC_OK);
    T_RC(trtc_room_parse("1234", 4, &room), 0);
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);
    t_numroom(&room, 0);
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);
    t_strroom(&room, "1235");
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);
    t_strroom(&room, "123");
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);
    t_strroom(&room, "12345");
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);

    trtc_room_of(&tok.userbuf, &room);
    T_INT(room.ver, 1);
    T_INT(room.len, 4);
    T_RC(trtc_check_room(&tok, &room), TRTC_OK);

    /* bob, audience of room 42 */

    T_RC(t_verify(t_vectors[3].token, strlen(t_vectors[3].token), T_TIME, 0,
                  &tok),
         TRTC_OK);
    t_numroom(&room, 42);
    T_RC(trtc_check_room(&tok, &room), TRTC_OK);
    t_numroom(&room, 43);
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);
    t_strroom(&room, "42");
    T_RC(trtc_check_room(&tok, &room), TRTC_ERR_ROOM);

    trtc_room_of(&tok.userbuf, &room);
    T_INT(room.ver, 0);
    T_INT(room.roomid, 42);

    T_RC(trtc_check_privilege(&tok, 0), TRTC_OK);
    T_RC(trtc_check_privilege(&tok, TRTC_PRIV_ENTER), TRTC_OK);
    T_RC(trtc_check_privilege(&tok, TRTC_PRIV_ENTER | TRTC_PRIV_RECV_AUDIO
                                    | TRTC_PRIV_RECV_VIDEO),
         TRTC_OK);
    T_RC(trtc_check_privilege(&tok, TRTC_PRIV_SEND_AUDIO),
         TRTC_ERR_PRIVILEGE);
    T_RC(trtc_check_privilege(&tok, TRTC_PRIV_CREATE), TRTC_ERR_PRIVILEGE);
    T_RC(trtc_check_privilege(&tok, TRTC_PRIV_ENTER | TRTC_PRIV_SEND_VIDEO),
         TRTC_ERR_PRIVILEGE);
    T_RC(trtc_check_privilege(&tok, 42 | TRTC_PRIV_RECV_SCREEN),
         TRTC_ERR_PRIVILEGE);
    T_RC(trtc_check_privilege(&tok, TRTC_PRIV_ALL), TRTC_ERR_PRIVILEGE);
}


/* the context and the key the tests of the token share */

int
t_token_setup(void)
{
    t_ctx = trtc_ctx_create();
    t_key = trtc_key_create((const unsigned char *) T_KEY, strlen(T_KEY));

    return (t_ctx == NULL || t_key == NULL) ? -1 : 0;
}


void
t_token_teardown(void)
{
    trtc_key_destroy(t_key);
    trtc_ctx_destroy(t_ctx);
}
