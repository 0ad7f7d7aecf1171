
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * libFuzzer target: the input is a token, as it comes in a query string,
 * a header or a cookie.  It goes through trtc_verify() with two keys
 * (the vectors' key and another), and through both base64 variants.
 *
 * Random bytes in base64 of deflate hardly ever inflate, so a custom
 * mutator works, most of the time, on the JSON inside: it decodes and
 * inflates the token, lets libFuzzer mutate the JSON, deflates it again
 * (at a level of its choice) and encodes it.  The rest of the time, and
 * whenever the token does not decode, the token's bytes are mutated.
 */


#include <string.h>

#include <zlib.h>

#include "fuzz.h"


#define FUZZ_ZMAX      4096
#define FUZZ_JMAX      2048


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
    unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int           rc;
    fuzz_env_t   *env;
    trtc_token_t  tok;

    env = fuzz_env();

    rc = trtc_verify(env->ctx, env->keys, FUZZ_NKEYS, FUZZ_SDKAPPID,
                     (const char *) data, size, FUZZ_NOW, FUZZ_LEEWAY, &tok);

    fuzz_check_verify(env, rc, &tok, (const char *) data, size);

    fuzz_base64(data, size);

    return 0;
}


size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
    unsigned int seed)
{
    size_t   n;
    uLongf   zlen, jlen;

    static unsigned char  z[FUZZ_ZMAX], json[FUZZ_JMAX];

    if (seed % 4 == 0 || trtc_base64_decoded_length(size) > FUZZ_ZMAX) {
        return LLVMFuzzerMutate(data, size, max_size);
    }

    if (trtc_base64_decode(z, &n, (const char *) data, size,
                           TRTC_BASE64_TRTC)
        != 0)
    {
        return LLVMFuzzerMutate(data, size, max_size);
    }

    jlen = sizeof(json);

    if (uncompress(json, &jlen, z, n) != Z_OK) {
        return LLVMFuzzerMutate(data, size, max_size);
    }

    jlen = LLVMFuzzerMutate(json, jlen, sizeof(json));

    zlen = sizeof(z);

    if (compress2(z, &zlen, json, jlen, (int) (seed / 4 % 10)) != Z_OK
        || trtc_base64_encoded_length(zlen) > max_size)
    {
        return LLVMFuzzerMutate(data, size, max_size);
    }

    return trtc_base64_encode((char *) data, z, zlen, TRTC_BASE64_TRTC);
}
