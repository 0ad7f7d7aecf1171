
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * trtc_issue: a UserSig, and a PrivateMapKey when a room is given, signed
 * with the location's first key for the user of trtc_issue_user; with
 * trtc_issue_cookie the key (or the UserSig) as a cookie too, and with
 * trtc_turn_* the TURN credentials of coturn's REST API.
 *
 * Touches: the response (JSON, Set-Cookie); it reads the request's
 * values, never its body.
 */


#include "ngx_http_trtc_module.h"


#define NGX_HTTP_TRTC_ISSUE_BODY_MAX  1024


static ngx_int_t ngx_http_trtc_issue_who(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok, trtc_room_t *room,
    ngx_uint_t *has_room, uint32_t *bits, char **error);
static u_char *ngx_http_trtc_issue_tokens(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok, trtc_room_t *room,
    uint32_t bits, u_char *body, ngx_str_t *token);
static u_char *ngx_http_trtc_ice_servers(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, u_char *p, trtc_token_t *tok);
static ngx_int_t ngx_http_trtc_set_cookie(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, u_char *token, size_t len);
static ngx_uint_t ngx_http_trtc_cookie_attr(ngx_str_t *arg, char *name,
    ngx_str_t *value);
static char *ngx_http_trtc_cookie_conf(ngx_conf_t *cf,
    ngx_http_trtc_loc_conf_t *tlcf, ngx_str_t *path, ngx_str_t *domain,
    ngx_str_t *samesite);
static ngx_uint_t ngx_http_trtc_turn_url(ngx_str_t *url);


