
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The verification cache: tokens verified before, by any worker, known
 * again by a digest, so that they are not inflated, parsed and HMAC'd
 * once more.  A shared memory zone with a red-black tree and an LRU
 * queue, fixed in size; a full zone drops its least recently used
 * entries.  An entry keeps the token's fields, not the token: the
 * clock and every location's checks are applied on each use.  Also the
 * "name:size" parser of the module's zones (this one and removals).
 */


#include "ngx_http_trtc_cache.h"


typedef ngx_http_trtc_zone_sh_t  ngx_http_trtc_cache_sh_t;


typedef struct {
    ngx_http_trtc_cache_sh_t     *sh;
    ngx_slab_pool_t              *shpool;
} ngx_http_trtc_cache_t;


/*
 * Laid over ngx_rbtree_node_t from its "color" on, as limit_req does.
 * The token's fields, compact: 16 bytes of the digest identify it (the
 * first 8 are the tree's key), as a second preimage of 128 bits would be
 * needed to take another's entry; numbers are TRTC's 32-bit ones; the
 * identifier and the string room follow, one after the other, their first
 * NGX_HTTP_TRTC_CACHE_INLINE bytes in the entry and the rest, if any, in
 * an allocation of its own.  The SDKAppID (the digest's salt names it)
 * and the userbuf's account (the identifier, as verified) are not kept.
 * An entry is 128 bytes of zone (the slab's size class) for a user id of
 * up to 32 bytes with a numeric room; the largest token (a 32-byte id, a
 * 64-byte room) takes 128 + 64.
 */

#define NGX_HTTP_TRTC_CACHE_USERBUF   0x01
#define NGX_HTTP_TRTC_CACHE_STRROOM   0x02

#define NGX_HTTP_TRTC_CACHE_DIGEST    16
#define NGX_HTTP_TRTC_CACHE_INLINE    32

typedef struct {
    u_char                        color;
    u_char                        key;          /* tok->key */
    u_char                        flags;
    u_char                        identifier_len;
    u_char                        strroom_len;
    u_char                        dummy[3];
    ngx_queue_t                   queue;
    u_char                        digest[NGX_HTTP_TRTC_CACHE_DIGEST
                                         - sizeof(ngx_rbtree_key_t)];
    uint32_t                      time;
    uint32_t                      expire;
    uint32_t                      roomid;
    uint32_t                      ub_expire;
    uint32_t                      privilege;
    uint32_t                      account_type;
    u_char                       *more;         /* the strings' rest */
    u_char                        data[NGX_HTTP_TRTC_CACHE_INLINE];
} ngx_http_trtc_cache_node_t;


#define ngx_http_trtc_cache_node(node)                                      \
    ((ngx_http_trtc_cache_node_t *) &(node)->color)


static ngx_int_t ngx_http_trtc_cache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_trtc_cache_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_rbtree_node_t *ngx_http_trtc_cache_lookup(
    ngx_http_trtc_cache_t *cache, u_char *digest);
static ngx_rbtree_node_t *ngx_http_trtc_cache_alloc(
    ngx_http_trtc_cache_t *cache, size_t size, size_t rest, u_char **more);
static ngx_uint_t ngx_http_trtc_cache_expire(ngx_http_trtc_cache_t *cache,
    ngx_uint_t n);
static time_t ngx_http_trtc_cache_expires(ngx_http_trtc_cache_node_t *cn);


/* trtc_auth_cache_zone name:size; */

