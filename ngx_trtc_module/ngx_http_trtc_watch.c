
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Removals made on other servers: "trtc_removal_zone name:size
 * watch=ADDRESS:URI" has the first worker subscribe, over HTTP, to an
 * nchan EventSource location of this nginx (the channel trtc_remove's
 * answers are published to, through Redis when there are several
 * servers) and put each removal it brings into the zone.  The channel
 * keeps its messages for as long as a removal lasts, and the location
 * sends the oldest first, so a server that starts (or restarts) learns
 * the removals that still hold.  A lost connection is made again after a
 * second.
 *
 * Each event is one line "data: {"room":R,"user":U,"until":T}"; lines
 * are at most NGX_HTTP_TRTC_WATCH_LINE bytes, a longer one is skipped.
 *
 * Touches: one connection of the first worker, the zone, the error log.
 */


#include <cjson/cJSON.h>

#include "ngx_http_trtc_module.h"


#define NGX_HTTP_TRTC_WATCH_LINE      1024
#define NGX_HTTP_TRTC_WATCH_RETRY     1000
#define NGX_HTTP_TRTC_WATCH_TIMEOUT   5000

/* a removal longer than this is not one trtc_remove makes */
#define NGX_HTTP_TRTC_WATCH_MAX_TIME  (366 * 86400)


struct ngx_http_trtc_watch_s {
    ngx_shm_zone_t         *zone;
    ngx_url_t               url;
    ngx_str_t               request;
    size_t                  sent;
    ngx_peer_connection_t   peer;
    ngx_event_t             retry;
    ngx_uint_t              head;       /* lines of the response's head */
    ngx_uint_t              body;       /* past the response's head */
    ngx_uint_t              skip;       /* in a line too long */
    size_t                  len;        /* of the line so far */
    u_char                  line[NGX_HTTP_TRTC_WATCH_LINE];
};


static void ngx_http_trtc_watch_connect(ngx_event_t *ev);
static void ngx_http_trtc_watch_write(ngx_event_t *wev);
static void ngx_http_trtc_watch_read(ngx_event_t *rev);
static ngx_int_t ngx_http_trtc_watch_line(ngx_http_trtc_watch_t *w,
    u_char *line, size_t len);
static void ngx_http_trtc_watch_event(ngx_http_trtc_watch_t *w, u_char *data,
    size_t len);
static void ngx_http_trtc_watch_close(ngx_http_trtc_watch_t *w);


/* "watch=unix:/path:/uri" or "watch=host:port/uri", for the zone */

ngx_http_trtc_watch_t *
ngx_http_trtc_watch_conf(ngx_conf_t *cf, ngx_str_t *arg, ngx_shm_zone_t *zone)
{
    u_char                 *p;
    ngx_http_trtc_watch_t  *w;

    w = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_watch_t));
    if (w == NULL) {
        return NULL;
    }

    w->zone = zone;
    w->url.url.data = arg->data + sizeof("watch=") - 1;
    w->url.url.len = arg->len - (sizeof("watch=") - 1);
    w->url.uri_part = 1;
    w->url.no_resolve = 1;

    if (ngx_parse_url(cf->pool, &w->url) != NGX_OK || w->url.naddrs == 0
        || w->url.uri.len == 0 || w->url.uri.data[0] != '/')
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid \"%V\"%s%s", arg,
                           w->url.err ? ": " : "",
                           w->url.err ? w->url.err : "");
        return NULL;
    }

    w->request.len = sizeof("GET  HTTP/1.0\r\nHost: localhost\r\n"
                            "Accept: text/event-stream\r\n\r\n") - 1
                     + w->url.uri.len;

    w->request.data = ngx_pnalloc(cf->pool, w->request.len);
    if (w->request.data == NULL) {
        return NULL;
    }

    p = ngx_sprintf(w->request.data, "GET %V HTTP/1.0\r\nHost: localhost\r\n"
                    "Accept: text/event-stream\r\n\r\n", &w->url.uri);

    w->request.len = p - w->request.data;

    return w;
}


/* the first worker watches; the others learn through the zone */

