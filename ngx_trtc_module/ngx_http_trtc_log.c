
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Error log lines with no query string.  Tokens travel in query
 * strings (a browser sets no header on a WebSocket), and nginx writes the
 * request line, the upstream's URI and the referrer into the context of
 * every error log line of a request: a body too large, an upstream that
 * failed or timed out.  From the post-read phase on, the context of a
 * request in an http{} block with a trtc_key_file is written as nginx's
 * own is (ngx_http_log_error_handler), with each query string cut: a
 * token, accepted or not, never reaches the error log through it.
 *
 * Touches: the request's log_handler, nothing else.
 */


#include "ngx_http_trtc_module.h"


static u_char *ngx_http_trtc_log_error(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len);
static char *ngx_http_trtc_log_cut(ngx_str_t *text, ngx_uint_t line,
    ngx_str_t *head, ngx_str_t *tail);


ngx_int_t
ngx_http_trtc_post_read_handler(ngx_http_request_t *r)
{
    /* only a client's request comes through post-read */
    r->log_handler = ngx_http_trtc_log_error;

    return NGX_DECLINED;
}


static u_char *
ngx_http_trtc_log_error(ngx_http_request_t *r, ngx_http_request_t *sr,
    u_char *buf, size_t len)
{
    char                      *cut, *uri_separator;
    u_char                    *p;
    ngx_str_t                  head, tail;
    ngx_http_upstream_t       *u;
    ngx_http_core_srv_conf_t  *cscf;

    cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);

    p = ngx_snprintf(buf, len, ", server: %V", &cscf->server_name);
    len -= p - buf;
    buf = p;

    if (r->request_line.len) {
        cut = ngx_http_trtc_log_cut(&r->request_line, 1, &head, &tail);

        p = ngx_snprintf(buf, len, ", request: \"%V%s%V\"",
                         &head, cut, &tail);
        len -= p - buf;
        buf = p;
    }

    if (r != sr) {
        p = ngx_snprintf(buf, len, ", subrequest: \"%V\"", &sr->uri);
        len -= p - buf;
        buf = p;
    }

    u = sr->upstream;

    if (u && u->peer.name) {

        uri_separator = "";

#if (NGX_HAVE_UNIX_DOMAIN)
        if (u->peer.sockaddr && u->peer.sockaddr->sa_family == AF_UNIX) {
            uri_separator = ":";
        }
#endif

        cut = ngx_http_trtc_log_cut(&u->uri, 0, &head, &tail);

        p = ngx_snprintf(buf, len, ", upstream: \"%V%V%s%V%s%V\"",
                         &u->schema, u->peer.name, uri_separator,
                         &head, cut, &tail);
        len -= p - buf;
        buf = p;
    }

    if (r->headers_in.host) {
        p = ngx_snprintf(buf, len, ", host: \"%V\"",
                         &r->headers_in.host->value);
        len -= p - buf;
        buf = p;
    }

    if (r->headers_in.referer) {
        cut = ngx_http_trtc_log_cut(&r->headers_in.referer->value, 0,
                                    &head, &tail);

        buf = ngx_snprintf(buf, len, ", referrer: \"%V%s%V\"",
                           &head, cut, &tail);
    }

    return buf;
}


/*
 * A text split at its query string, which is left out: "/ws/?...", and
 * for a request line "GET /ws/?... HTTP/1.1", with the protocol kept
 */

static char *
ngx_http_trtc_log_cut(ngx_str_t *text, ngx_uint_t line, ngx_str_t *head,
    ngx_str_t *tail)
{
    u_char  *q, *t, *last;

    last = text->data + text->len;

    q = ngx_strlchr(text->data, last, '?');

    if (q == NULL) {
        *head = *text;
        ngx_str_null(tail);
        return "";
    }

    head->data = text->data;
    head->len = q - text->data;

    t = last;

    if (line) {
        for (t = last; t > q; t--) {
            if (t[-1] == ' ') {
                t--;
                break;
            }
        }

        if (t == q) {
            t = last;
        }
    }

    tail->data = t;
    tail->len = last - t;

    return "?...";
}
