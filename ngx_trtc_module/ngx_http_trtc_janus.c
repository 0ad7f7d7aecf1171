
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * trtc_janus: the Janus signed tokens of the request's verified
 * PrivateMapKey, for a page that joins its room's VideoRoom (the SFU
 * mode), and the room's VideoRoom id and pin; the $trtc_janus_*
 * variables read the same, made once per request.
 *
 * Touches: the request's context (the tokens made once) and the reply.
 */


#include "ngx_http_trtc_module.h"


static ngx_int_t ngx_http_trtc_janus_tokens(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok,
    ngx_http_trtc_janus_t *janus);
static ngx_int_t ngx_http_trtc_janus_sign(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, int64_t expires, ngx_str_t *realm,
    ngx_str_t *desc, ngx_str_t *token);
static ngx_uint_t ngx_http_trtc_janus_plugin(ngx_str_t *name);


/*
 * trtc_janus: the Janus tokens of the request's verified PrivateMapKey,
 * for a page that joins the room's VideoRoom through Janus:
 *
 *     {"token":"<core token>","roomToken":"<room token>",
 *      "room":7749150770218204,"pin":"<hex>","expiresAt":1700086400}
 */

ngx_int_t
ngx_http_trtc_janus_handler(ngx_http_request_t *r)
{
    u_char                 *body, *p;
    ngx_int_t               rc;
    ngx_http_trtc_ctx_t    *ctx;
    ngx_http_trtc_janus_t  *janus;

    rc = ngx_http_trtc_read_nothing(r, NGX_HTTP_GET|NGX_HTTP_HEAD
                                       |NGX_HTTP_POST);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx == NULL || ctx->reason != TRTC_OK || !ctx->token.has_userbuf) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc_janus without a verified PrivateMapKey");
        return ngx_http_trtc_send_error(r, NGX_HTTP_FORBIDDEN,
                                        "no verified PrivateMapKey");
    }

    if (!(ctx->token.userbuf.privilege & NGX_HTTP_TRTC_PRIV_ENTRY)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc_janus: the PrivateMapKey of \"%s\" grants "
                      "neither enter nor create", ctx->token.identifier);
        return ngx_http_trtc_send_error(r, NGX_HTTP_FORBIDDEN,
                                        "the PrivateMapKey grants no entry");
    }

    /* trtc_janus has a secret: the configuration checks it */

    janus = ngx_http_trtc_janus_get(r, ctx);
    if (janus == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body = ngx_pnalloc(r->pool, sizeof("{\"token\":\"\",\"roomToken\":\"\","
                                       "\"room\":,\"pin\":\"\","
                                       "\"expiresAt\":}\n") - 1
                                + janus->token.len + janus->room_token.len
                                + janus->pin.len + 2 * NGX_INT64_LEN);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"token\":\"%V\",\"roomToken\":\"%V\","
                    "\"room\":%uL,\"pin\":\"%V\",\"expiresAt\":%L}\n",
                    &janus->token, &janus->room_token, janus->room,
                    &janus->pin, janus->expires);

    return ngx_http_trtc_send_json(r, NGX_HTTP_OK, body, p - body);
}


/*
 * The Janus tokens of the request's verified token, made once for the
 * request and the location's settings, all with one expiry: the token's
 * own, or sooner with trtc_janus_ttl.  The core's token lets its holder
 * attach the plugins of trtc_janus_plugins; a PrivateMapKey that may
 * enter its room also gets the VideoRoom id and pin of its room and the
 * VideoRoom's token for that room.  Empty without a Janus secret; NULL
 * on error.
 */

ngx_http_trtc_janus_t *
ngx_http_trtc_janus_get(ngx_http_request_t *r, ngx_http_trtc_ctx_t *ctx)
{
    ngx_http_trtc_janus_t     *janus;
    ngx_http_trtc_loc_conf_t  *tlcf;

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    if (ctx->janus && ctx->janus->conf == tlcf) {
        return ctx->janus;
    }

    janus = ngx_pcalloc(r->pool, sizeof(ngx_http_trtc_janus_t));
    if (janus == NULL) {
        return NULL;
    }

    janus->conf = tlcf;

    if (tlcf->janus.secret.len) {
        if (ngx_http_trtc_janus_tokens(r, tlcf, &ctx->token, janus)
            != NGX_OK)
        {
            return NULL;
        }

        ngx_http_trtc_count_issued(r, NGX_HTTP_TRTC_ISSUED_JANUS);
    }

    ctx->janus = janus;

    return janus;
}


static ngx_int_t
ngx_http_trtc_janus_tokens(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok,
    ngx_http_trtc_janus_t *janus)
{
    trtc_room_t  room;
    ngx_str_t    desc;
    u_char       buf[sizeof("room=") + NGX_INT64_LEN];

    static ngx_str_t  core = ngx_string("janus");
    static ngx_str_t  videoroom = ngx_string("janus.plugin.videoroom");

    janus->expires = trtc_expires(tok);

    if (tlcf->janus.ttl && ngx_time() + tlcf->janus.ttl < janus->expires) {
        janus->expires = ngx_time() + tlcf->janus.ttl;
    }

    if (ngx_http_trtc_janus_sign(r, tlcf, janus->expires, &core,
                                 &tlcf->janus.plugins, &janus->token)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* a room token only for a key that may enter the room */

    if (!tok->has_userbuf
        || !(tok->userbuf.privilege & NGX_HTTP_TRTC_PRIV_ENTRY))
    {
        return NGX_OK;
    }

    trtc_room_of(&tok->userbuf, &room);

    janus->pin.data = ngx_pnalloc(r->pool, TRTC_JANUS_PIN_LEN);
    if (janus->pin.data == NULL) {
        return NGX_ERROR;
    }

    janus->room = trtc_janus_room(tlcf->janus.secret.data,
                                  tlcf->janus.secret.len, &room);
    janus->pin.len = trtc_janus_pin(tlcf->janus.secret.data,
                                    tlcf->janus.secret.len, &room,
                                    (char *) janus->pin.data);

    if (janus->room == 0 || janus->pin.len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc: Janus room failed");
        return NGX_ERROR;
    }

    desc.data = buf;
    desc.len = ngx_sprintf(buf, "room=%uL", janus->room) - buf;

    return ngx_http_trtc_janus_sign(r, tlcf, janus->expires, &videoroom,
                                    &desc, &janus->room_token);
}


static ngx_int_t
ngx_http_trtc_janus_sign(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, int64_t expires, ngx_str_t *realm,
    ngx_str_t *desc, ngx_str_t *token)
{
    token->data = ngx_pnalloc(r->pool, TRTC_JANUS_TOKEN_MAX);
    if (token->data == NULL) {
        return NGX_ERROR;
    }

    token->len = trtc_janus_token(tlcf->janus.secret.data,
                                  tlcf->janus.secret.len, expires,
                                  (char *) realm->data, realm->len,
                                  (char *) desc->data, desc->len,
                                  (char *) token->data);

    if (token->len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc: Janus token failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* trtc_janus_plugins: package names, as the core's token lists them */

ngx_http_trtc_list_t  ngx_http_trtc_janus_plugins = {
    "Janus plugin", 0, TRTC_JANUS_FIELD_MAX, ngx_http_trtc_janus_plugin
};


static ngx_uint_t
ngx_http_trtc_janus_plugin(ngx_str_t *name)
{
    u_char      c;
    ngx_uint_t  i;

    if (name->len == 0) {
        return 0;
    }

    for (i = 0; i < name->len; i++) {
        c = name->data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}
