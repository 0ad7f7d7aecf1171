
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Removals: a room's host (a PrivateMapKey with the create bit) removes
 * a member, or everyone (the room ends), for a time.  A shared memory
 * zone (trtc_removal_zone) holds, by room and user ("*": everyone), the
 * time until which their tokens are refused: by trtc_auth ("removed"),
 * by trtc_issue (no token for that room), and by the connections open
 * already (ngx_http_trtc_session.c closes them when the zone changes).
 *
 * trtc_remove answers a host's request with the removal it made, as
 * JSON, so that nchan can carry it to the other servers
 * (ngx_http_trtc_watch.c takes it in there).
 *
 * Touches: the zone (under its mutex); the error log when it is full.
 */


#include "ngx_http_trtc_module.h"


typedef struct {
    ngx_http_trtc_zone_sh_t       tree;       /* the queue: newest first */
    ngx_atomic_t                  version;    /* one more each change */
} ngx_http_trtc_removal_sh_t;


struct ngx_http_trtc_removal_s {
    ngx_http_trtc_removal_sh_t   *sh;
    ngx_slab_pool_t              *shpool;
};


/* laid over ngx_rbtree_node_t from its "color" on, as limit_req does */

typedef struct {
    u_char                        color;
    u_char                        len;        /* of data */
    u_char                        dummy[2];
    time_t                        until;
    ngx_queue_t                   queue;
    u_char                        data[1];    /* the key */
} ngx_http_trtc_removal_node_t;


#define ngx_http_trtc_removal_node(node)                                    \
    ((ngx_http_trtc_removal_node_t *) &(node)->color)


