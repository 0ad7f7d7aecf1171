
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The values that directives give for each request: token sources
 * (trtc_auth_token), user ids and rooms (trtc_issue_user, trtc_issue_room,
 * trtc_auth_user, trtc_auth_room), privileges (trtc_issue_privilege,
 * trtc_auth_privilege): compiled when the configuration is read, and
 * evaluated, unescaped once and parsed when a request needs them.
 *
 * Touches: the request's variables, read only.
 */


#include "ngx_http_trtc_module.h"


static ngx_int_t ngx_http_trtc_unescape(ngx_http_request_t *r,
    ngx_str_t *value);
static ngx_int_t ngx_http_trtc_compile(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_complex_value_t *cv);
static ngx_array_t *ngx_http_trtc_compile_list(ngx_conf_t *cf,
    ngx_str_t *values, ngx_uint_t n);
static ngx_int_t ngx_http_trtc_variable_index(ngx_conf_t *cf,
    ngx_str_t *value);
static ngx_int_t ngx_http_trtc_read(ngx_http_request_t *r,
    ngx_http_complex_value_t *cv, ngx_int_t index, ngx_str_t *value);


/* where a token is looked for when trtc_auth_token is not set */
static ngx_str_t  ngx_http_trtc_token_sources[] = {
    ngx_string("$http_x_trtc_token"),
    ngx_string("$cookie_trtc_token"),
    ngx_string("$arg_privateMapKey"),
    ngx_string("$arg_userSig")
};


static ngx_str_t  ngx_http_trtc_user = ngx_string("$remote_user");


