
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * token_bench: the token core alone, single-threaded, in a tight loop:
 * signings of a UserSig and of a PrivateMapKey, and verifications of
 * both, each for a fixed time.  Built with -O2 and no sanitizers.
 *
 *   token_bench -k KEYFILE -a SDKAPPID [-s SECONDS | -n COUNT] [-o OPS]
 *
 * OPS is a comma-separated subset of sign_usersig, sign_pmk,
 * verify_usersig, verify_pmk (all by default).  -n runs exactly COUNT
 * operations of each instead, for instruction counts under valgrind:
 * the difference of two runs with different counts is the cost of the
 * extra operations alone.  One line per operation:
 *
 *   op=sign_usersig ops=123456 seconds=2.000 ops_per_s=61728.0 wall=2.010
 *
 * seconds is the process's CPU time and ops_per_s counts per second of
 * it: on a shared machine, time given to other processes is not counted
 * against the benchmark (wall is the elapsed time).  Every result is
 * checked: a failed signing or verification stops the
 * run, so that what is timed is the real work.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trtc_token.h"
#include "keyfile.h"


#define BENCH_USER      "alice"
#define BENCH_ROOM      "1234"
#define BENCH_EXPIRE    86400
#define BENCH_BATCH     256


typedef struct {
    const char              *name;
    int                    (*run)(void);
} bench_op_t;


static int bench_sign_usersig(void);
static int bench_sign_pmk(void);
static int bench_verify_usersig(void);
static int bench_verify_pmk(void);
static int bench_sign(int room, char *out, size_t *len);
static int bench_verify(const char *token, size_t len, int room);
static double bench_now(clockid_t clock);
static int usage(void);


static bench_op_t  bench_ops[] = {
    { "sign_usersig",   bench_sign_usersig },
    { "sign_pmk",       bench_sign_pmk },
    { "verify_usersig", bench_verify_usersig },
    { "verify_pmk",     bench_verify_pmk },
    { NULL, NULL }
};


static trtc_ctx_t     *bench_ctx;
static trtc_key_t     *bench_key;
static uint32_t        bench_sdkappid;
static int64_t         bench_time;
static trtc_room_t     bench_room;

static char            bench_usersig[TRTC_TOKEN_MAX];
static size_t          bench_usersig_len;
static char            bench_pmk[TRTC_TOKEN_MAX];
static size_t          bench_pmk_len;

/* keeps the compiler from dropping what is computed */
static volatile size_t bench_sink;


int
main(int argc, char **argv)
{
    int          c, i;
    char        *key_path, *ops, *p;
    double       seconds, start, elapsed, wall;
    uint64_t     n, count;
    long long    app;

    key_path = NULL;
    ops = NULL;
    seconds = 2.0;
    count = 0;
    app = -1;

    while ((c = getopt(argc, argv, "k:a:s:n:o:")) != -1) {
        switch (c) {

        case 'k':
            key_path = optarg;
            break;

        case 'a':
            app = strtoll(optarg, &p, 10);
            if (*p != '\0') {
                return usage();
            }
            break;

        case 's':
            seconds = strtod(optarg, &p);
            if (*p != '\0' || seconds <= 0) {
                return usage();
            }
            break;

        case 'n':
            count = strtoull(optarg, &p, 10);
            if (*p != '\0' || count == 0) {
                return usage();
            }
            break;

        case 'o':
            ops = optarg;
            break;

        default:
            return usage();
        }
    }

    if (key_path == NULL || app < 1 || app > (long long) TRTC_NUMBER_MAX
        || optind != argc)
    {
        return usage();
    }

    bench_sdkappid = (uint32_t) app;
    bench_time = (int64_t) time(NULL);

    bench_key = keyfile_read("token_bench", key_path);
    if (bench_key == NULL) {
        return 2;
    }

    bench_ctx = trtc_ctx_create();
    if (bench_ctx == NULL) {
        fprintf(stderr, "token_bench: no memory\n");
        return 2;
    }

    if (trtc_room_parse(BENCH_ROOM, sizeof(BENCH_ROOM) - 1, &bench_room)
        != 0)
    {
        fprintf(stderr, "token_bench: bad room\n");
        return 2;
    }

    /* the tokens that the verifications check */

    if (bench_sign(0, bench_usersig, &bench_usersig_len) != 0
        || bench_sign(1, bench_pmk, &bench_pmk_len) != 0)
    {
        return 1;
    }

    for (i = 0; bench_ops[i].name; i++) {

        if (ops) {
            p = strstr(ops, bench_ops[i].name);

            if (p == NULL
                || (p != ops && p[-1] != ',')
                || (p[strlen(bench_ops[i].name)] != '\0'
                    && p[strlen(bench_ops[i].name)] != ','))
            {
                continue;
            }
        }

        /* a short warm-up: caches, branch predictors, lazy allocations */

        for (n = 0; n < 1000; n++) {
            if (bench_ops[i].run() != 0) {
                return 1;
            }
        }

        n = 0;
        wall = bench_now(CLOCK_MONOTONIC);
        start = bench_now(CLOCK_PROCESS_CPUTIME_ID);

        if (count) {
            for (n = 0; n < count; n++) {
                if (bench_ops[i].run() != 0) {
                    return 1;
                }
            }

            elapsed = bench_now(CLOCK_PROCESS_CPUTIME_ID) - start;

        } else {
            do {
                for (c = 0; c < BENCH_BATCH; c++) {
                    if (bench_ops[i].run() != 0) {
                        return 1;
                    }
                }

                n += BENCH_BATCH;
                elapsed = bench_now(CLOCK_PROCESS_CPUTIME_ID) - start;

            } while (elapsed < seconds);
        }

        wall = bench_now(CLOCK_MONOTONIC) - wall;

        printf("op=%s ops=%llu seconds=%.3f ops_per_s=%.1f wall=%.3f\n",
               bench_ops[i].name, (unsigned long long) n, elapsed,
               (double) n / elapsed, wall);
        fflush(stdout);
    }

    trtc_ctx_destroy(bench_ctx);
    trtc_key_destroy(bench_key);

    return 0;
}


