
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The unit tests' assertions and their list: each test is a function
 * of test_*.c, registered by one line in t_tests[] (unit.c).  A failed
 * assertion prints one line; the run ends with "N passed, M failed".
 */


#ifndef _UNIT_H_INCLUDED_
#define _UNIT_H_INCLUDED_


#include <stddef.h>

#include "trtc_token.h"


typedef struct {
    const char  *name;
    void       (*run)(void);
} t_test_t;


#define T_TRUE(c)                                                           \
    t_result(!!(c), __FILE__, __LINE__, #c, "expected true, got false")

#define T_INT(got, exp)                                                     \
    t_int(__FILE__, __LINE__, #got, (long long) (got), (long long) (exp))

#define T_RC(got, exp)  t_rc(__FILE__, __LINE__, #got, (got), (exp))

#define T_STR(got, exp)  t_str(__FILE__, __LINE__, #got, (got), (exp))

#define T_MEM(got, glen, exp, elen)                                         \
    t_mem(__FILE__, __LINE__, #got, (got), (glen), (exp), (elen))

#define T_NO_KEY(k)  t_no_key(__FILE__, __LINE__, #k, (k))


void t_at(const char *fmt, ...);
void t_result(int ok, const char *file, int line, const char *expr,
    const char *fmt, ...);
void t_int(const char *file, int line, const char *expr, long long got,
    long long exp);
void t_rc(const char *file, int line, const char *expr, int got, int exp);
void t_str(const char *file, int line, const char *expr, const char *got,
    const char *exp);
void t_mem(const char *file, int line, const char *expr, const void *got,
    size_t glen, const void *exp, size_t elen);
void t_no_key(const char *file, int line, const char *expr,
    trtc_key_t *key);

/* test_token.c: the context and key its tests share */
int t_token_setup(void);
void t_token_teardown(void);

void test_base64(void);
void test_adler32(void);
void test_base64_tables(void);
void test_base64_encode(void);
void test_userbuf(void);
void test_names(void);
void test_strerror(void);
void test_vectors(void);
void test_sign(void);
void test_json(void);
void test_input(void);
void test_userbuf_signed(void);
void test_checks(void);
void test_turn(void);
void test_janus(void);
void test_sdp(void);


#endif /* _UNIT_H_INCLUDED_ */
