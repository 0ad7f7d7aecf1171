
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Key and secret files, read by the master when the configuration is
 * loaded: trtc_key_file (the TRTC keys: the first signs, all verify) and
 * trtc_turn_secret_file, trtc_janus_secret_file.  A file's contents are
 * wiped once read; the keys and secrets live in the configuration's pool
 * and are wiped with it.  Nothing of them is ever logged.
 *
 * Touches: files, read by the master, and the configuration's pool.
 */


#include "ngx_http_trtc_module.h"


static ngx_int_t ngx_http_trtc_read_secret(ngx_conf_t *cf, ngx_str_t *name,
    u_char **buf, size_t *len);
static void ngx_http_trtc_key_cleanup(void *data);
static void ngx_http_trtc_secret_cleanup(void *data);


char *
ngx_http_trtc_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    u_char                     *buf;
    char                       *rv;
    size_t                      len;
    ngx_str_t                  *value;
    uint32_t                   *id;
    trtc_key_t                 *key, **k;
    ngx_http_trtc_key_file_t   *kf;
    ngx_pool_cleanup_t         *cln;
    ngx_http_trtc_main_conf_t  *tmcf;

    value = cf->args->elts;

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);
    tmcf->keys = 1;

    if (tlcf->keys == NGX_CONF_UNSET_PTR) {
        tlcf->keys = ngx_array_create(cf->pool, 2, sizeof(trtc_key_t *));
        tlcf->key_ids = ngx_array_create(cf->pool, 2, sizeof(uint32_t));

        if (tlcf->keys == NULL || tlcf->key_ids == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (tlcf->keys->nelts == TRTC_KEYS_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "more than %d \"trtc_key_file\" in one place",
                           TRTC_KEYS_MAX);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_trtc_read_secret(cf, &value[1], &buf, &len) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rv = NGX_CONF_ERROR;

    key = trtc_key_load(buf, len);

    if (key == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "trtc key file \"%V\" holds no usable key "
                           "(the first line, 1 to %d bytes)",
                           &value[1], TRTC_KEY_MAX);
        goto done;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        trtc_key_destroy(key);
        goto done;
    }

    cln->handler = ngx_http_trtc_key_cleanup;
    cln->data = key;

    k = ngx_array_push(tlcf->keys);
    if (k == NULL) {
        goto done;
    }

    *k = key;

    /* the key's id, for the counters (trtc_status) */

    id = ngx_array_push(tlcf->key_ids);
    if (id == NULL) {
        goto done;
    }

    *id = ngx_http_trtc_key_id(key);

    if (*id == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "trtc: cannot name the key of \"%V\"", &value[1]);
        goto done;
    }

    if (tmcf->key_files == NULL) {
        tmcf->key_files = ngx_array_create(cf->pool, 2,
                                           sizeof(ngx_http_trtc_key_file_t));
        if (tmcf->key_files == NULL) {
            goto done;
        }
    }

    kf = ngx_array_push(tmcf->key_files);
    if (kf == NULL) {
        goto done;
    }

    kf->id = *id;
    kf->path = value[1];

    rv = NGX_CONF_OK;

done:

    ngx_explicit_memzero(buf, len);
    ngx_free(buf);

    return rv;
}


/*
 * A secret file's contents, read by the master at configuration time:
 * a regular file of at most TRTC_KEY_MAX + 2 bytes, with a warning when
 * others may read it.  The caller wipes and frees *buf.
 */

static ngx_int_t
ngx_http_trtc_read_secret(ngx_conf_t *cf, ngx_str_t *path, u_char **buf,
    size_t *len)
{
    u_char           *b;
    ssize_t           n;
    ngx_int_t         rc;
    ngx_str_t         name;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    name = *path;

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));

    file.name = name;
    file.log = cf->log;

    file.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%s\" failed", name.data);
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%s\" failed", name.data);
        goto done;
    }

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "trtc secret file \"%s\" is not a regular file",
                           name.data);
        goto done;
    }

    if (ngx_file_size(&fi) > TRTC_KEY_MAX + 2) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "trtc secret file \"%s\" is larger than %d bytes",
                           name.data, TRTC_KEY_MAX);
        goto done;
    }

    if (ngx_file_access(&fi) & (S_IROTH|S_IWOTH)) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "trtc secret file \"%s\" is accessible by others, "
                           "consider \"chmod o-rw\"", name.data);
    }

    *len = (size_t) ngx_file_size(&fi);

    b = ngx_alloc(*len + 1, cf->log);
    if (b == NULL) {
        goto done;
    }

    n = ngx_read_file(&file, b, *len, 0);

    if (n == NGX_ERROR || (size_t) n != *len) {
        if (n != NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               ngx_read_file_n " \"%s\" returned only "
                               "%z bytes instead of %uz", name.data, n, *len);
        }

        ngx_explicit_memzero(b, *len);
        ngx_free(b);
        goto done;
    }

    *buf = b;
    rc = NGX_OK;

done:

    if (ngx_close_file(file.fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", name.data);
    }

    return rc;
}


/*
 * trtc_turn_secret_file, trtc_janus_secret_file: the first line of a
 * file, kept in the configuration and wiped with it
 */

char *
ngx_http_trtc_secret_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char              *buf;
    char                *rv;
    size_t               len, n;
    ngx_str_t           *value, *secret;
    ngx_pool_cleanup_t  *cln;

    secret = (ngx_str_t *) (p + cmd->offset);

    if (secret->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_http_trtc_read_secret(cf, &value[1], &buf, &len) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rv = NGX_CONF_ERROR;

    n = trtc_first_line(buf, len);

    if (n == 0 || ngx_strlchr(buf, buf + n, '\0') != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s secret file \"%V\" holds no secret "
                           "(the first line, with no NUL byte)",
                           (char *) cmd->post, &value[1]);
        goto done;
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(ngx_str_t));
    if (cln == NULL) {
        goto done;
    }

    secret->data = ngx_pnalloc(cf->pool, n);
    if (secret->data == NULL) {
        goto done;
    }

    ngx_memcpy(secret->data, buf, n);
    secret->len = n;

    /* wiped with the configuration */

    *(ngx_str_t *) cln->data = *secret;
    cln->handler = ngx_http_trtc_secret_cleanup;

    rv = NGX_CONF_OK;

done:

    ngx_explicit_memzero(buf, len);
    ngx_free(buf);

    return rv;
}


static void
ngx_http_trtc_key_cleanup(void *data)
{
    trtc_key_destroy(data);
}


static void
ngx_http_trtc_secret_cleanup(void *data)
{
    ngx_str_t  *secret = data;

    ngx_explicit_memzero(secret->data, secret->len);
}
