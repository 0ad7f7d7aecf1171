
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * What the libFuzzer targets share: fixed keys, sdkappid and clock, and
 * the checks of what trtc_verify() promises when it says TRTC_OK.
 */


#ifndef _TRTC_FUZZ_H_INCLUDED_
#define _TRTC_FUZZ_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "trtc_token.h"


/* t/data/usersig-v2.json: its sdkappid, key and clock */
#define FUZZ_SDKAPPID  1400000000U
#define FUZZ_NOW       1700000000
#define FUZZ_LEEWAY    60
#define FUZZ_KEY0      \
    "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"

/* a second key that also verifies (rotation), never signs the vectors */
#define FUZZ_KEY1      "fuzz-second-key"

#define FUZZ_NKEYS     2


/* an invariant of the core failed: libFuzzer reports it as a crash */
#define fuzz_assert(expr)                                                    \
    do {                                                                     \
        if (!(expr)) {                                                       \
            fuzz_fail(__FILE__, __LINE__, #expr);                            \
        }                                                                    \
    } while (0)


typedef struct {
    trtc_ctx_t              *ctx;
    trtc_key_t              *keys[FUZZ_NKEYS];
} fuzz_env_t;


fuzz_env_t *fuzz_env(void);
void fuzz_fail(const char *file, int line, const char *expr);

/* rc is what trtc_verify() said of token with fuzz_env()'s keys */
void fuzz_check_verify(fuzz_env_t *env, int rc, const trtc_token_t *tok,
    const char *token, size_t len);

/* base64 of both variants: decode/encode round trips, bounds */
void fuzz_base64(const uint8_t *data, size_t size);


#endif /* _TRTC_FUZZ_H_INCLUDED_ */
