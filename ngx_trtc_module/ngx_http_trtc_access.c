
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The access check: the token from the location's sources (with
 * nothing repeated), verified once per request and set of checks (with the
 * cache when there is one), then the location's user, room and privilege;
 * trtc_auth's access phase handler.  The result is the request's context,
 * which the variables, trtc_janus and trtc_stamp read too.
 *
 * Touches: the request's context (kept in a pool cleanup too), the
 * cache, the removals' zone, the counters (trtc_status), the error log
 * (one line a refusal).
 */


#include "ngx_http_trtc_module.h"


static ngx_http_trtc_ctx_t *ngx_http_trtc_verify(ngx_http_request_t *r);
static ngx_int_t ngx_http_trtc_verify_token(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, ngx_http_trtc_ctx_t *ctx,
    ngx_str_t *token, ngx_int_t *key, ngx_uint_t *evicted);
static ngx_http_trtc_ctx_t *ngx_http_trtc_get_ctx(ngx_http_request_t *r);
static void ngx_http_trtc_cleanup(void *data);
static ngx_uint_t ngx_http_trtc_repeated(ngx_http_request_t *r,
    ngx_array_t *names);
static ngx_int_t ngx_http_trtc_check(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok, trtc_rc_t *reason);
static ngx_uint_t ngx_http_trtc_member_removed(
    ngx_http_trtc_loc_conf_t *tlcf, ngx_http_trtc_ctx_t *ctx);
static ngx_int_t ngx_http_trtc_auth_arg(ngx_conf_t *cf,
    ngx_http_trtc_loc_conf_t *conf, ngx_http_complex_value_t *cv);


ngx_int_t
ngx_http_trtc_access_handler(ngx_http_request_t *r)
{
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_loc_conf_t  *tlcf;

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    if (!tlcf->auth.enable) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_trtc_verify(r);

    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->reason == TRTC_OK) {
        if (ngx_http_trtc_session(r, tlcf, ctx) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_OK;
    }

    if (ctx->reason == TRTC_ERR_INTERNAL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the context has no query string: ngx_http_trtc_log_error() */

    if (ctx->token.identifier_len) {
        ngx_log_error(tlcf->auth.log_level, r->connection->log, 0,
                      "trtc token rejected: %s, user \"%s\"",
                      trtc_strerror(ctx->reason), ctx->token.identifier);

    } else {
        ngx_log_error(tlcf->auth.log_level, r->connection->log, 0,
                      "trtc token rejected: %s", trtc_strerror(ctx->reason));
    }

    return tlcf->auth.status;
}


/*
 * Verifies the request's token once for each set of checks: the result
 * stays with the request, through internal redirects, for the access
 * handler and the variables alike.
 */

static ngx_http_trtc_ctx_t *
ngx_http_trtc_verify(ngx_http_request_t *r)
{
    ngx_int_t                  rc, key;
    ngx_str_t                  token;
    ngx_uint_t                 evicted;
    ngx_pool_cleanup_t        *cln;
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_loc_conf_t  *tlcf;

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    ctx = ngx_http_trtc_get_ctx(r);

    if (ctx && ctx->conf == tlcf) {
        return ctx;
    }

    if (ctx == NULL) {
        cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_trtc_ctx_t));
        if (cln == NULL) {
            return NULL;
        }

        cln->handler = ngx_http_trtc_cleanup;
        ctx = cln->data;

        ngx_http_set_ctx(r, ctx, ngx_http_trtc_module);
    }

    ngx_memzero(ctx, sizeof(ngx_http_trtc_ctx_t));

    ctx->conf = tlcf;

    key = -1;
    evicted = 0;

    if (ngx_http_trtc_repeated(r, tlcf->auth.args)) {
        ctx->reason = TRTC_ERR_REPEATED;
        goto done;
    }

    /* keys and sdkappid are set: trtc_auth needs them, variables check */

    rc = ngx_http_trtc_token(r, tlcf, &token);

    if (rc == NGX_ERROR) {
        return NULL;
    }

    if (rc == NGX_DECLINED) {
        ctx->reason = TRTC_ERR_NO_TOKEN;
        goto done;
    }

    if (ngx_http_trtc_verify_token(r, tlcf, ctx, &token, &key, &evicted)
        != NGX_OK)
    {
        return NULL;
    }

    if (ctx->reason == TRTC_OK
        && ngx_http_trtc_check(r, tlcf, &ctx->token, &ctx->reason) != NGX_OK)
    {
        return NULL;
    }

    if (ctx->reason == TRTC_OK && ngx_http_trtc_member_removed(tlcf, ctx)) {
        ctx->reason = TRTC_ERR_REMOVED;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "trtc token: %s, user \"%s\"",
                   trtc_strerror(ctx->reason), ctx->token.identifier);