ngx_int_t
ngx_http_trtc_issue_handler(ngx_http_request_t *r)
{
    char                      *error;
    size_t                     len;
    uint32_t                   bits;
    ngx_int_t                  rc;
    ngx_str_t                  token;
    ngx_uint_t                 has_room;
    trtc_room_t                room;
    trtc_token_t               tok;
    ngx_http_trtc_loc_conf_t  *tlcf;
    u_char                    *body, *p;
    u_char                     key[NGX_HTTP_TRTC_REMOVAL_KEY_MAX];

    rc = ngx_http_trtc_read_nothing(r, NGX_HTTP_GET|NGX_HTTP_HEAD
                                       |NGX_HTTP_POST);
    if (rc != NGX_OK) {
        return rc;
    }

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    rc = ngx_http_trtc_issue_who(r, tlcf, &tok, &room, &has_room, &bits,
                                 &error);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED) {
        return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST, error);
    }

    /* no token for a room its host removed this member from */

    if (has_room && tlcf->removal) {
        len = ngx_http_trtc_removal_key(&room, (u_char *) tok.identifier,
                                        tok.identifier_len, key);

        if (len && ngx_http_trtc_removed(tlcf->removal, key, len)) {
            return ngx_http_trtc_send_error(r, NGX_HTTP_FORBIDDEN,
                                            "removed");
        }
    }

    body = ngx_pnalloc(r->pool, NGX_HTTP_TRTC_ISSUE_BODY_MAX
                                + 2 * TRTC_TOKEN_MAX + tlcf->turn.urls.len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_http_trtc_issue_tokens(r, tlcf, &tok, has_room ? &room : NULL,
                                   bits, body, &token);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (tlcf->issue.cookie_name.len) {
        rc = ngx_http_trtc_set_cookie(r, tlcf, token.data, token.len);

        if (rc == NGX_DECLINED) {
            return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST,
                                            "bad_cookie_path");
        }

        if (rc != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (tlcf->turn.secret.len && tlcf->turn.urls.len) {
        p = ngx_http_trtc_ice_servers(r, tlcf, p, &tok);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    *p++ = '}';
    *p++ = LF;

    return ngx_http_trtc_send_json(r, NGX_HTTP_OK, body, p - body);
}


/*
 * Who and what the token is for: the user, and the room with its
 * privilege when one is given.  NGX_DECLINED with the reason for the
 * client in *error.
 */

static ngx_int_t
ngx_http_trtc_issue_who(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok, trtc_room_t *room,
    ngx_uint_t *has_room, uint32_t *bits, char **error)
{
    ngx_int_t  rc;
    ngx_str_t  user, room_text;

    if (ngx_http_trtc_value(r, tlcf->issue.user, &user) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!trtc_userid_valid((char *) user.data, user.len)) {
        *error = "invalid userId";
        return NGX_DECLINED;
    }

    room_text.len = 0;

    if (tlcf->issue.room) {
        if (ngx_http_trtc_value(r, tlcf->issue.room, &room_text) != NGX_OK) {
            return NGX_ERROR;
        }

        if (room_text.len
            && trtc_room_parse((char *) room_text.data, room_text.len, room)
               != 0)
        {
            *error = "invalid roomId";
            return NGX_DECLINED;
        }
    }

    *has_room = (room_text.len != 0);
    *bits = TRTC_PRIV_ALL;

    if (*has_room) {
        rc = ngx_http_trtc_privilege(r, tlcf->issue.privilege, TRTC_PRIV_ALL,
                                     bits);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            *error = "invalid privilege";
            return NGX_DECLINED;
        }
    }

    ngx_memzero(tok, sizeof(trtc_token_t));

    tok->sdkappid = (uint32_t) tlcf->sdkappid;
    tok->identifier_len = (uint8_t) user.len;
    ngx_memcpy(tok->identifier, user.data, user.len);
    tok->time = ngx_time();
    tok->expire = tlcf->issue.expire;

    return NGX_OK;
}


/*
 * {"sdkAppId":..,"userId":..,"userSig":..,"expire":..,"expiresAt":..,
 *  "roomId":..,"privilege":..,"privateMapKey":..  (the caller ends it)
 *
 * The tokens are signed with the location's first key straight into the
 * body, the UserSig first and then, with the room's userbuf, the
 * PrivateMapKey.  *token is the one a cookie carries: the last.
 */

static u_char *
ngx_http_trtc_issue_tokens(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok, trtc_room_t *room,
    uint32_t bits, u_char *body, ngx_str_t *token)
{
    size_t        len;
    u_char       *p;
    trtc_rc_t     rc;
    trtc_ctx_t   *worker;
    trtc_key_t  **keys;
    trtc_room_t   signed_room;

    worker = ngx_http_trtc_worker_ctx(r->connection->log);
    if (worker == NULL) {
        return NULL;
    }

    keys = tlcf->keys->elts;

    p = ngx_cpymem(body, "{\"sdkAppId\":", sizeof("{\"sdkAppId\":") - 1);
    p = ngx_http_trtc_json_number(p, tok->sdkappid);
    p = ngx_cpymem(p, ",\"userId\":\"", sizeof(",\"userId\":\"") - 1);
    p = ngx_cpymem(p, tok->identifier, tok->identifier_len);
    p = ngx_cpymem(p, "\",\"userSig\":\"", sizeof("\",\"userSig\":\"") - 1);

    rc = trtc_sign(worker, keys[0], tok, (char *) p, &len);

    if (rc != TRTC_OK) {
        goto failed;
    }

    token->data = p;
    token->len = len;

    p = ngx_cpymem(p + len, "\",\"expire\":", sizeof("\",\"expire\":") - 1);
    p = ngx_http_trtc_json_number(p, (uint64_t) tok->expire);
    p = ngx_cpymem(p, ",\"expiresAt\":", sizeof(",\"expiresAt\":") - 1);
    p = ngx_http_trtc_json_number(p, (uint64_t) (tok->time + tok->expire));

    ngx_http_trtc_count_issued(r, NGX_HTTP_TRTC_ISSUED_USERSIG);

    if (room == NULL) {
        return p;
    }

    rc = trtc_set_userbuf(tok, room, bits);

    if (rc != TRTC_OK) {
        goto failed;
    }

    trtc_room_of(&tok->userbuf, &signed_room);

    p = ngx_cpymem(p, ",\"roomId\":", sizeof(",\"roomId\":") - 1);
    p = ngx_http_trtc_json_room(p, &signed_room);
    p = ngx_cpymem(p, ",\"privilege\":", sizeof(",\"privilege\":") - 1);
    p = ngx_http_trtc_json_number(p, tok->userbuf.privilege);
    p = ngx_cpymem(p, ",\"privateMapKey\":\"",
                   sizeof(",\"privateMapKey\":\"") - 1);

    rc = trtc_sign(worker, keys[0], tok, (char *) p, &len);

    if (rc != TRTC_OK) {
        goto failed;
    }

    token->data = p;
    token->len = len;

    p += len;
    *p++ = '"';

    ngx_http_trtc_count_issued(r, NGX_HTTP_TRTC_ISSUED_PMK);

    return p;

failed:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "trtc: signing failed: %s", trtc_strerror(rc));

    return NULL;
}


