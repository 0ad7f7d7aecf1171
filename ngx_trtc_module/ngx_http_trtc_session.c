
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The session of a gated request that outlives its request (a WebSocket
 * of nchan or of the proxy module, a long poll, a long download): it is
 * closed when the token that let it in expires, after the location's
 * leeway (trtc_auth_close_expired), and when its member, or everyone
 * in its room, is removed (trtc_removal).  A timer of the main request
 * for the first, set once the request outlives the event that let it
 * in (most, a page or a small file, end within it, and never touch the
 * timers); for the second, each worker's sessions in a queue, looked
 * at twice a second and checked against the zone when it changed.
 * Both go with the request's pool.
 *
 * The request belongs to another module by then, so nothing here
 * finalizes it: the client's socket is shut down, and the owner finds
 * the connection closed on its next read or write, as when the client
 * goes away.  On HTTP/2 that is the connection all the client's streams
 * share.
 */


#include "ngx_http_trtc_module.h"


typedef struct {
    ngx_event_t          event;       /* the token's expiry */
    ngx_http_request_t  *request;
    time_t               deadline;    /* the last second the token holds */
    ngx_queue_t          queue;       /* in ngx_http_trtc_sessions */
    ngx_shm_zone_t      *removal;     /* NULL: not in the queue */
    ngx_atomic_uint_t    seen;        /* the zone's version looked at */
    size_t               key_len;
    u_char               key[NGX_HTTP_TRTC_REMOVAL_KEY_MAX];
} ngx_http_trtc_session_t;


/* the longest timer, re-armed until the deadline: 2^31 - 1 ms */
#define NGX_HTTP_TRTC_SESSION_MAX_MS  2147483647

/* how often a worker looks for removals among its sessions */
#define NGX_HTTP_TRTC_REMOVAL_POLL_MS  500


static ngx_http_trtc_session_t *ngx_http_trtc_session_get(
    ngx_http_request_t *r);
static void ngx_http_trtc_session_arm(ngx_http_trtc_session_t *s);
static void ngx_http_trtc_session_disarm(ngx_http_trtc_session_t *s);
static void ngx_http_trtc_session_outlived(ngx_event_t *ev);
static void ngx_http_trtc_session_expired(ngx_event_t *ev);
static void ngx_http_trtc_session_poll(ngx_event_t *ev);
static void ngx_http_trtc_session_close(ngx_http_trtc_session_t *s,
    const char *why);
static void ngx_http_trtc_session_unqueue(ngx_http_trtc_session_t *s);
static void ngx_http_trtc_session_cleanup(void *data);


/* this worker's sessions with a removal zone, and their poll */
static ngx_queue_t  ngx_http_trtc_sessions;
static ngx_event_t  ngx_http_trtc_removal_poll;


/*
 * Called for an accepted token: the main request's connection ends at the
 * token's expiry plus the leeway, or at its member's removal.  After an
 * internal redirect the last gate decides, with its token and settings.
 */

ngx_int_t
ngx_http_trtc_session(ngx_http_request_t *r, ngx_http_trtc_loc_conf_t *tlcf,
    ngx_http_trtc_ctx_t *ctx)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_trtc_session_t  *s;

    if (r != r->main) {
        return NGX_OK;
    }

    s = ngx_http_trtc_session_get(r);

    if (!tlcf->auth.close_expired && tlcf->removal == NULL) {
        if (s) {
            ngx_http_trtc_session_disarm(s);
            ngx_http_trtc_session_unqueue(s);
        }

        return NGX_OK;
    }

    if (s == NULL) {
        s = ngx_pcalloc(r->pool, sizeof(ngx_http_trtc_session_t));
        if (s == NULL) {
            return NGX_ERROR;
        }

        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        cln->handler = ngx_http_trtc_session_cleanup;
        cln->data = s;

        s->request = r;
        s->event.handler = ngx_http_trtc_session_expired;
        s->event.data = s;
        s->event.log = r->connection->log;

        /* a graceful stop does not wait for tokens to expire */
        s->event.cancelable = 1;
    }

    if (tlcf->auth.close_expired) {
        s->deadline = (time_t) (trtc_expires(&ctx->token)
                                + tlcf->auth.leeway);

        if (s->event.timer_set) {
            /* a gate after an internal redirect, once the timer is set */
            ngx_http_trtc_session_arm(s);

        } else if (!s->event.posted) {
            s->event.handler = ngx_http_trtc_session_outlived;
            ngx_post_event(&s->event, &ngx_posted_events);
        }

    } else {
        ngx_http_trtc_session_disarm(s);
    }

    ngx_http_trtc_session_unqueue(s);

    /* the member's key, as the access check made it */

    if (tlcf->removal == NULL || ctx->member_len == 0) {
        return NGX_OK;
    }

    s->key_len = ctx->member_len;
    ngx_memcpy(s->key, ctx->member, ctx->member_len);

    if (ngx_http_trtc_sessions.next == NULL) {
        ngx_queue_init(&ngx_http_trtc_sessions);
    }

    s->removal = tlcf->removal;
    s->seen = ngx_http_trtc_removal_version(s->removal);
    ngx_queue_insert_tail(&ngx_http_trtc_sessions, &s->queue);

    if (!ngx_http_trtc_removal_poll.timer_set) {
        ngx_http_trtc_removal_poll.handler = ngx_http_trtc_session_poll;
        ngx_http_trtc_removal_poll.log = ngx_cycle->log;
        ngx_http_trtc_removal_poll.cancelable = 1;
        ngx_add_timer(&ngx_http_trtc_removal_poll,
                      NGX_HTTP_TRTC_REMOVAL_POLL_MS);
    }

    return NGX_OK;
}