done:

    /* counted where the location uses the token, not for a variable
     * read elsewhere (an access log's, say) */

    if (tlcf->auth.enable || tlcf->stamp || tlcf->janus.enable
        || tlcf->remove.user)
    {
        ngx_http_trtc_count_verified(r, tlcf, ctx, key, evicted);
    }

    return ctx;
}


/*
 * The token's fields and verdict into ctx: from the cache where the
 * location has one and the token is in it, else verified (and then, if
 * good, cached).  *key is the index of the key that verified it, -1 for
 * none; *evicted, the entries the cache gave up for it.
 */

static ngx_int_t
ngx_http_trtc_verify_token(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, ngx_http_trtc_ctx_t *ctx,
    ngx_str_t *token, ngx_int_t *key, ngx_uint_t *evicted)
{
    u_char       digest[TRTC_DIGEST_LEN];
    trtc_ctx_t  *worker;

    worker = ngx_http_trtc_worker_ctx(r->connection->log);
    if (worker == NULL) {
        return NGX_ERROR;
    }

    if (tlcf->auth.cache) {
        if (trtc_digest(tlcf->auth.keyset, TRTC_DIGEST_LEN,
                        (char *) token->data, token->len, digest)
            != 0)
        {
            return NGX_ERROR;
        }

        if (ngx_http_trtc_cache_get(tlcf->auth.cache, digest,
                                    (uint32_t) tlcf->sdkappid, &ctx->token)
            == NGX_OK)
        {
            ctx->cache = NGX_HTTP_TRTC_CACHE_HIT;
            ctx->reason = trtc_check_expiry(&ctx->token, ngx_time(),
                                            tlcf->auth.leeway);
            if (ctx->reason == TRTC_OK) {
                *key = ctx->token.key;
            }

            return NGX_OK;
        }

        ctx->cache = NGX_HTTP_TRTC_CACHE_MISS;
    }

    ctx->reason = trtc_verify(worker, tlcf->keys->elts, tlcf->keys->nelts,
                              (uint32_t) tlcf->sdkappid, (char *) token->data,
                              token->len, ngx_time(), tlcf->auth.leeway,
                              &ctx->token);

    if (ctx->reason == TRTC_OK) {
        *key = ctx->token.key;

        if (tlcf->auth.cache) {
            *evicted = ngx_http_trtc_cache_put(tlcf->auth.cache, digest,
                                               &ctx->token);
        }
    }

    return NGX_OK;
}


/*
 * The context is kept in a pool cleanup too, as the realip module does
 * (ngx_http_realip_get_module_ctx): an internal redirect clears module
 * contexts, and the error page or the log after a rejection must still
 * see why.  The cleanup list is walked only where the module context is
 * empty: before the first verification, and after a redirect.
 * Subrequests share the pool, so they see what their main request
 * verified.
 */

static ngx_http_trtc_ctx_t *
ngx_http_trtc_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t   *cln;
    ngx_http_trtc_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_trtc_module);

    if (ctx) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_trtc_cleanup) {
            ctx = cln->data;
            ngx_http_set_ctx(r, ctx, ngx_http_trtc_module);
            return ctx;
        }
    }

    return NULL;
}