/*
 * TURN credentials of coturn's REST API (use-auth-secret), ready for
 * RTCPeerConnection: ,"iceServers":[{"urls":[..],"username":..,..}]
 */

static u_char *
ngx_http_trtc_ice_servers(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, u_char *p, trtc_token_t *tok)
{
    u_char  *user;
    size_t   len;
    time_t   expires;
    char     password[TRTC_TURN_PASSWORD_LEN];
    u_char   buf[NGX_TIME_T_LEN + 1 + TRTC_USERID_MAX];

    expires = tok->time + (tlcf->turn.ttl ? tlcf->turn.ttl : tok->expire);

    user = buf;
    len = ngx_sprintf(buf, "%T:%s", expires, tok->identifier) - buf;

    if (trtc_turn_password(tlcf->turn.secret.data, tlcf->turn.secret.len,
                           (char *) user, len, password)
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc: TURN credential failed");
        return NULL;
    }

    ngx_http_trtc_count_issued(r, NGX_HTTP_TRTC_ISSUED_TURN);

    return ngx_sprintf(p, ",\"iceServers\":[{\"urls\":[%V],"
                       "\"username\":\"%*s\",\"credential\":\"%*s\"}],"
                       "\"turnExpiresAt\":%T",
                       &tlcf->turn.urls, len, user,
                       (size_t) TRTC_TURN_PASSWORD_LEN, password, expires);
}


/*
 * Set-Cookie with the token; the path may hold variables (a room's own
 * page, "path=/room/$arg_roomId/"): what they give must be a path a
 * cookie can carry, else NGX_DECLINED
 */

static ngx_int_t
ngx_http_trtc_set_cookie(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, u_char *token, size_t len)
{
    u_char      *p, *start;
    size_t       size;
    ngx_str_t    path;
    ngx_uint_t   secure, i;

    secure = tlcf->issue.cookie_secure;

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        secure = 1;
    }
#endif

    if (tlcf->issue.cookie_path == NULL) {
        ngx_str_set(&path, "/");

    } else {
        if (ngx_http_complex_value(r, tlcf->issue.cookie_path, &path)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* RFC 6265 path-value, without spaces: nothing that ends the
         * attribute or the header */

        if (path.len == 0 || path.len > NGX_HTTP_TRTC_COOKIE_PATH_MAX
            || path.data[0] != '/')
        {
            return NGX_DECLINED;
        }

        for (i = 0; i < path.len; i++) {
            if (path.data[i] <= ' ' || path.data[i] >= 0x7f
                || path.data[i] == ';')
            {
                return NGX_DECLINED;
            }
        }
    }

    size = tlcf->issue.cookie_name.len + 1 + len
           + sizeof("; Max-Age=") - 1 + NGX_TIME_T_LEN
           + sizeof("; Path=") - 1 + path.len
           + tlcf->issue.cookie_attrs.len + sizeof("; Secure") - 1;

    start = ngx_pnalloc(r->pool, size);
    if (start == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(start, "%V=%*s; Max-Age=%T; Path=%V%V",
                    &tlcf->issue.cookie_name, len, token,
                    tlcf->issue.expire, &path, &tlcf->issue.cookie_attrs);

    if (secure) {
        p = ngx_cpymem(p, "; Secure", sizeof("; Secure") - 1);
    }

    return ngx_http_trtc_add_header(r, "Set-Cookie", start, p - start);
}


char *
ngx_http_trtc_issue_cookie(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    ngx_str_t   *value, path, domain, samesite;
    ngx_uint_t   i;

    if (tlcf->issue.cookie_name.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no parameters with \"off\"";
        }

        ngx_str_set(&tlcf->issue.cookie_name, "");
        return NGX_CONF_OK;
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] <= ' ' || value[1].data[i] >= 0x7f
            || ngx_strchr("()<>@,;:\\\"/[]?={}", value[1].data[i]))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid cookie name \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    tlcf->issue.cookie_name = value[1];
    tlcf->issue.cookie_secure = 0;

    ngx_str_null(&path);
    ngx_str_set(&samesite, "Lax");
    ngx_str_null(&domain);

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_http_trtc_cookie_attr(&value[i], "path=", &path)) {
            if (path.len == 0 || path.data[0] != '/') {
                goto invalid;
            }

            continue;
        }

        if (ngx_http_trtc_cookie_attr(&value[i], "domain=", &domain)) {
            if (domain.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "samesite=strict") == 0) {
            ngx_str_set(&samesite, "Strict");
            continue;
        }

        if (ngx_strcmp(value[i].data, "samesite=lax") == 0) {
            ngx_str_set(&samesite, "Lax");
            continue;
        }

        if (ngx_strcmp(value[i].data, "samesite=none") == 0) {
            ngx_str_set(&samesite, "None");
            tlcf->issue.cookie_secure = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "secure") == 0) {
            tlcf->issue.cookie_secure = 1;
            continue;
        }

        goto invalid;
    }

    return ngx_http_trtc_cookie_conf(cf, tlcf, &path, &domain, &samesite);

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/* trtc_issue_cookie's path, compiled, and its other attributes, written */