static ngx_http_trtc_session_t *
ngx_http_trtc_session_get(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t  *cln;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_trtc_session_cleanup) {
            return cln->data;
        }
    }

    return NULL;
}


/* the timer runs to the first millisecond the token no longer holds */

static void
ngx_http_trtc_session_arm(ngx_http_trtc_session_t *s)
{
    int64_t      ms;
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    ms = ((int64_t) s->deadline + 1 - tp->sec) * 1000 - (int64_t) tp->msec;

    if (ms < 1) {
        ms = 1;

    } else if (ms > NGX_HTTP_TRTC_SESSION_MAX_MS) {
        ms = NGX_HTTP_TRTC_SESSION_MAX_MS;
    }

    ngx_add_timer(&s->event, (ngx_msec_t) ms);
}


/*
 * Posted events run once the event loop has handled what happened: a
 * request that was let in and is still there, a session, gets its timer.
 * The deadline is a second of the clock, so when the timer is set does
 * not move it.
 */

static void
ngx_http_trtc_session_outlived(ngx_event_t *ev)
{
    ngx_http_trtc_session_t  *s = ev->data;

    ev->handler = ngx_http_trtc_session_expired;

    ngx_http_trtc_session_arm(s);
}


static void
ngx_http_trtc_session_disarm(ngx_http_trtc_session_t *s)
{
    if (s->event.timer_set) {
        ngx_del_timer(&s->event);
    }

    if (s->event.posted) {
        ngx_delete_posted_event(&s->event);
    }
}


static void
ngx_http_trtc_session_expired(ngx_event_t *ev)
{
    ngx_http_trtc_session_t  *s = ev->data;

    if (ngx_time() <= s->deadline) {
        ngx_http_trtc_session_arm(s);
        return;
    }

    ngx_http_trtc_session_close(s, "trtc token expired, connection closed");
}


/*
 * Twice a second: the sessions of a zone that changed since they last
 * looked, checked against it; the poll stops with the last session.
 */

static void
ngx_http_trtc_session_poll(ngx_event_t *ev)
{
    ngx_queue_t              *q, *next;
    ngx_atomic_uint_t         version;
    ngx_http_trtc_session_t  *s;

    for (q = ngx_queue_head(&ngx_http_trtc_sessions);
         q != ngx_queue_sentinel(&ngx_http_trtc_sessions);
         q = next)
    {
        next = ngx_queue_next(q);
        s = ngx_queue_data(q, ngx_http_trtc_session_t, queue);

        version = ngx_http_trtc_removal_version(s->removal);

        if (version == s->seen) {
            continue;
        }

        s->seen = version;

        if (ngx_http_trtc_removed(s->removal, s->key, s->key_len)) {
            ngx_http_trtc_session_unqueue(s);
            ngx_http_trtc_session_disarm(s);

            ngx_http_trtc_session_close(s,
                             "trtc member removed, connection closed");
        }
    }

    if (!ngx_queue_empty(&ngx_http_trtc_sessions) && !ngx_exiting) {
        ngx_add_timer(ev, NGX_HTTP_TRTC_REMOVAL_POLL_MS);
    }
}


static void
ngx_http_trtc_session_close(ngx_http_trtc_session_t *s, const char *why)
{
    ngx_socket_t         fd;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = s->request;
    c = r->connection;
    fd = c->fd;

#if (NGX_HTTP_V2)
    if (r->stream) {
        fd = r->stream->connection->connection->fd;
    }
#endif

    ngx_log_error(NGX_LOG_INFO, c->log, 0, why);

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
ngx_http_trtc_session_unqueue(ngx_http_trtc_session_t *s)
{
    if (s->removal) {
        ngx_queue_remove(&s->queue);
        s->removal = NULL;
    }
}


static void
ngx_http_trtc_session_cleanup(void *data)
{
    ngx_http_trtc_session_t  *s = data;

    ngx_http_trtc_session_disarm(s);
    ngx_http_trtc_session_unqueue(s);
}