ngx_int_t
ngx_http_trtc_token(ngx_http_request_t *r, ngx_http_trtc_loc_conf_t *tlcf,
    ngx_str_t *token)
{
    ngx_str_t                value;
    ngx_uint_t               i;
    ngx_http_trtc_source_t  *src;

    src = tlcf->auth.tokens->elts;

    for (i = 0; i < tlcf->auth.tokens->nelts; i++) {

        if (ngx_http_trtc_read(r, &src[i].cv, src[i].index, &value)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (value.len) {
            break;
        }
    }

    if (i == tlcf->auth.tokens->nelts) {
        return NGX_DECLINED;
    }

    /* an Authorization header */

    if (value.len > 7 && ngx_strncasecmp(value.data, (u_char *) "Bearer ", 7)
                         == 0)
    {
        value.data += 7;
        value.len -= 7;
    }

    /* a token has no '%' of its own; longer ones fail as too long */

    if (value.len <= TRTC_TOKEN_MAX && ngx_http_trtc_unescape(r, &value)
                                       != NGX_OK)
    {
        return NGX_ERROR;
    }

    *token = value;

    return NGX_OK;
}


/*
 * User and room ids mostly come from query arguments, which nginx keeps
 * escaped: they are unescaped ("%20" is a space, a literal '%' is "%25"),
 * once.  A capture of the location's URI is decoded already: unescaped
 * again, "/rooms/a%2541/" would be room "aA".
 */

ngx_int_t
ngx_http_trtc_value(ngx_http_request_t *r, ngx_http_trtc_id_t *id,
    ngx_str_t *value)
{
    if (ngx_http_trtc_read(r, &id->cv, id->index, value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (id->decoded) {
        return NGX_OK;
    }

    return ngx_http_trtc_unescape(r, value);
}


/*
 * A value of a token source or an id: where it is one variable, the
 * variable as the complex value would read it (evaluated again only when
 * it is not cacheable; a variable that fails or is not found is empty),
 * but not copied: nothing here writes to the value
 */

static ngx_int_t
ngx_http_trtc_read(ngx_http_request_t *r, ngx_http_complex_value_t *cv,
    ngx_int_t index, ngx_str_t *value)
{
    ngx_http_variable_value_t  *vv;

    if (index == NGX_ERROR) {
        return ngx_http_complex_value(r, cv, value);
    }

    vv = ngx_http_get_flushed_variable(r, index);

    if (vv == NULL || vv->not_found) {
        ngx_str_set(value, "");

    } else {
        value->len = vv->len;
        value->data = vv->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_trtc_unescape(ngx_http_request_t *r, ngx_str_t *value)
{
    u_char  *dst, *src;

    if (value->len == 0 || memchr(value->data, '%', value->len) == NULL) {
        return NGX_OK;
    }

    dst = ngx_pnalloc(r->pool, value->len);
    if (dst == NULL) {
        return NGX_ERROR;
    }

    src = value->data;
    value->data = dst;

    ngx_unescape_uri(&dst, &src, value->len, 0);

    value->len = dst - value->data;

    return NGX_OK;
}


/* an empty value, from a variable, means "not given": the default */

ngx_int_t
ngx_http_trtc_privilege(ngx_http_request_t *r,
    ngx_http_trtc_privilege_t *priv, uint32_t dflt, uint32_t *bits)
{
    ngx_str_t  value;

    if (priv == NULL) {
        *bits = dflt;
        return NGX_OK;
    }

    if (priv->value == NULL) {
        *bits = (uint32_t) priv->bits;
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, priv->value, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (value.len == 0) {
        *bits = dflt;
        return NGX_OK;
    }

    if (trtc_privilege_parse((char *) value.data, value.len, bits) != 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "trtc: invalid privilege \"%V\"", &value);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* trtc_issue_user, trtc_issue_room, trtc_auth_user, trtc_auth_room */

char *
ngx_http_trtc_id_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t            *value;
    ngx_http_trtc_id_t  **field, *id;

    field = (ngx_http_trtc_id_t **) (p + cmd->offset);

    if (*field != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    id = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_id_t));
    if (id == NULL) {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 3) {
        if (ngx_strcmp(value[2].data, "decoded") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        id->decoded = 1;
    }

    if (ngx_http_trtc_compile(cf, &value[1], &id->cv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    id->index = ngx_http_trtc_variable_index(cf, &value[1]);

    *field = id;

    return NGX_CONF_OK;
}


char *
ngx_http_trtc_privilege_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    uint32_t                     bits;
    ngx_str_t                    text;
    ngx_http_trtc_privilege_t  **field, *priv;

    field = (ngx_http_trtc_privilege_t **) (p + cmd->offset);

    if (*field != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    /* several words are one list: "enter send_audio recv_audio" */

    if (ngx_http_trtc_conf_join(cf, ' ', 0, &text) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    priv = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_privilege_t));
    if (priv == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_script_variables_count(&text) == 0) {
        if (trtc_privilege_parse((char *) text.data, text.len, &bits) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid privilege \"%V\"", &text);
            return NGX_CONF_ERROR;
        }

        priv->bits = bits;
        *field = priv;

        return NGX_CONF_OK;
    }

    priv->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (priv->value == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_trtc_compile(cf, &text, priv->value) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    *field = priv;

    return NGX_CONF_OK;
}


char *
ngx_http_trtc_auth_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    ngx_str_t  *value;

    if (tlcf->auth.tokens != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    tlcf->auth.tokens = ngx_http_trtc_compile_list(cf, &value[1],
                                                  cf->args->nelts - 1);
    if (tlcf->auth.tokens == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* the defaults, compiled once for all locations */

ngx_array_t *
ngx_http_trtc_default_tokens(ngx_conf_t *cf)
{
    ngx_http_trtc_main_conf_t  *tmcf;

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);

    if (tmcf->default_tokens == NULL) {
        tmcf->default_tokens = ngx_http_trtc_compile_list(cf,
                                   ngx_http_trtc_token_sources,
                                   sizeof(ngx_http_trtc_token_sources)
                                   / sizeof(ngx_str_t));
    }

    return tmcf->default_tokens;
}


ngx_http_trtc_id_t *
ngx_http_trtc_default_user(ngx_conf_t *cf)
{
    ngx_http_trtc_id_t         *id;
    ngx_http_trtc_main_conf_t  *tmcf;

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);

    if (tmcf->default_user == NULL) {
        id = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_id_t));
        if (id == NULL) {
            return NULL;
        }

        if (ngx_http_trtc_compile(cf, &ngx_http_trtc_user, &id->cv)
            != NGX_OK)
        {
            return NULL;
        }

        id->index = ngx_http_trtc_variable_index(cf, &ngx_http_trtc_user);

        /* $remote_user, as the client sent it: not URL-escaped */
        id->decoded = 1;

        tmcf->default_user = id;
    }

    return tmcf->default_user;
}


static ngx_int_t
ngx_http_trtc_compile(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_complex_value_t *cv)
{
    ngx_http_compile_complex_value_t  ccv;

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = value;
    ccv.complex_value = cv;

    return ngx_http_compile_complex_value(&ccv);
}


/* token sources, of ngx_http_trtc_source_t */

static ngx_array_t *
ngx_http_trtc_compile_list(ngx_conf_t *cf, ngx_str_t *values, ngx_uint_t n)
{
    ngx_uint_t               i;
    ngx_array_t             *a;
    ngx_http_trtc_source_t  *src;

    a = ngx_array_create(cf->pool, n, sizeof(ngx_http_trtc_source_t));
    if (a == NULL) {
        return NULL;
    }

    src = ngx_array_push_n(a, n);
    if (src == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_trtc_compile(cf, &values[i], &src[i].cv) != NGX_OK) {
            return NULL;
        }

        src[i].index = ngx_http_trtc_variable_index(cf, &values[i]);
    }

    return a;
}


/*
 * "$name" or "${name}" and nothing else, as the script compiler reads
 * a variable's name (not "$1", a capture): the variable's index;
 * NGX_ERROR for any other value
 */

static ngx_int_t
ngx_http_trtc_variable_index(ngx_conf_t *cf, ngx_str_t *value)
{
    u_char      *p, *last;
    ngx_str_t    name;
    ngx_uint_t   brace;

    p = value->data;
    last = p + value->len;

    if (value->len < 2 || p[0] != '$') {
        return NGX_ERROR;
    }

    brace = (p[1] == '{');

    if (brace && (value->len < 4 || last[-1] != '}')) {
        return NGX_ERROR;
    }

    name.data = p + 1 + brace;
    name.len = (last - brace) - name.data;

    if (name.data[0] >= '0' && name.data[0] <= '9') {
        return NGX_ERROR;
    }

    for (p = name.data; p < name.data + name.len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_'))
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_get_variable_index(cf, &name);
}