/*
 * The request's verification result, verifying now if nothing did yet;
 * NULL where the location has no key to verify with.
 */

ngx_int_t
ngx_http_trtc_result(ngx_http_request_t *r, ngx_http_trtc_ctx_t **ctxp)
{
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_loc_conf_t  *tlcf;

    ctx = ngx_http_trtc_get_ctx(r);

    if (ctx == NULL) {
        tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

        if (tlcf->keys != NULL && tlcf->sdkappid != NGX_CONF_UNSET_UINT) {
            ctx = ngx_http_trtc_verify(r);
            if (ctx == NULL) {
                return NGX_ERROR;
            }
        }
    }

    *ctxp = ctx;

    return NGX_OK;
}


static void
ngx_http_trtc_cleanup(void *data)
{
    /* a marker to find the context by; it owns nothing */
}


/*
 * A query argument the checks read ($arg_NAME as a token source, or as
 * the whole of trtc_auth_user or trtc_auth_room) must not be repeated:
 * nginx reads the first, and what the request goes on to (a proxied
 * upstream, a page) may read another, unchecked.  Names are compared as
 * nginx does, case-insensitively, and also unescaped ("user%49d"), with
 * ';' separating arguments as '&' does, as some parsers have it.
 */

static ngx_uint_t
ngx_http_trtc_repeated(ngx_http_request_t *r, ngx_array_t *names)
{
    u_char      *p, *last, *start, *dst, *src;
    size_t       len;
    ngx_str_t   *name;
    ngx_uint_t   i, n;
    u_char       buf[3 * NGX_HTTP_TRTC_ARG_NAME_MAX];

    if (names == NULL || r->args.len == 0) {
        return 0;
    }

    name = names->elts;
    last = r->args.data + r->args.len;

    for (i = 0; i < names->nelts; i++) {
        n = 0;

        for (p = r->args.data; p < last; p++) {
            start = p;

            while (p < last && *p != '=' && *p != '&' && *p != ';') {
                p++;
            }

            len = p - start;

            if (len > name[i].len && len <= sizeof(buf)
                && ngx_strlchr(start, p, '%'))
            {
                dst = buf;
                src = start;
                ngx_unescape_uri(&dst, &src, len, 0);

                start = buf;
                len = dst - buf;
            }

            if (len == name[i].len
                && ngx_strncasecmp(start, name[i].data, len) == 0
                && ++n > 1)
            {
                return 1;
            }

            while (p < last && *p != '&' && *p != ';') {
                p++;
            }
        }
    }

    return 0;
}


/*
 * The location's checks of a token that verified: the user, the room,
 * the privilege.  NGX_OK with the reason of a refusal (TRTC_OK: none) in
 * *reason, or NGX_ERROR.
 */

