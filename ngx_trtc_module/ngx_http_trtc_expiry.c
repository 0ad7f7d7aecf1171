
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * trtc_auth_close_expired: a connection that outlives the request the
 * token let in (a WebSocket of nchan or of the proxy module, a long poll,
 * a long download) is closed when that token expires, after the
 * location's leeway: a timer of the main request, deleted with its pool.
 *
 * The request belongs to another module by then, so the timer does not
 * finalize it: it shuts the client's socket down, and the owner finds the
 * connection closed on its next read or write, as when the client goes
 * away.  On HTTP/2 that is the connection all the client's streams share.
 */


#include "ngx_http_trtc_module.h"


typedef struct {
    ngx_event_t          event;
    ngx_http_request_t  *request;
    time_t               deadline;    /* the last second the token holds */
} ngx_http_trtc_expiry_t;


/* the longest timer, re-armed until the deadline: 2^31 - 1 ms */
#define NGX_HTTP_TRTC_EXPIRY_MAX_MS  2147483647


static void ngx_http_trtc_expiry_arm(ngx_http_trtc_expiry_t *ex);
static void ngx_http_trtc_expiry_handler(ngx_event_t *ev);
static void ngx_http_trtc_expiry_cleanup(void *data);


/*
 * Called for an accepted token: the main request's connection ends at the
 * token's expiry plus the leeway.  After an internal redirect the last
 * gate decides, with its token and its setting.
 */

ngx_int_t
ngx_http_trtc_expiry(ngx_http_request_t *r, ngx_http_trtc_loc_conf_t *tlcf,
    trtc_token_t *tok)
{
    ngx_pool_cleanup_t      *cln;
    ngx_http_trtc_expiry_t  *ex;

    if (r != r->main) {
        return NGX_OK;
    }

    ex = NULL;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_trtc_expiry_cleanup) {
            ex = cln->data;
            break;
        }
    }

    if (!tlcf->auth.close_expired) {
        if (ex && ex->event.timer_set) {
            ngx_del_timer(&ex->event);
        }

        return NGX_OK;
    }

    if (ex == NULL) {
        cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_trtc_expiry_t));
        if (cln == NULL) {
            return NGX_ERROR;
        }

        cln->handler = ngx_http_trtc_expiry_cleanup;

        ex = cln->data;
        ngx_memzero(ex, sizeof(ngx_http_trtc_expiry_t));

        ex->request = r;
        ex->event.handler = ngx_http_trtc_expiry_handler;
        ex->event.data = ex;
        ex->event.log = r->connection->log;

        /* a graceful stop does not wait for tokens to expire */
        ex->event.cancelable = 1;
    }

    ex->deadline = (time_t) (trtc_expires(tok) + tlcf->auth.leeway);

    ngx_http_trtc_expiry_arm(ex);

    return NGX_OK;
}


/* the timer runs to the first millisecond the token no longer holds */

static void
ngx_http_trtc_expiry_arm(ngx_http_trtc_expiry_t *ex)
{
    int64_t      ms;
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    ms = ((int64_t) ex->deadline + 1 - tp->sec) * 1000 - (int64_t) tp->msec;

    if (ms < 1) {
        ms = 1;

    } else if (ms > NGX_HTTP_TRTC_EXPIRY_MAX_MS) {
        ms = NGX_HTTP_TRTC_EXPIRY_MAX_MS;
    }

    ngx_add_timer(&ex->event, (ngx_msec_t) ms);
}


static void
ngx_http_trtc_expiry_handler(ngx_event_t *ev)
{
    ngx_socket_t             fd;
    ngx_connection_t        *c;
    ngx_http_request_t      *r;
    ngx_http_trtc_expiry_t  *ex;

    ex = ev->data;
    r = ex->request;
    c = r->connection;

    if (ngx_time() <= ex->deadline) {
        ngx_http_trtc_expiry_arm(ex);
        return;
    }

    fd = c->fd;

#if (NGX_HTTP_V2)
    if (r->stream) {
        fd = r->stream->connection->connection->fd;
    }
#endif

    ngx_log_error(NGX_LOG_INFO, c->log, 0,
                  "trtc token expired, connection closed");

    if (fd == (ngx_socket_t) -1) {
        /* no socket of its own (HTTP/3): the request ends here */
        ngx_http_finalize_request(r, NGX_ERROR);
        ngx_http_run_posted_requests(c);
        return;
    }

    if (ngx_shutdown_socket(fd, SHUT_RDWR) == -1) {
        ngx_connection_error(c, ngx_socket_errno,
                             ngx_shutdown_socket_n " failed");
    }
}


static void
ngx_http_trtc_expiry_cleanup(void *data)
{
    ngx_http_trtc_expiry_t  *ex = data;

    if (ex->event.timer_set) {
        ngx_del_timer(&ex->event);
    }
}