char *
ngx_http_trtc_cache_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t              *value;
    ngx_shm_zone_t         *shm_zone;
    ngx_http_trtc_cache_t  *cache;

    value = cf->args->elts;

    cache = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_cache_t));
    if (cache == NULL) {
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_http_trtc_zone_add(cf, &value[1], &ngx_http_trtc_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_trtc_cache_init_zone;
    shm_zone->data = cache;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_trtc_cache_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_trtc_cache_t  *ocache = data;

    ngx_http_trtc_cache_t  *cache;

    cache = shm_zone->data;

    if (ocache) {
        cache->sh = ocache->sh;
        cache->shpool = ocache->shpool;
        return NGX_OK;
    }

    cache->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    /* a full zone is expected: it drops old entries */

    cache->sh = ngx_http_trtc_zone_init(shm_zone,
                                        sizeof(ngx_http_trtc_cache_sh_t),
                                        ngx_http_trtc_cache_insert,
                                        "trtc_auth_cache_zone");

    return cache->sh ? NGX_OK : NGX_ERROR;
}


static void
ngx_http_trtc_cache_insert(ngx_rbtree_node_t *temp, ngx_rbtree_node_t *node,
    ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t          **p;
    ngx_http_trtc_cache_node_t   *cn, *cnt;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            cn = ngx_http_trtc_cache_node(node);
            cnt = ngx_http_trtc_cache_node(temp);

            p = (ngx_memcmp(cn->digest, cnt->digest, sizeof(cn->digest)) < 0)
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


static ngx_rbtree_node_t *
ngx_http_trtc_cache_lookup(ngx_http_trtc_cache_t *cache, u_char *digest)
{
    ngx_int_t                    rc;
    ngx_rbtree_key_t             key;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_trtc_cache_node_t  *cn;

    ngx_memcpy(&key, digest, sizeof(ngx_rbtree_key_t));

    node = cache->sh->rbtree.root;
    sentinel = cache->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (key < node->key) {
            node = node->left;
            continue;
        }

        if (key > node->key) {
            node = node->right;
            continue;
        }

        cn = ngx_http_trtc_cache_node(node);

        rc = ngx_memcmp(digest + sizeof(ngx_rbtree_key_t), cn->digest,
                        sizeof(cn->digest));

        if (rc == 0) {
            return node;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


ngx_int_t
ngx_http_trtc_cache_get(ngx_shm_zone_t *zone, u_char *digest,
    uint32_t sdkappid, trtc_token_t *tok)
{
    size_t                       n;
    trtc_userbuf_t              *ub;
    ngx_rbtree_node_t           *node;
    ngx_http_trtc_cache_t       *cache;
    ngx_http_trtc_cache_node_t  *cn;
    u_char                       strings[TRTC_USERID_MAX
                                         + TRTC_STRROOM_MAX];

    cache = zone->data;

    ngx_shmtx_lock(&cache->shpool->mutex);

    node = ngx_http_trtc_cache_lookup(cache, digest);

    if (node == NULL) {
        ngx_shmtx_unlock(&cache->shpool->mutex);
        return NGX_DECLINED;
    }

    cn = ngx_http_trtc_cache_node(node);

    ngx_queue_remove(&cn->queue);
    ngx_queue_insert_head(&cache->sh->queue, &cn->queue);

    ngx_memzero(tok, sizeof(trtc_token_t));

    n = cn->identifier_len + cn->strroom_len;

    if (n <= NGX_HTTP_TRTC_CACHE_INLINE) {
        ngx_memcpy(strings, cn->data, n);

    } else {
        ngx_memcpy(strings, cn->data, NGX_HTTP_TRTC_CACHE_INLINE);
        ngx_memcpy(strings + NGX_HTTP_TRTC_CACHE_INLINE, cn->more,
                   n - NGX_HTTP_TRTC_CACHE_INLINE);
    }

    tok->sdkappid = sdkappid;
    tok->key = cn->key;
    tok->identifier_len = cn->identifier_len;
    ngx_memcpy(tok->identifier, strings, cn->identifier_len);
    tok->time = cn->time;
    tok->expire = cn->expire;

    if (cn->flags & NGX_HTTP_TRTC_CACHE_USERBUF) {
        ub = &tok->userbuf;

        tok->has_userbuf = 1;
        ub->ver = (cn->flags & NGX_HTTP_TRTC_CACHE_STRROOM) ? 1 : 0;
        ub->sdkappid = sdkappid;
        ub->roomid = cn->roomid;
        ub->expire = cn->ub_expire;
        ub->privilege = cn->privilege;
        ub->account_type = cn->account_type;
        ub->account_len = cn->identifier_len;
        ngx_memcpy(ub->account, strings, cn->identifier_len);
        ub->strroom_len = cn->strroom_len;
        ngx_memcpy(ub->strroom, strings + cn->identifier_len,
                   cn->strroom_len);
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return NGX_OK;
}


ngx_uint_t
ngx_http_trtc_cache_put(ngx_shm_zone_t *zone, u_char *digest,
    trtc_token_t *tok)
{
    u_char                      *more;
    size_t                       size, room_len, n, rest;
    ngx_uint_t                   evicted;
    ngx_rbtree_node_t           *node;
    ngx_http_trtc_cache_t       *cache;
    ngx_http_trtc_cache_node_t  *cn;
    u_char                       strings[TRTC_USERID_MAX
                                         + TRTC_STRROOM_MAX];

    cache = zone->data;

    /* what the compact form cannot hold is not cached (none such is
     * verified: trtc_verify's bounds) */

    if (tok->time < 0 || tok->time > (int64_t) TRTC_NUMBER_MAX
        || tok->expire < 0 || tok->expire > (int64_t) TRTC_NUMBER_MAX
        || tok->identifier_len > TRTC_USERID_MAX
        || (tok->has_userbuf
            && (tok->userbuf.strroom_len > TRTC_STRROOM_MAX
                || tok->userbuf.ver > 1)))
    {
        return 0;
    }

    room_len = tok->has_userbuf ? tok->userbuf.strroom_len : 0;

    ngx_memcpy(strings, tok->identifier, tok->identifier_len);
    ngx_memcpy(strings + tok->identifier_len, tok->userbuf.strroom,
               room_len);

    n = tok->identifier_len + room_len;
    rest = (n > NGX_HTTP_TRTC_CACHE_INLINE) ? n - NGX_HTTP_TRTC_CACHE_INLINE
                                            : 0;

    size = offsetof(ngx_rbtree_node_t, color)
           + offsetof(ngx_http_trtc_cache_node_t, data) + n - rest;

    ngx_shmtx_lock(&cache->shpool->mutex);

    /* another worker may have put it meanwhile */

    if (ngx_http_trtc_cache_lookup(cache, digest)) {
        ngx_shmtx_unlock(&cache->shpool->mutex);
        return 0;
    }

    (void) ngx_http_trtc_cache_expire(cache, 0);

    evicted = 0;

    node = ngx_http_trtc_cache_alloc(cache, size, rest, &more);

    if (node == NULL) {
        evicted = ngx_http_trtc_cache_expire(cache, 16);

        node = ngx_http_trtc_cache_alloc(cache, size, rest, &more);

        if (node == NULL) {
            ngx_shmtx_unlock(&cache->shpool->mutex);
            return evicted;
        }
    }

    cn = ngx_http_trtc_cache_node(node);

    ngx_memcpy(&node->key, digest, sizeof(ngx_rbtree_key_t));
    ngx_memcpy(cn->digest, digest + sizeof(ngx_rbtree_key_t),
               sizeof(cn->digest));

    cn->key = tok->key;
    cn->flags = 0;
    cn->identifier_len = tok->identifier_len;
    cn->strroom_len = (u_char) room_len;
    cn->time = (uint32_t) tok->time;
    cn->expire = (uint32_t) tok->expire;
    cn->roomid = 0;
    cn->ub_expire = 0;
    cn->privilege = 0;
    cn->account_type = 0;

    if (tok->has_userbuf) {
        cn->flags = NGX_HTTP_TRTC_CACHE_USERBUF
                    | (tok->userbuf.ver ? NGX_HTTP_TRTC_CACHE_STRROOM : 0);
        cn->roomid = tok->userbuf.roomid;
        cn->ub_expire = tok->userbuf.expire;
        cn->privilege = tok->userbuf.privilege;
        cn->account_type = tok->userbuf.account_type;
    }

    cn->more = more;
    ngx_memcpy(cn->data, strings, n - rest);

    if (rest) {
        ngx_memcpy(more, strings + NGX_HTTP_TRTC_CACHE_INLINE, rest);
    }

    ngx_rbtree_insert(&cache->sh->rbtree, node);
    ngx_queue_insert_head(&cache->sh->queue, &cn->queue);

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return evicted;
}


/* an entry of size bytes and, with rest, the allocation of its strings'
 * rest; both or neither */

static ngx_rbtree_node_t *
ngx_http_trtc_cache_alloc(ngx_http_trtc_cache_t *cache, size_t size,
    size_t rest, u_char **more)
{
    ngx_rbtree_node_t  *node;

    *more = NULL;

    node = ngx_slab_alloc_locked(cache->shpool, size);

    if (node == NULL || rest == 0) {
        return node;
    }

    *more = ngx_slab_alloc_locked(cache->shpool, rest);

    if (*more == NULL) {
        ngx_slab_free_locked(cache->shpool, node);
        return NULL;
    }

    return node;
}


/*
 * Drops up to two expired entries from the LRU end, as any insert does;
 * with n, also the n least recently used, to make room.  Returns how many
 * of those were still valid (evicted).
 */

static ngx_uint_t
ngx_http_trtc_cache_expire(ngx_http_trtc_cache_t *cache, ngx_uint_t n)
{
    time_t                       now;
    ngx_uint_t                   i, evicted;
    ngx_queue_t                 *q;
    ngx_rbtree_node_t           *node;
    ngx_http_trtc_cache_node_t  *cn;

    now = ngx_time();
    evicted = 0;

    for (i = 0; i < n + 2; i++) {

        if (ngx_queue_empty(&cache->sh->queue)) {
            break;
        }

        q = ngx_queue_last(&cache->sh->queue);
        cn = ngx_queue_data(q, ngx_http_trtc_cache_node_t, queue);

        if (ngx_http_trtc_cache_expires(cn) >= now) {
            if (i >= n) {
                break;
            }

            evicted++;
        }

        ngx_queue_remove(q);

        node = (ngx_rbtree_node_t *)
                   ((u_char *) cn - offsetof(ngx_rbtree_node_t, color));

        ngx_rbtree_delete(&cache->sh->rbtree, node);

        if (cn->more) {
            ngx_slab_free_locked(cache->shpool, cn->more);
        }

        ngx_slab_free_locked(cache->shpool, node);
    }

    return evicted;
}


/* when the token stops being valid (trtc_expires() of the fields) */

static time_t
ngx_http_trtc_cache_expires(ngx_http_trtc_cache_node_t *cn)
{
    time_t  expires;

    expires = (time_t) cn->time + cn->expire;

    if ((cn->flags & NGX_HTTP_TRTC_CACHE_USERBUF)
        && (time_t) cn->ub_expire < expires)
    {
        expires = cn->ub_expire;
    }

    return expires;
}


/* a shared memory zone of the module: "name:size" as the argument */

ngx_shm_zone_t *
ngx_http_trtc_zone_add(ngx_conf_t *cf, ngx_str_t *arg, void *tag)
{
    u_char          *p;
    ssize_t          size;
    ngx_str_t        name, s;
    ngx_shm_zone_t  *shm_zone;

    p = (u_char *) ngx_strchr(arg->data, ':');

    if (p == NULL || p == arg->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone \"%V\", expected name:size", arg);
        return NULL;
    }

    name.data = arg->data;
    name.len = p - arg->data;

    s.data = p + 1;
    s.len = arg->data + arg->len - s.data;

    size = ngx_parse_size(&s);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid zone size \"%V\"",
                           arg);
        return NULL;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "zone \"%V\" is too small",
                           arg);
        return NULL;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size, tag);
    if (shm_zone == NULL) {
        return NULL;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "duplicate zone \"%V\"",
                           &name);
        return NULL;
    }

    return shm_zone;
}


