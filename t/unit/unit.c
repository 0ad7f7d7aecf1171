
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The unit tests' runner: the assertions, and the table of tests, run
 * in order (or the one named on the command line).  Prints one line per
 * failed check and, last, "N passed, M failed"; the exit status is
 * non-zero when M > 0, or when no test has the name given.
 */


#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"


static t_test_t  t_tests[] = {
    { "base64", test_base64 },
    { "adler32", test_adler32 },
    { "base64_tables", test_base64_tables },
    { "base64_encode", test_base64_encode },
    { "userbuf", test_userbuf },
    { "names", test_names },
    { "strerror", test_strerror },
    { "vectors", test_vectors },
    { "sign", test_sign },
    { "json", test_json },
    { "input", test_input },
    { "userbuf_signed", test_userbuf_signed },
    { "checks", test_checks },
    { "turn", test_turn },
    { "janus", test_janus },
    { "sdp", test_sdp },
    { NULL, NULL }
};


static int   t_passed;
static int   t_failed;
static char  t_label[160];


int
main(int argc, char **argv)
{
    int        ran;
    t_test_t  *t;

    /* failures stay visible even if a sanitizer ends the run */
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (t_token_setup() != 0) {
        printf("cannot create the context or the key\n");
        return 2;
    }

    ran = 0;

    for (t = t_tests; t->name; t++) {
        if (argc > 1 && strcmp(argv[1], t->name) != 0) {
            continue;
        }

        t_at(NULL);
        t->run();
        ran++;
    }

    t_token_teardown();

    if (ran == 0) {
        /* a misspelt name must not pass as "0 passed, 0 failed" */
        printf("no test named \"%s\"\n", argv[1]);
        return 2;
    }

    printf("%d passed, %d failed\n", t_passed, t_failed);

    return t_failed > 0;
}


/* the assertions */

void
t_at(const char *fmt, ...)
{
    va_list  args;

    if (fmt == NULL) {
        t_label[0] = '\0';
        return;
    }

    va_start(args, fmt);
    vsnprintf(t_label, sizeof(t_label), fmt, args);
    va_end(args);
}


void
t_result(int ok, const char *file, int line, const char *expr,
    const char *fmt, ...)
{
    va_list  args;

    if (ok) {
        t_passed++;
        return;
    }

    t_failed++;

    printf("%s:%d: %s%s%s%s: ", file, line, t_label[0] ? "[" : "",
           t_label, t_label[0] ? "] " : "", expr);

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    printf("\n");
}


void
t_int(const char *file, int line, const char *expr, long long got,
    long long exp)
{
    t_result(got == exp, file, line, expr, "expected %lld, got %lld",
             exp, got);
}


void
t_rc(const char *file, int line, const char *expr, int got, int exp)
{
    t_result(got == exp, file, line, expr, "expected %s (%d), got %s (%d)",
             trtc_strerror(exp), exp, trtc_strerror(got), got);
}


void
t_str(const char *file, int line, const char *expr, const char *got,
    const char *exp)
{
    t_result(got != NULL && strcmp(got, exp) == 0, file, line, expr,
             "expected \"%s\", got \"%s\"", exp, got ? got : "(null)");
}


void
t_mem(const char *file, int line, const char *expr, const void *got,
    size_t glen, const void *exp, size_t elen)
{
    int     ok;
    char    g[2 * 48 + 4], e[2 * 48 + 4];
    size_t  i;

    ok = (glen == elen && (glen == 0 || memcmp(got, exp, glen) == 0));

    for (i = 0; i < glen && i < 48; i++) {
        sprintf(g + 2 * i, "%02x", ((const unsigned char *) got)[i]);
    }

    strcpy(g + 2 * i, glen > 48 ? "..." : "");

    for (i = 0; i < elen && i < 48; i++) {
        sprintf(e + 2 * i, "%02x", ((const unsigned char *) exp)[i]);
    }

    strcpy(e + 2 * i, elen > 48 ? "..." : "");

    t_result(ok, file, line, expr, "expected %zu bytes %s, got %zu bytes %s",
             elen, e, glen, g);
}


/* a key that should not have been made: checked, and freed if it was */

void
t_no_key(const char *file, int line, const char *expr, trtc_key_t *key)
{
    t_result(key == NULL, file, line, expr, "expected NULL, got a key");
    trtc_key_destroy(key);
}
