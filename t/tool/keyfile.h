
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Reading a key file, for the programs of t/ (the module reads its own
 * through nginx).
 */


#ifndef _TRTC_KEYFILE_H_INCLUDED_
#define _TRTC_KEYFILE_H_INCLUDED_


#include <stdio.h>
#include <string.h>

#include "trtc_token.h"


/* the key of a key file, or NULL with a message naming the program */

static trtc_key_t *
keyfile_read(const char *prog, const char *path)
{
    FILE        *f;
    size_t       n;
    trtc_key_t  *key;
    char         buf[TRTC_KEY_MAX + 2];

    f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return NULL;
    }

    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);

    key = trtc_key_load((unsigned char *) buf, n);

    memset(buf, 0, sizeof(buf));

    if (key == NULL) {
        fprintf(stderr, "%s: no usable key in %s\n", prog, path);
    }

    return key;
}


#endif /* _TRTC_KEYFILE_H_INCLUDED_ */