static ngx_int_t
ngx_http_trtc_check(ngx_http_request_t *r, ngx_http_trtc_loc_conf_t *tlcf,
    trtc_token_t *tok, trtc_rc_t *reason)
{
    uint32_t     bits;
    ngx_int_t    rc;
    ngx_str_t    value;
    trtc_room_t  room;

    *reason = TRTC_OK;

    if (tlcf->auth.user) {
        if (ngx_http_trtc_value(r, tlcf->auth.user, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        if (value.len != tok->identifier_len
            || ngx_strncmp(value.data, tok->identifier, value.len) != 0)
        {
            *reason = TRTC_ERR_USER;
            return NGX_OK;
        }
    }

    if (tlcf->auth.room) {
        if (ngx_http_trtc_value(r, tlcf->auth.room, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        if (trtc_room_parse((char *) value.data, value.len, &room) != 0) {
            *reason = tok->has_userbuf ? TRTC_ERR_ROOM : TRTC_ERR_NO_USERBUF;
            return NGX_OK;
        }

        *reason = trtc_check_room(tok, &room);
        if (*reason != TRTC_OK) {
            return NGX_OK;
        }
    }

    rc = ngx_http_trtc_privilege(r, tlcf->auth.privilege,
                                 NGX_HTTP_TRTC_PRIV_UNSET, &bits);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        *reason = TRTC_ERR_PRIVILEGE;
        return NGX_OK;
    }

    if (bits == NGX_HTTP_TRTC_PRIV_UNSET) {

        /*
         * TRTC's own rule: entering a room takes the enter bit, or
         * create for the room's creator; a room required, the key
         * must grant one of them
         */

        if (tlcf->auth.room
            && !(tok->userbuf.privilege & NGX_HTTP_TRTC_PRIV_ENTRY))
        {
            *reason = TRTC_ERR_PRIVILEGE;
        }

        return NGX_OK;
    }

    if (bits) {
        *reason = trtc_check_privilege(tok, bits);
    }

    return NGX_OK;
}


/*
 * A host removed the token's member, or everyone, from its room; the
 * member's key stays in the context, for its session
 */

static ngx_uint_t
ngx_http_trtc_member_removed(ngx_http_trtc_loc_conf_t *tlcf,
    ngx_http_trtc_ctx_t *ctx)
{
    trtc_room_t    room;
    trtc_token_t  *tok;

    tok = &ctx->token;

    if (tlcf->removal == NULL || !tok->has_userbuf) {
        return 0;
    }

    trtc_room_of(&tok->userbuf, &room);

    ctx->member_len = ngx_http_trtc_removal_key(&room,
                                                (u_char *) tok->identifier,
                                                tok->identifier_len,
                                                ctx->member);

    return ctx->member_len
           && ngx_http_trtc_removed(tlcf->removal, ctx->member,
                                    ctx->member_len) != 0;
}


/*
 * The query arguments the checks read: the names of $arg_NAME where it is
 * the whole of a token source, of trtc_auth_user or of trtc_auth_room;
 * made by the merge once the defaults are set.
 */

ngx_int_t
ngx_http_trtc_auth_args(ngx_conf_t *cf, ngx_http_trtc_loc_conf_t *conf)
{
    ngx_uint_t               i;
    ngx_http_trtc_source_t  *src;

    if (conf->auth.tokens) {
        src = conf->auth.tokens->elts;

        for (i = 0; i < conf->auth.tokens->nelts; i++) {
            if (ngx_http_trtc_auth_arg(cf, conf, &src[i].cv) != NGX_OK) {
                return NGX_ERROR;
            }
        }
    }

    if (conf->auth.user
        && ngx_http_trtc_auth_arg(cf, conf, &conf->auth.user->cv) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (conf->auth.room
        && ngx_http_trtc_auth_arg(cf, conf, &conf->auth.room->cv) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* "$arg_NAME" or "${arg_NAME}" adds NAME to the list */

static ngx_int_t
ngx_http_trtc_auth_arg(ngx_conf_t *cf, ngx_http_trtc_loc_conf_t *conf,
    ngx_http_complex_value_t *cv)
{
    u_char      *p, *last;
    ngx_str_t    name, *n;
    ngx_uint_t   brace;

    p = cv->value.data;
    last = p + cv->value.len;

    if (cv->value.len < 6 || p[0] != '$') {
        return NGX_OK;
    }

    brace = (p[1] == '{');

    if (brace && last[-1] != '}') {
        return NGX_OK;
    }

    p += 1 + brace;
    last -= brace;

    if (last - p <= 4 || ngx_strncmp(p, "arg_", 4) != 0) {
        return NGX_OK;
    }

    name.data = p + 4;
    name.len = last - name.data;

    if (name.len > NGX_HTTP_TRTC_ARG_NAME_MAX) {
        return NGX_OK;
    }

    for (p = name.data; p < last; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_'))
        {
            return NGX_OK;
        }
    }

    if (conf->auth.args == NULL) {
        conf->auth.args = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (conf->auth.args == NULL) {
            return NGX_ERROR;
        }
    }

    n = ngx_array_push(conf->auth.args);
    if (n == NULL) {
        return NGX_ERROR;
    }

    *n = name;

    return NGX_OK;
}
