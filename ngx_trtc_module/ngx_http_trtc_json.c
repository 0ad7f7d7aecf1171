
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * JSON for the replies of trtc_issue, trtc_janus and trtc_stamp, and for
 * $trtc_client_config: strings escaped so that they are safe in HTML and
 * in a <script> element too, and the reply itself (no-store), which
 * trtc_status sends in its formats too.
 *
 * Touches: the response's headers and body.
 */


#include "ngx_http_trtc_module.h"


/* JSON string contents, also safe in HTML and in a <script> element */

u_char *
ngx_http_trtc_json_string(u_char *p, u_char *s, size_t len)
{
    u_char  c, *end;

    end = s + len;

    while (s < end) {
        c = *s;

        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = c;
            s++;
            continue;
        }

        if (c == '\n' || c == '\r' || c == '\t') {
            *p++ = '\\';
            *p++ = (c == '\n') ? 'n' : ((c == '\r') ? 'r' : 't');
            s++;
            continue;
        }

        if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            p = ngx_sprintf(p, "\\u%04xi", (ngx_uint_t) c);
            s++;
            continue;
        }

        /* U+2028 and U+2029 end lines in JavaScript */

        if (c == 0xe2 && end - s >= 3 && s[1] == 0x80
            && (s[2] == 0xa8 || s[2] == 0xa9))
        {
            p = ngx_sprintf(p, "\\u20%02xi", (ngx_uint_t) s[2] - 0x80);
            s += 3;
            continue;
        }

        *p++ = c;
        s++;
    }

    return p;
}


u_char *
ngx_http_trtc_json_room(u_char *p, trtc_room_t *room)
{
    if (room->ver == 0) {
        return ngx_http_trtc_json_number(p, room->roomid);
    }

    *p++ = '"';
    p = ngx_http_trtc_json_string(p, (u_char *) room->str, room->len);
    *p++ = '"';

    return p;
}


/* the opening of a handler: the methods it answers (else 405), no body */

ngx_int_t
ngx_http_trtc_read_nothing(ngx_http_request_t *r, ngx_uint_t methods)
{
    if (!(r->method & methods)) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    return ngx_http_discard_request_body(r);
}


ngx_int_t
ngx_http_trtc_add_header(ngx_http_request_t *r, char *name, u_char *value,
    size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = value;
    h->value.len = len;

    return NGX_OK;
}


ngx_int_t
ngx_http_trtc_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len)
{
    static ngx_str_t  json = ngx_string("application/json");

    return ngx_http_trtc_send_body(r, status, &json, body, len);
}


/* a reply of the module: never to be cached */

ngx_int_t
ngx_http_trtc_send_body(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    if (ngx_http_trtc_add_header(r, "Cache-Control", (u_char *) "no-store",
                                 sizeof("no-store") - 1)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (r->method == NGX_HTTP_HEAD) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_trtc_send_error(ngx_http_request_t *r, ngx_uint_t status, char *msg)
{
    u_char  *body, *p;
    size_t   len;

    len = sizeof("{\"error\":\"\"}\n") + ngx_strlen(msg);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"error\":\"%s\"}\n", msg);

    return ngx_http_trtc_send_json(r, status, body, p - body);
}