static char *
ngx_http_trtc_cookie_conf(ngx_conf_t *cf, ngx_http_trtc_loc_conf_t *tlcf,
    ngx_str_t *path, ngx_str_t *domain, ngx_str_t *samesite)
{
    u_char                            *p;
    size_t                             len;
    ngx_http_compile_complex_value_t   ccv;

    if (path->len) {
        tlcf->issue.cookie_path = ngx_palloc(cf->pool,
                                             sizeof(ngx_http_complex_value_t));
        if (tlcf->issue.cookie_path == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = path;
        ccv.complex_value = tlcf->issue.cookie_path;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    len = sizeof("; Domain=; HttpOnly; SameSite=") - 1
          + domain->len + samesite->len;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    tlcf->issue.cookie_attrs.data = p;

    if (domain->len) {
        p = ngx_sprintf(p, "; Domain=%V", domain);
    }

    p = ngx_sprintf(p, "; HttpOnly; SameSite=%V", samesite);

    tlcf->issue.cookie_attrs.len = p - tlcf->issue.cookie_attrs.data;

    return NGX_CONF_OK;
}


/*
 * "path=/rooms" and the like: 1 when the argument is the attribute, its
 * value in *value; a ';' would end the attribute, and makes it empty
 */

static ngx_uint_t
ngx_http_trtc_cookie_attr(ngx_str_t *arg, char *name, ngx_str_t *value)
{
    size_t  len;

    len = ngx_strlen(name);

    if (arg->len < len || ngx_strncmp(arg->data, name, len) != 0) {
        return 0;
    }

    value->data = arg->data + len;
    value->len = arg->len - len;

    if (ngx_strlchr(value->data, value->data + value->len, ';')) {
        value->len = 0;
    }

    return 1;
}


/* trtc_turn_urls: turn:, turns: or stun: URLs, as a JSON list's members */

ngx_http_trtc_list_t  ngx_http_trtc_turn_urls = {
    "TURN URL", 1, 0, ngx_http_trtc_turn_url
};


static ngx_uint_t
ngx_http_trtc_turn_url(ngx_str_t *url)
{
    u_char      c;
    ngx_uint_t  i;

    if (ngx_strncmp(url->data, "turn:", 5) != 0
        && ngx_strncmp(url->data, "turns:", 6) != 0
        && ngx_strncmp(url->data, "stun:", 5) != 0)
    {
        return 0;
    }

    for (i = 0; i < url->len; i++) {
        c = url->data[i];

        if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '<'
            || c == '>')
        {
            return 0;
        }
    }

    return 1;
}