/*
 * A zone's own structure at the start of its slab pool, which begins
 * with a tree and a queue (ngx_http_trtc_zone_sh_t): made and zeroed in
 * a new zone, found again in one that survived a reload.  A full zone is
 * expected (each drops old entries), so the slab logs no allocation
 * failure of its own.
 */

void *
ngx_http_trtc_zone_init(ngx_shm_zone_t *shm_zone, size_t size,
    ngx_rbtree_insert_pt insert, char *directive)
{
    size_t                    len;
    ngx_slab_pool_t          *shpool;
    ngx_http_trtc_zone_sh_t  *sh;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        return shpool->data;
    }

    sh = ngx_slab_calloc(shpool, size);
    if (sh == NULL) {
        return NULL;
    }

    shpool->data = sh;

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel, insert);
    ngx_queue_init(&sh->queue);

    len = sizeof(" in  \"\"") + ngx_strlen(directive) + shm_zone->shm.name.len;

    shpool->log_ctx = ngx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return NULL;
    }

    ngx_sprintf(shpool->log_ctx, " in %s \"%V\"%Z", directive,
                &shm_zone->shm.name);

    shpool->log_nomem = 0;

    return sh;
}


/*
 * trtc_auth_cache, trtc_removal: "name" or "off", a zone of the kind of
 * the command's post (its tag), defined here or later in the file
 */

char *
ngx_http_trtc_zone_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t        *value;
    ngx_shm_zone_t  **zone;

    zone = (ngx_shm_zone_t **) (p + cmd->offset);

    if (*zone != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        *zone = NULL;
        return NGX_CONF_OK;
    }

    *zone = ngx_shared_memory_add(cf, &value[1], 0, cmd->post);
    if (*zone == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
