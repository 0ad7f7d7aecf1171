
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * trtc_stamp: a message, wrapped with who sent it as the verified token
 * says, so that no client can speak for another:
 *
 *     {"from":"alice","privilege":255,"data":"<the message as a string>"}
 *
 * Made for nchan's nchan_publisher_upstream_request.  nchan takes a
 * rewritten message only from an upstream's response, so the publisher's
 * subrequest is proxied, with the publisher's headers and arguments, to
 * a server of its own (a unix socket) where trtc_auth checks the same
 * token again and trtc_stamp answers.  A session description in the
 * message must not offer media the sender's privilege does not let it
 * send (trtc_sdp.h): 403.
 *
 * Touches: the request body (read once, bounded) and the reply.
 */


#include "ngx_http_trtc_module.h"


/*
 * a signaling message as trtc_stamp answers it, escaped and wrapped: an
 * SDP offer is some KiB; nchan reads the answer in memory, so the
 * location that proxies to trtc_stamp wants subrequest_output_buffer_size 64k
 */
#define NGX_HTTP_TRTC_STAMP_MAX       65536


static void ngx_http_trtc_stamp_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_trtc_stamp(ngx_http_request_t *r);
static ngx_uint_t ngx_http_trtc_stamp_utf8(u_char *p, size_t len);


ngx_int_t
ngx_http_trtc_stamp_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if (!(r->method & NGX_HTTP_POST)) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_trtc_stamp_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_trtc_stamp_body(ngx_http_request_t *r)
{
    ngx_http_finalize_request(r, ngx_http_trtc_stamp(r));
}


static ngx_int_t
ngx_http_trtc_stamp(ngx_http_request_t *r)
{
    int                   rc;
    u_char               *msg, *m, *body, *p;
    size_t                len, n;
    ssize_t               rd;
    uint32_t              privilege;
    ngx_buf_t            *b;
    ngx_chain_t          *cl;
    trtc_token_t         *tok;
    ngx_http_trtc_ctx_t  *ctx;

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx == NULL || ctx->reason != TRTC_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc_stamp without a verified token");
        return NGX_HTTP_FORBIDDEN;
    }

    len = 0;

    if (r->request_body) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            b = cl->buf;
            len += b->in_file ? (size_t) (b->file_last - b->file_pos)
                              : (size_t) (b->last - b->pos);
        }
    }

    if (len == 0) {
        return NGX_HTTP_BAD_REQUEST;
    }

    if (len > NGX_HTTP_TRTC_STAMP_MAX) {
        goto too_large;
    }

    msg = ngx_pnalloc(r->pool, len);
    if (msg == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    m = msg;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = (size_t) (b->file_last - b->file_pos);
            rd = ngx_read_file(b->file, m, n, b->file_pos);

            if (rd != (ssize_t) n) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            m += n;

        } else {
            m = ngx_cpymem(m, b->pos, b->last - b->pos);
        }
    }

    /* text only: a WebSocket text frame must be UTF-8 */

    if (!ngx_http_trtc_stamp_utf8(msg, len)) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "trtc_stamp: message is not UTF-8");
        return NGX_HTTP_BAD_REQUEST;
    }

    tok = &ctx->token;
    privilege = tok->has_userbuf ? tok->userbuf.privilege : 0;

    /* a session description offers no media the sender may not send */

    rc = trtc_sdp_check((char *) msg, len, privilege);

    if (rc != TRTC_SDP_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "trtc_stamp: message of \"%s\" (privilege %uD) "
                      "refused: %s", tok->identifier, privilege,
                      trtc_sdp_strerror(rc));
        return NGX_HTTP_FORBIDDEN;
    }

    body = ngx_pnalloc(r->pool, sizeof("{\"from\":\"\",\"privilege\":,"
                                       "\"data\":\"\"}") - 1
                                + TRTC_USERID_MAX + NGX_INT32_LEN + 6 * len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"from\":\"%s\",\"privilege\":%uD,\"data\":\"",
                    tok->identifier, privilege);
    p = ngx_http_trtc_json_string(p, msg, len);
    *p++ = '"';
    *p++ = '}';

    if (p - body > NGX_HTTP_TRTC_STAMP_MAX) {
        goto too_large;
    }

    return ngx_http_trtc_send_json(r, NGX_HTTP_OK, body, p - body);

too_large:

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "trtc_stamp: message of %uz bytes is too large once "
                  "stamped (%d at most)", len, NGX_HTTP_TRTC_STAMP_MAX);

    return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
}


/* UTF-8, with no surrogates (RFC 3629): 1, else 0 */

static ngx_uint_t
ngx_http_trtc_stamp_utf8(u_char *p, size_t len)
{
    u_char    *last;
    uint32_t   c;

    last = p + len;

    while (p < last) {
        if (*p < 0x80) {
            p++;
            continue;
        }

        c = ngx_utf8_decode(&p, last - p);

        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            return 0;
        }
    }

    return 1;
}