ngx_int_t
ngx_http_trtc_watch_start(ngx_cycle_t *cycle, ngx_array_t *watches)
{
    ngx_uint_t               i;
    ngx_http_trtc_watch_t  **w;

    if (watches == NULL || ngx_worker != 0
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    w = watches->elts;

    for (i = 0; i < watches->nelts; i++) {
        w[i]->retry.handler = ngx_http_trtc_watch_connect;
        w[i]->retry.data = w[i];
        w[i]->retry.log = cycle->log;
        w[i]->retry.cancelable = 1;

        ngx_http_trtc_watch_connect(&w[i]->retry);
    }

    return NGX_OK;
}


static void
ngx_http_trtc_watch_connect(ngx_event_t *ev)
{
    ngx_int_t               rc;
    ngx_connection_t       *c;
    ngx_http_trtc_watch_t  *w;

    w = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_memzero(&w->peer, sizeof(ngx_peer_connection_t));

    w->peer.sockaddr = w->url.addrs[0].sockaddr;
    w->peer.socklen = w->url.addrs[0].socklen;
    w->peer.name = &w->url.addrs[0].name;
    w->peer.get = ngx_event_get_peer;
    w->peer.log = ev->log;
    w->peer.log_error = NGX_ERROR_ERR;

    w->sent = 0;
    w->head = 0;
    w->body = 0;
    w->skip = 0;
    w->len = 0;

    rc = ngx_event_connect_peer(&w->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                      "trtc_removal_zone \"%V\": cannot watch %V",
                      &w->zone->shm.name, &w->url.url);
        ngx_http_trtc_watch_close(w);
        return;
    }

    c = w->peer.connection;
    c->data = w;
    c->read->handler = ngx_http_trtc_watch_read;
    c->write->handler = ngx_http_trtc_watch_write;

    /* a graceful stop closes it (ngx_close_idle_connections) */
    c->idle = 1;

    if (rc == NGX_AGAIN) {
        ngx_add_timer(c->write, NGX_HTTP_TRTC_WATCH_TIMEOUT);
        return;
    }

    ngx_http_trtc_watch_write(c->write);
}


static void
ngx_http_trtc_watch_write(ngx_event_t *wev)
{
    ssize_t                 n;
    ngx_connection_t       *c;
    ngx_http_trtc_watch_t  *w;

    c = wev->data;
    w = c->data;

    if (wev->timedout) {
        ngx_log_error(NGX_LOG_WARN, wev->log, NGX_ETIMEDOUT,
                      "trtc_removal_zone \"%V\": %V timed out",
                      &w->zone->shm.name, &w->url.url);
        ngx_http_trtc_watch_close(w);
        return;
    }

    if (wev->timer_set) {
        ngx_del_timer(wev);
    }

    while (w->sent < w->request.len) {
        n = c->send(c, w->request.data + w->sent, w->request.len - w->sent);

        if (n == NGX_AGAIN) {
            ngx_add_timer(wev, NGX_HTTP_TRTC_WATCH_TIMEOUT);

            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_trtc_watch_close(w);
            }

            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_trtc_watch_close(w);
            return;
        }

        w->sent += n;
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_http_trtc_watch_close(w);
    }
}


static void
ngx_http_trtc_watch_read(ngx_event_t *rev)
{
    u_char                 *p, *last, *lf;
    size_t                  n;
    ssize_t                 got;
    ngx_connection_t       *c;
    ngx_http_trtc_watch_t  *w;
    u_char                  buf[4096];

    c = rev->data;
    w = c->data;

    if (c->close) {
        ngx_http_trtc_watch_close(w);
        return;
    }

    for ( ;; ) {
        got = c->recv(c, buf, sizeof(buf));

        if (got == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_http_trtc_watch_close(w);
            }

            return;
        }

        if (got == NGX_ERROR || got == 0) {
            ngx_log_error(NGX_LOG_INFO, rev->log, 0,
                          "trtc_removal_zone \"%V\": %V closed",
                          &w->zone->shm.name, &w->url.url);
            ngx_http_trtc_watch_close(w);
            return;
        }

        p = buf;
        last = buf + got;

        while (p < last) {
            lf = ngx_strlchr(p, last, LF);
            n = (lf ? lf : last) - p;

            if (!w->skip && w->len + n <= NGX_HTTP_TRTC_WATCH_LINE) {
                ngx_memcpy(w->line + w->len, p, n);
                w->len += n;

            } else {
                w->skip = 1;
            }

            if (lf == NULL) {
                break;
            }

            if (!w->skip
                && ngx_http_trtc_watch_line(w, w->line, w->len) != NGX_OK)
            {
                ngx_http_trtc_watch_close(w);
                return;
            }

            w->skip = 0;
            w->len = 0;
            p = lf + 1;
        }
    }
}