static ngx_int_t ngx_http_trtc_removal_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_trtc_removal_insert_node(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_trtc_removal_node_t *ngx_http_trtc_removal_lookup(
    ngx_http_trtc_removal_t *rm, u_char *key, size_t len, uint32_t hash);
static void ngx_http_trtc_removal_expire(ngx_http_trtc_removal_t *rm,
    ngx_uint_t full);
static void ngx_http_trtc_removal_free(ngx_http_trtc_removal_t *rm,
    ngx_http_trtc_removal_node_t *rn);
static ngx_int_t ngx_http_trtc_remove_value(ngx_http_request_t *r,
    ngx_http_complex_value_t *cv, ngx_str_t *value);


/* the removal zones' tag, apart from the cache's (the module itself) */
ngx_uint_t  ngx_http_trtc_removal_tag;


/* trtc_removal_zone name:size [watch=address:uri]; */

char *
ngx_http_trtc_removal_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t                   *value;
    ngx_shm_zone_t              *shm_zone;
    ngx_http_trtc_watch_t      **w;
    ngx_http_trtc_removal_t     *rm;
    ngx_http_trtc_main_conf_t   *tmcf;

    value = cf->args->elts;

    rm = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_removal_t));
    if (rm == NULL) {
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_http_trtc_zone_add(cf, &value[1],
                                      &ngx_http_trtc_removal_tag);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_trtc_removal_init_zone;
    shm_zone->data = rm;

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[2].data, "watch=", sizeof("watch=") - 1) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                           &value[2]);
        return NGX_CONF_ERROR;
    }

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);

    if (tmcf->watches == NULL) {
        tmcf->watches = ngx_array_create(cf->pool, 1,
                                         sizeof(ngx_http_trtc_watch_t *));
        if (tmcf->watches == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    w = ngx_array_push(tmcf->watches);
    if (w == NULL) {
        return NGX_CONF_ERROR;
    }

    *w = ngx_http_trtc_watch_conf(cf, &value[2], shm_zone);
    if (*w == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* trtc_remove user [time]; the location's content handler */

char *
ngx_http_trtc_remove_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    ngx_str_t                         *value;
    ngx_uint_t                         i;
    ngx_http_core_loc_conf_t          *clcf;
    ngx_http_complex_value_t         **cv;
    ngx_http_compile_complex_value_t   ccv;

    if (tlcf->remove.user) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        cv = (i == 1) ? &tlcf->remove.user : &tlcf->remove.time;

        *cv = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (*cv == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[i];
        ccv.complex_value = *cv;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_trtc_remove_handler;

    return NGX_CONF_OK;
}


/*
 * The key of a member of a room: the room's kind and text, LF, and the
 * user id or "*"; 0 when it does not fit
 */

size_t
ngx_http_trtc_removal_key(trtc_room_t *room, u_char *user, size_t len,
    u_char *key)
{
    u_char  *p;
    size_t   n;

    if (len == 0 || len > TRTC_USERID_MAX) {
        return 0;
    }

    key[0] = (u_char) ('0' + room->ver);
    n = trtc_room_text(room, (char *) key + 1);

    if (n == 0) {
        return 0;
    }

    p = key + 1 + n;
    *p++ = LF;
    p = ngx_cpymem(p, user, len);

    return p - key;
}


/*
 * Until when the member (key) or everyone in its room is removed: the
 * later of the two, 0 when neither is
 */

time_t
ngx_http_trtc_removed(ngx_shm_zone_t *zone, u_char *key, size_t len)
{
    u_char                        *lf;
    size_t                         room_len;
    time_t                         until, now;
    ngx_http_trtc_removal_t       *rm;
    ngx_http_trtc_removal_node_t  *rn;
    u_char                         all[NGX_HTTP_TRTC_REMOVAL_KEY_MAX];

    rm = zone->data;
    now = ngx_time();
    until = 0;

    lf = ngx_strlchr(key, key + len, LF);
    if (lf == NULL) {
        return 0;
    }

    room_len = lf - key + 1;
    ngx_memcpy(all, key, room_len);
    all[room_len] = '*';

    ngx_shmtx_lock(&rm->shpool->mutex);

    rn = ngx_http_trtc_removal_lookup(rm, key, len, ngx_crc32_short(key, len));

    if (rn && rn->until >= now) {
        until = rn->until;
    }

    rn = ngx_http_trtc_removal_lookup(rm, all, room_len + 1,
                                      ngx_crc32_short(all, room_len + 1));

    if (rn && rn->until >= now && rn->until > until) {
        until = rn->until;
    }

    ngx_shmtx_unlock(&rm->shpool->mutex);

    return until;
}


/*
 * Removes the member (key) until then, or keeps a later removal made
 * already.  A full zone loses its expired entries, then its oldest,
 * with an error: a removal that is dropped no longer holds.
 */

ngx_int_t
ngx_http_trtc_remove(ngx_shm_zone_t *zone, u_char *key, size_t len,
    time_t until, ngx_log_t *log)
{
    size_t                         n;
    uint32_t                       hash;
    ngx_uint_t                     tries;
    ngx_rbtree_node_t             *node;
    ngx_http_trtc_removal_t       *rm;
    ngx_http_trtc_removal_node_t  *rn;

    rm = zone->data;
    hash = ngx_crc32_short(key, len);

    ngx_shmtx_lock(&rm->shpool->mutex);

    ngx_http_trtc_removal_expire(rm, 0);

    rn = ngx_http_trtc_removal_lookup(rm, key, len, hash);

    if (rn) {
        if (rn->until < until) {
            rn->until = until;
            ngx_queue_remove(&rn->queue);
            ngx_queue_insert_head(&rm->sh->tree.queue, &rn->queue);
        }

        goto done;
    }

    n = offsetof(ngx_rbtree_node_t, color)
        + offsetof(ngx_http_trtc_removal_node_t, data) + len;

    for (tries = 0; /* void */; tries++) {
        node = ngx_slab_alloc_locked(rm->shpool, n);

        if (node || tries == 8) {
            break;
        }

        if (tries == 0) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "trtc_removal_zone \"%V\" is full: the oldest "
                          "removals are dropped", &zone->shm.name);
        }

        ngx_http_trtc_removal_expire(rm, 1);
    }

    if (node == NULL) {
        ngx_shmtx_unlock(&rm->shpool->mutex);
        return NGX_ERROR;
    }

    node->key = hash;

    rn = ngx_http_trtc_removal_node(node);
    rn->len = (u_char) len;
    rn->until = until;
    ngx_memcpy(rn->data, key, len);

    ngx_rbtree_insert(&rm->sh->tree.rbtree, node);
    ngx_queue_insert_head(&rm->sh->tree.queue, &rn->queue);

done:

    (void) ngx_atomic_fetch_add(&rm->sh->version, 1);

    ngx_shmtx_unlock(&rm->shpool->mutex);

    return NGX_OK;
}


/* the zone's changes so far, for the sessions that watch it */

ngx_atomic_uint_t
ngx_http_trtc_removal_version(ngx_shm_zone_t *zone)
{
    ngx_http_trtc_removal_t  *rm = zone->data;

    return rm->sh->version;
}


/*
 * trtc_remove user [time];  a content handler for a host: POST removes
 * the user ("*": everyone) from the room of the request's verified
 * PrivateMapKey, which must have the create bit, for time seconds (by
 * default and at most the host token's lifetime).  The answer is the
 * removal, {"room":..,"user":..,"until":..}, which nchan may publish.
 */

ngx_int_t
ngx_http_trtc_remove_handler(ngx_http_request_t *r)
{
    u_char                    *body, *p;
    size_t                     len;
    time_t                     until, now;
    ngx_int_t                  rc, secs;
    ngx_str_t                  user, t;
    trtc_room_t                room;
    trtc_token_t              *tok;
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_loc_conf_t  *tlcf;
    u_char                     key[NGX_HTTP_TRTC_REMOVAL_KEY_MAX];

    rc = ngx_http_trtc_read_nothing(r, NGX_HTTP_POST);
    if (rc != NGX_OK) {
        return rc;
    }

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx == NULL || ctx->reason != TRTC_OK || !ctx->token.has_userbuf
        || !(ctx->token.userbuf.privilege & TRTC_PRIV_CREATE))
    {
        return ngx_http_trtc_send_error(r, NGX_HTTP_FORBIDDEN, "not_host");
    }

    tok = &ctx->token;

    if (ngx_http_trtc_remove_value(r, tlcf->remove.user, &user) != NGX_OK
        || ngx_http_trtc_remove_value(r, tlcf->remove.time, &t) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!(user.len == 1 && user.data[0] == '*')
        && !trtc_userid_valid((char *) user.data, user.len))
    {
        return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST, "bad_user");
    }

    secs = (ngx_int_t) tok->expire;

    if (t.len) {
        secs = ngx_atoi(t.data, t.len);

        if (secs <= 0 || secs > (ngx_int_t) tok->expire) {
            return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST,
                                            "bad_time");
        }
    }

    trtc_room_of(&tok->userbuf, &room);

    len = ngx_http_trtc_removal_key(&room, user.data, user.len, key);
    if (len == 0) {
        return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST, "bad_user");
    }

    now = ngx_time();
    until = now + secs;

    if (ngx_http_trtc_remove(tlcf->removal, key, len, until,
                             r->connection->log)
        != NGX_OK)
    {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "trtc: \"%s\" removed \"%V\" for %i s", tok->identifier,
                  &user, secs);

    body = ngx_pnalloc(r->pool, sizeof("{\"room\":,\"user\":\"\","
                                       "\"until\":}")
                                + 6 * TRTC_ROOM_TEXT_MAX + 2
                                + TRTC_USERID_MAX + NGX_TIME_T_LEN);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(body, "{\"room\":", sizeof("{\"room\":") - 1);
    p = ngx_http_trtc_json_room(p, &room);
    p = ngx_sprintf(p, ",\"user\":\"%V\",\"until\":%T}", &user, until);

    return ngx_http_trtc_send_json(r, NGX_HTTP_OK, body, p - body);
}


