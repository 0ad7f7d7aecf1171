
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The $trtc_* variables, one getter each.  They read the request's
 * verification (ngx_http_trtc_access.c), verifying now with the
 * location's settings where no trtc_auth did; apart from
 * $trtc_auth_result, $trtc_sdkappid and $trtc_client_config they are
 * empty unless the token was accepted.
 *
 * Touches: the request's context, through ngx_http_trtc_result().
 */


#include "ngx_http_trtc_module.h"


static ngx_int_t ngx_http_trtc_var_token(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, trtc_token_t **tok);
static ngx_int_t ngx_http_trtc_var_set(ngx_http_variable_value_t *v,
    u_char *data, size_t len);
static ngx_int_t ngx_http_trtc_var_user_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_room_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_privilege(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_expires(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_sdkappid(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_auth_result(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_client_config(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_cache_status(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_janus_of(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_http_trtc_janus_t **janus);
static ngx_int_t ngx_http_trtc_var_janus(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_var_janus_room(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_trtc_vars[] = {

    { ngx_string("trtc_user_id"), NULL, ngx_http_trtc_var_user_id,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_room_id"), NULL, ngx_http_trtc_var_room_id,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_privilege"), NULL, ngx_http_trtc_var_privilege,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_expires"), NULL, ngx_http_trtc_var_expires,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_sdkappid"), NULL, ngx_http_trtc_var_sdkappid,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_auth_result"), NULL, ngx_http_trtc_var_auth_result,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_client_config"), NULL,
      ngx_http_trtc_var_client_config, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_cache_status"), NULL, ngx_http_trtc_var_cache_status,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_janus_token"), NULL, ngx_http_trtc_var_janus,
      offsetof(ngx_http_trtc_janus_t, token), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_janus_room_token"), NULL, ngx_http_trtc_var_janus,
      offsetof(ngx_http_trtc_janus_t, room_token),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_janus_room"), NULL, ngx_http_trtc_var_janus_room,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_janus_room_pin"), NULL, ngx_http_trtc_var_janus,
      offsetof(ngx_http_trtc_janus_t, pin), NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_trtc_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_trtc_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/*
 * The request's accepted token; NGX_DECLINED, with the variable not
 * found, when there is none
 */

static ngx_int_t
ngx_http_trtc_var_token(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    trtc_token_t **tok)
{
    ngx_http_trtc_ctx_t  *ctx;

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx == NULL || ctx->reason != TRTC_OK) {
        v->not_found = 1;
        return NGX_DECLINED;
    }

    *tok = &ctx->token;

    return NGX_OK;
}


static ngx_int_t
ngx_http_trtc_var_set(ngx_http_variable_value_t *v, u_char *data, size_t len)
{
    v->data = data;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_trtc_var_user_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_int_t      rc;
    trtc_token_t  *tok;

    rc = ngx_http_trtc_var_token(r, v, &tok);
    if (rc != NGX_OK) {
        return (rc == NGX_DECLINED) ? NGX_OK : NGX_ERROR;
    }

    return ngx_http_trtc_var_set(v, (u_char *) tok->identifier,
                                 tok->identifier_len);
}


static ngx_int_t
ngx_http_trtc_var_room_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char        *p;
    ngx_int_t      rc;
    trtc_room_t    room;
    trtc_token_t  *tok;

    rc = ngx_http_trtc_var_token(r, v, &tok);
    if (rc != NGX_OK) {
        return (rc == NGX_DECLINED) ? NGX_OK : NGX_ERROR;
    }

    if (!tok->has_userbuf) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, TRTC_ROOM_TEXT_MAX + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    trtc_room_of(&tok->userbuf, &room);

    return ngx_http_trtc_var_set(v, p, trtc_room_text(&room, (char *) p));
}


static ngx_int_t
ngx_http_trtc_var_privilege(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char        *p;
    ngx_int_t      rc;
    trtc_token_t  *tok;

    rc = ngx_http_trtc_var_token(r, v, &tok);
    if (rc != NGX_OK) {
        return (rc == NGX_DECLINED) ? NGX_OK : NGX_ERROR;
    }

    if (!tok->has_userbuf) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT32_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_trtc_var_set(v, p, ngx_sprintf(p, "%uD",
                                                   tok->userbuf.privilege)
                                       - p);
}


/* the earlier of the token's expiry and a PrivateMapKey's own */

static ngx_int_t
ngx_http_trtc_var_expires(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char        *p;
    ngx_int_t      rc;
    trtc_token_t  *tok;

    rc = ngx_http_trtc_var_token(r, v, &tok);
    if (rc != NGX_OK) {
        return (rc == NGX_DECLINED) ? NGX_OK : NGX_ERROR;
    }

    p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_trtc_var_set(v, p, ngx_sprintf(p, "%L", trtc_expires(tok))
                                       - p);
}


static ngx_int_t
ngx_http_trtc_var_sdkappid(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                    *p;
    ngx_http_trtc_loc_conf_t  *tlcf;

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    if (tlcf->sdkappid == NGX_CONF_UNSET_UINT) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_trtc_var_set(v, p, ngx_sprintf(p, "%ui", tlcf->sdkappid)
                                       - p);
}


/* "ok", or the reason the token was refused */

static ngx_int_t
ngx_http_trtc_var_auth_result(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char           *s;
    ngx_http_trtc_ctx_t  *ctx;

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    s = trtc_strerror(ctx->reason);

    return ngx_http_trtc_var_set(v, (u_char *) s, ngx_strlen(s));
}


/*
 * What a page needs to know of its verified user, as a JSON object safe
 * to put into HTML and a <script> element as it is: ids are restricted,
 * and '<', '>' and '&' of string rooms are escaped.
 */

static ngx_int_t
ngx_http_trtc_var_client_config(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                    *p, *start;
    trtc_room_t                room;
    trtc_token_t              *tok;
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_loc_conf_t  *tlcf;

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    if (tlcf->sdkappid == NGX_CONF_UNSET_UINT) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    start = ngx_pnalloc(r->pool, sizeof("{\"sdkAppId\":,\"userId\":\"\","
                                        "\"roomId\":,\"privilege\":,"
                                        "\"expiresAt\":}") - 1
                                 + NGX_INT_T_LEN + TRTC_USERID_MAX
                                 + 2 + 6 * TRTC_STRROOM_MAX
                                 + NGX_INT32_LEN + NGX_INT64_LEN);
    if (start == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(start, "{\"sdkAppId\":%ui", tlcf->sdkappid);

    if (ctx && ctx->reason == TRTC_OK) {
        tok = &ctx->token;

        p = ngx_sprintf(p, ",\"userId\":\"%s\"", tok->identifier);

        if (tok->has_userbuf) {
            trtc_room_of(&tok->userbuf, &room);

            p = ngx_cpymem(p, ",\"roomId\":", sizeof(",\"roomId\":") - 1);
            p = ngx_http_trtc_json_room(p, &room);
            p = ngx_sprintf(p, ",\"privilege\":%uD", tok->userbuf.privilege);
        }

        p = ngx_sprintf(p, ",\"expiresAt\":%L", trtc_expires(tok));
    }

    *p++ = '}';

    return ngx_http_trtc_var_set(v, start, p - start);
}


/* HIT or MISS, where trtc_auth_cache is on */

static ngx_int_t
ngx_http_trtc_var_cache_status(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_trtc_ctx_t  *ctx;

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx == NULL || ctx->cache == NGX_HTTP_TRTC_CACHE_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (ctx->cache == NGX_HTTP_TRTC_CACHE_HIT) {
        return ngx_http_trtc_var_set(v, (u_char *) "HIT", 3);
    }

    return ngx_http_trtc_var_set(v, (u_char *) "MISS", 4);
}


/*
 * The Janus tokens of the request's accepted token; NGX_DECLINED, with
 * the variable not found, when there is none
 */

static ngx_int_t
ngx_http_trtc_var_janus_of(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_http_trtc_janus_t **janus)
{
    ngx_http_trtc_ctx_t  *ctx;

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx == NULL || ctx->reason != TRTC_OK) {
        v->not_found = 1;
        return NGX_DECLINED;
    }

    *janus = ngx_http_trtc_janus_get(r, ctx);

    return (*janus == NULL) ? NGX_ERROR : NGX_OK;
}


/* $trtc_janus_token, $trtc_janus_room_token, $trtc_janus_room_pin */

static ngx_int_t
ngx_http_trtc_var_janus(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_int_t               rc;
    ngx_str_t              *s;
    ngx_http_trtc_janus_t  *janus;

    rc = ngx_http_trtc_var_janus_of(r, v, &janus);
    if (rc != NGX_OK) {
        return (rc == NGX_DECLINED) ? NGX_OK : NGX_ERROR;
    }

    s = (ngx_str_t *) ((char *) janus + data);

    if (s->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_trtc_var_set(v, s->data, s->len);
}


static ngx_int_t
ngx_http_trtc_var_janus_room(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                 *p;
    ngx_int_t               rc;
    ngx_http_trtc_janus_t  *janus;

    rc = ngx_http_trtc_var_janus_of(r, v, &janus);
    if (rc != NGX_OK) {
        return (rc == NGX_DECLINED) ? NGX_OK : NGX_ERROR;
    }

    if (janus->room == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_trtc_var_set(v, p, ngx_sprintf(p, "%uL", janus->room) - p);
}