/* a line of the response, LF gone: its head, then the events' lines */

static ngx_int_t
ngx_http_trtc_watch_line(ngx_http_trtc_watch_t *w, u_char *line, size_t len)
{
    if (len && line[len - 1] == CR) {
        len--;
    }

    if (!w->body) {
        if (w->head++ == 0
            && (len < 12 || ngx_strncmp(line, "HTTP/", 5) != 0
                || ngx_strncmp(line + 9, "200", 3) != 0))
        {
            ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                          "trtc_removal_zone \"%V\": %V answered \"%*s\"",
                          &w->zone->shm.name, &w->url.url,
                          ngx_min(len, 64), line);
            return NGX_ERROR;
        }

        if (len == 0) {
            w->body = 1;
        }

        return NGX_OK;
    }

    if (len > sizeof("data: ") - 1
        && ngx_strncmp(line, "data: ", sizeof("data: ") - 1) == 0)
    {
        ngx_http_trtc_watch_event(w, line + sizeof("data: ") - 1,
                                  len - (sizeof("data: ") - 1));
    }

    return NGX_OK;
}


static void
ngx_http_trtc_watch_event(ngx_http_trtc_watch_t *w, u_char *data, size_t len)
{
    size_t        klen, ulen;
    cJSON        *root, *room, *user, *until;
    time_t        now, t;
    trtc_room_t   r;
    u_char        key[NGX_HTTP_TRTC_REMOVAL_KEY_MAX];

    root = cJSON_ParseWithLength((char *) data, len);

    if (root == NULL) {
        return;
    }

    room = cJSON_GetObjectItemCaseSensitive(root, "room");
    user = cJSON_GetObjectItemCaseSensitive(root, "user");
    until = cJSON_GetObjectItemCaseSensitive(root, "until");

    ngx_memzero(&r, sizeof(trtc_room_t));
    now = ngx_time();

    if (!cJSON_IsString(user) || !cJSON_IsNumber(until)) {
        goto bad;
    }

    if (cJSON_IsNumber(room) && room->valuedouble >= 1
        && room->valuedouble <= TRTC_ROOMID_MAX
        && room->valuedouble == (double) (uint32_t) room->valuedouble)
    {
        r.ver = 0;
        r.roomid = (uint32_t) room->valuedouble;

    } else if (cJSON_IsString(room)
               && (r.len = (uint8_t) ngx_strlen(room->valuestring)) > 0
               && ngx_strlen(room->valuestring) <= TRTC_STRROOM_MAX)
    {
        r.ver = 1;
        ngx_memcpy(r.str, room->valuestring, r.len);

    } else {
        goto bad;
    }

    if (until->valuedouble < (double) now
        || until->valuedouble > (double) (now + NGX_HTTP_TRTC_WATCH_MAX_TIME))
    {
        cJSON_Delete(root);
        return;                 /* over already */
    }

    t = (time_t) until->valuedouble;
    ulen = ngx_strlen(user->valuestring);

    if (!(ulen == 1 && user->valuestring[0] == '*')
        && !trtc_userid_valid(user->valuestring, ulen))
    {
        goto bad;
    }

    klen = ngx_http_trtc_removal_key(&r, (u_char *) user->valuestring, ulen,
                                     key);

    if (klen) {
        (void) ngx_http_trtc_remove(w->zone, key, klen, t, ngx_cycle->log);
    }

    cJSON_Delete(root);
    return;

bad:

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "trtc_removal_zone \"%V\": an event that is no removal",
                  &w->zone->shm.name);

    cJSON_Delete(root);
}


static void
ngx_http_trtc_watch_close(ngx_http_trtc_watch_t *w)
{
    if (w->peer.connection) {
        ngx_close_connection(w->peer.connection);
        w->peer.connection = NULL;
    }

    if (!ngx_exiting && !ngx_terminate && !ngx_quit) {
        ngx_add_timer(&w->retry, NGX_HTTP_TRTC_WATCH_RETRY);
    }
}