static int
bench_sign_usersig(void)
{
    size_t  len;
    char    out[TRTC_TOKEN_MAX];

    if (bench_sign(0, out, &len) != 0) {
        return -1;
    }

    bench_sink += len + (unsigned char) out[len - 1];

    return 0;
}


static int
bench_sign_pmk(void)
{
    size_t  len;
    char    out[TRTC_TOKEN_MAX];

    if (bench_sign(1, out, &len) != 0) {
        return -1;
    }

    bench_sink += len + (unsigned char) out[len - 1];

    return 0;
}


static int
bench_verify_usersig(void)
{
    return bench_verify(bench_usersig, bench_usersig_len, 0);
}


static int
bench_verify_pmk(void)
{
    return bench_verify(bench_pmk, bench_pmk_len, 1);
}


/* what the issuing handler does for one token */

static int
bench_sign(int room, char *out, size_t *len)
{
    int           rc;
    trtc_token_t  tok;

    memset(&tok, 0, sizeof(trtc_token_t));

    tok.sdkappid = bench_sdkappid;
    tok.identifier_len = sizeof(BENCH_USER) - 1;
    memcpy(tok.identifier, BENCH_USER, sizeof(BENCH_USER) - 1);
    tok.time = bench_time;
    tok.expire = BENCH_EXPIRE;

    rc = TRTC_OK;

    if (room) {
        rc = trtc_set_userbuf(&tok, &bench_room, TRTC_PRIV_ALL);
    }

    if (rc == TRTC_OK) {
        rc = trtc_sign(bench_ctx, bench_key, &tok, out, len);
    }

    if (rc != TRTC_OK) {
        fprintf(stderr, "token_bench: signing failed: %s\n",
                trtc_strerror(rc));
        return -1;
    }

    return 0;
}


/* what the access handler does for one token, without the cache */

static int
bench_verify(const char *token, size_t len, int room)
{
    int           rc;
    trtc_token_t  tok;

    rc = trtc_verify(bench_ctx, &bench_key, 1, bench_sdkappid, token, len,
                     bench_time, 0, &tok);

    if (rc == TRTC_OK && room) {
        rc = trtc_check_room(&tok, &bench_room);
    }

    if (rc != TRTC_OK) {
        fprintf(stderr, "token_bench: verification failed: %s\n",
                trtc_strerror(rc));
        return -1;
    }

    bench_sink += tok.identifier_len;

    return 0;
}


static double
bench_now(clockid_t clock)
{
    struct timespec  ts;

    clock_gettime(clock, &ts);

    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static int
usage(void)
{
    fprintf(stderr, "usage: token_bench -k KEYFILE -a SDKAPPID"
                    " [-s SECONDS | -n COUNT] [-o OPS]\n");

    return 2;
}