static ngx_int_t
ngx_http_trtc_remove_value(ngx_http_request_t *r,
    ngx_http_complex_value_t *cv, ngx_str_t *value)
{
    if (cv == NULL) {
        ngx_str_null(value);
        return NGX_OK;
    }

    return ngx_http_complex_value(r, cv, value);
}


/* ---- the zone ---- */

static ngx_int_t
ngx_http_trtc_removal_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_trtc_removal_t  *orm = data;

    ngx_http_trtc_removal_t  *rm;

    rm = shm_zone->data;

    if (orm) {
        rm->sh = orm->sh;
        rm->shpool = orm->shpool;
        return NGX_OK;
    }

    rm->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    rm->sh = ngx_http_trtc_zone_init(shm_zone,
                                     sizeof(ngx_http_trtc_removal_sh_t),
                                     ngx_http_trtc_removal_insert_node,
                                     "trtc_removal_zone");

    return rm->sh ? NGX_OK : NGX_ERROR;
}


static void
ngx_http_trtc_removal_insert_node(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t             **p;
    ngx_http_trtc_removal_node_t   *rn, *rnt;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            rn = ngx_http_trtc_removal_node(node);
            rnt = ngx_http_trtc_removal_node(temp);

            p = (ngx_memn2cmp(rn->data, rnt->data, rn->len, rnt->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_http_trtc_removal_node_t *
ngx_http_trtc_removal_lookup(ngx_http_trtc_removal_t *rm, u_char *key,
    size_t len, uint32_t hash)
{
    ngx_int_t                      rc;
    ngx_rbtree_node_t             *node, *sentinel;
    ngx_http_trtc_removal_node_t  *rn;

    node = rm->sh->tree.rbtree.root;
    sentinel = rm->sh->tree.rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        rn = ngx_http_trtc_removal_node(node);

        rc = ngx_memn2cmp(key, rn->data, len, rn->len);

        if (rc == 0) {
            return rn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/*
 * Frees expired entries from the queue's tail (the oldest changed; a
 * removal made longer moves to the head).  A full zone ("full") frees
 * every expired entry, or else the oldest, expired or not.
 */

static void
ngx_http_trtc_removal_expire(ngx_http_trtc_removal_t *rm, ngx_uint_t full)
{
    time_t                         now;
    ngx_uint_t                     n, freed;
    ngx_queue_t                   *q, *prev;
    ngx_http_trtc_removal_node_t  *rn;

    now = ngx_time();

    if (!full) {
        for (n = 0; n < 16 && !ngx_queue_empty(&rm->sh->tree.queue); n++) {
            q = ngx_queue_last(&rm->sh->tree.queue);
            rn = ngx_queue_data(q, ngx_http_trtc_removal_node_t, queue);

            if (rn->until >= now) {
                return;
            }

            ngx_http_trtc_removal_free(rm, rn);
        }

        return;
    }

    freed = 0;

    for (q = ngx_queue_last(&rm->sh->tree.queue);
         q != ngx_queue_sentinel(&rm->sh->tree.queue);
         q = prev)
    {
        prev = ngx_queue_prev(q);
        rn = ngx_queue_data(q, ngx_http_trtc_removal_node_t, queue);

        if (rn->until < now) {
            ngx_http_trtc_removal_free(rm, rn);
            freed++;
        }
    }

    if (freed == 0 && !ngx_queue_empty(&rm->sh->tree.queue)) {
        q = ngx_queue_last(&rm->sh->tree.queue);
        ngx_http_trtc_removal_free(rm, ngx_queue_data(q,
                                       ngx_http_trtc_removal_node_t, queue));
    }
}


static void
ngx_http_trtc_removal_free(ngx_http_trtc_removal_t *rm,
    ngx_http_trtc_removal_node_t *rn)
{
    ngx_rbtree_node_t  *node;

    ngx_queue_remove(&rn->queue);

    node = (ngx_rbtree_node_t *)
               ((u_char *) rn - offsetof(ngx_rbtree_node_t, color));

    ngx_rbtree_delete(&rm->sh->tree.rbtree, node);
    ngx_slab_free_locked(rm->shpool, node);
}
