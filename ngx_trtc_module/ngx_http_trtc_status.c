
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * trtc_status: the module's counters, and the location that reports
 * them, as stub_status does nginx's.  The counters live in a shared
 * memory zone of their own, "trtc_status", which the first trtc_status
 * of the configuration adds: all workers count into it, and a reload
 * keeps it (its size never changes).  Without a trtc_status anywhere
 * nothing is counted.
 *
 * Counted: each verification of a location that uses the token
 * (trtc_auth, trtc_stamp, trtc_janus, trtc_remove) by its result, "ok"
 * or the reason of the refusal; the verification cache's hits, misses
 * and evictions; the tokens issued, by kind; and per key, the tokens each
 * key verified (its signature and its time checked), so that an operator
 * rotating keys sees when the old one stops being used.  A key is named
 * by its id, the first 4 bytes of its fingerprint (trtc_key_fingerprint:
 * an HMAC of a label, which tells nothing of the key), and by the key
 * files of the configuration that hold it.
 *
 * The report is Prometheus's text format, or JSON with ?format=json.
 *
 * Touches: the shared zone "trtc_status", the response.
 */


#include "ngx_http_trtc_module.h"


/* keys counted apart; more are counted together as "other" */
#define NGX_HTTP_TRTC_STATUS_KEYS     64

/* changes when the structure below does: a reload that loads another
 * build of the module starts the counters again */
#define NGX_HTTP_TRTC_STATUS_LAYOUT                                         \
    (0x74730000 + TRTC_ERR_LAST * 256 + NGX_HTTP_TRTC_STATUS_KEYS)


typedef struct {
    ngx_atomic_t                   id;      /* 0: a free slot */
    ngx_atomic_t                   verified;
} ngx_http_trtc_key_stat_t;


typedef struct {
    ngx_atomic_uint_t              layout;
    ngx_atomic_t                   results[TRTC_ERR_LAST];
    ngx_atomic_t                   hits;
    ngx_atomic_t                   misses;
    ngx_atomic_t                   evictions;
    ngx_atomic_t                   issued[NGX_HTTP_TRTC_ISSUED_LAST];
    ngx_atomic_t                   other_keys;
    ngx_http_trtc_key_stat_t       keys[NGX_HTTP_TRTC_STATUS_KEYS];
} ngx_http_trtc_stats_t;


static ngx_int_t ngx_http_trtc_status_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_trtc_status_handler(ngx_http_request_t *r);
static void ngx_http_trtc_count_key(ngx_http_trtc_stats_t *stats,
    uint32_t id);
static ngx_str_t *ngx_http_trtc_key_path(ngx_http_trtc_main_conf_t *tmcf,
    uint32_t id);
static u_char *ngx_http_trtc_status_prometheus(u_char *p,
    ngx_http_trtc_main_conf_t *tmcf, ngx_http_trtc_stats_t *stats);
static u_char *ngx_http_trtc_status_json(u_char *p,
    ngx_http_trtc_main_conf_t *tmcf, ngx_http_trtc_stats_t *stats);
static u_char *ngx_http_trtc_prometheus_label(u_char *p, ngx_str_t *s);


static ngx_uint_t  ngx_http_trtc_status_tag;


static char  *ngx_http_trtc_issued_kinds[] = {
    "usersig", "privatemapkey", "turn", "janus"
};


char *
ngx_http_trtc_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t                   name;
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_trtc_main_conf_t  *tmcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == ngx_http_trtc_status_handler) {
        return "is duplicate";
    }

    if (clcf->handler) {
        return "conflicts with another content handler in this location";
    }

    clcf->handler = ngx_http_trtc_status_handler;

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);

    if (tmcf->status) {
        return NGX_CONF_OK;
    }

    ngx_str_set(&name, "trtc_status");

    tmcf->status = ngx_shared_memory_add(cf, &name, 8 * ngx_pagesize,
                                         &ngx_http_trtc_status_tag);
    if (tmcf->status == NULL) {
        return NGX_CONF_ERROR;
    }

    tmcf->status->init = ngx_http_trtc_status_init_zone;

    return NGX_CONF_OK;
}


/* the counters of the zone a reload kept, or new ones */

static ngx_int_t
ngx_http_trtc_status_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_trtc_stats_t  *old = data;

    ngx_slab_pool_t        *shpool;
    ngx_http_trtc_stats_t  *stats;

    if (old && old->layout == NGX_HTTP_TRTC_STATUS_LAYOUT) {
        shm_zone->data = old;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    stats = ngx_slab_calloc(shpool, sizeof(ngx_http_trtc_stats_t));
    if (stats == NULL) {
        return NGX_ERROR;
    }

    stats->layout = NGX_HTTP_TRTC_STATUS_LAYOUT;

    shpool->data = stats;
    shm_zone->data = stats;

    return NGX_OK;
}


/* a key's id: the first 4 bytes of its fingerprint, never 0 */

uint32_t
ngx_http_trtc_key_id(trtc_key_t *key)
{
    uint32_t  id;
    u_char    fp[TRTC_SIG_LEN];

    if (trtc_key_fingerprint(key, fp) != 0) {
        return 0;
    }

    id = ((uint32_t) fp[0] << 24) | ((uint32_t) fp[1] << 16)
         | ((uint32_t) fp[2] << 8) | fp[3];

    return id ? id : 1;
}


static ngx_inline ngx_http_trtc_stats_t *
ngx_http_trtc_stats(ngx_http_request_t *r)
{
    ngx_http_trtc_main_conf_t  *tmcf;

    tmcf = ngx_http_get_module_main_conf(r, ngx_http_trtc_module);

    return tmcf->status ? tmcf->status->data : NULL;
}


/*
 * A verification of the location's token: its result, what the cache
 * did, and the key that verified it (key: its index in the location's
 * keys, or -1 where no key did)
 */

void
ngx_http_trtc_count_verified(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, ngx_http_trtc_ctx_t *ctx, ngx_int_t key,
    ngx_uint_t evicted)
{
    uint32_t               *ids;
    ngx_http_trtc_stats_t  *stats;

    stats = ngx_http_trtc_stats(r);

    if (stats == NULL) {
        return;
    }

    (void) ngx_atomic_fetch_add(&stats->results[ctx->reason], 1);

    if (ctx->cache == NGX_HTTP_TRTC_CACHE_HIT) {
        (void) ngx_atomic_fetch_add(&stats->hits, 1);

    } else if (ctx->cache == NGX_HTTP_TRTC_CACHE_MISS) {
        (void) ngx_atomic_fetch_add(&stats->misses, 1);
    }

    if (evicted) {
        (void) ngx_atomic_fetch_add(&stats->evictions, evicted);
    }

    if (key >= 0 && tlcf->key_ids && (ngx_uint_t) key < tlcf->key_ids->nelts)
    {
        ids = tlcf->key_ids->elts;
        ngx_http_trtc_count_key(stats, ids[key]);
    }
}


void
ngx_http_trtc_count_issued(ngx_http_request_t *r, ngx_http_trtc_issued_e kind)
{
    ngx_http_trtc_stats_t  *stats;

    stats = ngx_http_trtc_stats(r);

    if (stats) {
        (void) ngx_atomic_fetch_add(&stats->issued[kind], 1);
    }
}


/* the key's slot: found, or taken where free, by any worker */

static void
ngx_http_trtc_count_key(ngx_http_trtc_stats_t *stats, uint32_t id)
{
    ngx_uint_t                 i;
    ngx_http_trtc_key_stat_t  *ks;

    for (i = 0; i < NGX_HTTP_TRTC_STATUS_KEYS; i++) {
        ks = &stats->keys[i];

        if (ks->id == 0) {
            (void) ngx_atomic_cmp_set(&ks->id, 0, id);
        }

        if (ks->id == id) {
            (void) ngx_atomic_fetch_add(&ks->verified, 1);
            return;
        }
    }

    (void) ngx_atomic_fetch_add(&stats->other_keys, 1);
}


static ngx_int_t
ngx_http_trtc_status_handler(ngx_http_request_t *r)
{
    size_t                      len, path;
    u_char                     *body, *p;
    ngx_int_t                   rc;
    ngx_str_t                   format, type;
    ngx_uint_t                  i, json;
    ngx_http_trtc_stats_t      *stats;
    ngx_http_trtc_key_file_t   *kf;
    ngx_http_trtc_main_conf_t  *tmcf;

    rc = ngx_http_trtc_read_nothing(r, NGX_HTTP_GET|NGX_HTTP_HEAD);
    if (rc != NGX_OK) {
        return rc;
    }

    json = 0;

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK) {

        if (format.len == 4 && ngx_strncmp(format.data, "json", 4) == 0) {
            json = 1;

        } else if (format.len != 10
                   || ngx_strncmp(format.data, "prometheus", 10) != 0)
        {
            return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST,
                                            "bad_format");
        }
    }

    tmcf = ngx_http_get_module_main_conf(r, ngx_http_trtc_module);
    stats = tmcf->status->data;

    /* the longest key file path, escaped as JSON escapes it (at most 6
     * bytes a byte), on each key's line */

    path = 0;

    if (tmcf->key_files) {
        kf = tmcf->key_files->elts;

        for (i = 0; i < tmcf->key_files->nelts; i++) {
            path = ngx_max(path, kf[i].path.len);
        }
    }

    len = 4096 + TRTC_ERR_LAST * (64 + NGX_ATOMIC_T_LEN)
          + (NGX_HTTP_TRTC_STATUS_KEYS + 1)
            * (128 + NGX_ATOMIC_T_LEN + 6 * path);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (json) {
        p = ngx_http_trtc_status_json(body, tmcf, stats);
        ngx_str_set(&type, "application/json");

    } else {
        p = ngx_http_trtc_status_prometheus(body, tmcf, stats);
        ngx_str_set(&type, "text/plain; version=0.0.4; charset=utf-8");
    }

    return ngx_http_trtc_send_body(r, NGX_HTTP_OK, &type, body, p - body);
}


static ngx_str_t *
ngx_http_trtc_key_path(ngx_http_trtc_main_conf_t *tmcf, uint32_t id)
{
    ngx_uint_t                 i;
    ngx_http_trtc_key_file_t  *kf;

    if (tmcf->key_files == NULL) {
        return NULL;
    }

    kf = tmcf->key_files->elts;

    for (i = 0; i < tmcf->key_files->nelts; i++) {
        if (kf[i].id == id) {
            return &kf[i].path;
        }
    }

    return NULL;
}


static u_char *
ngx_http_trtc_status_prometheus(u_char *p, ngx_http_trtc_main_conf_t *tmcf,
    ngx_http_trtc_stats_t *stats)
{
    uint32_t                   id;
    ngx_str_t                 *path, none = ngx_string("");
    ngx_uint_t                 i;
    ngx_http_trtc_key_stat_t  *ks;

    p = ngx_cpymem(p, "# HELP trtc_verifications_total Tokens verified "
                   "where they are used, by result: ok, or why refused.\n"
                   "# TYPE trtc_verifications_total counter\n",
                   sizeof("# HELP trtc_verifications_total Tokens verified "
                          "where they are used, by result: ok, or why "
                          "refused.\n"
                          "# TYPE trtc_verifications_total counter\n") - 1);

    for (i = 0; i < TRTC_ERR_LAST; i++) {
        p = ngx_sprintf(p, "trtc_verifications_total{result=\"%s\"} %uA\n",
                        trtc_strerror(i), stats->results[i]);
    }

    p = ngx_sprintf(p,
        "# HELP trtc_cache_hits_total Tokens found in the verification "
        "cache.\n"
        "# TYPE trtc_cache_hits_total counter\n"
        "trtc_cache_hits_total %uA\n"
        "# HELP trtc_cache_misses_total Tokens looked for in the "
        "verification cache and verified.\n"
        "# TYPE trtc_cache_misses_total counter\n"
        "trtc_cache_misses_total %uA\n"
        "# HELP trtc_cache_evictions_total Valid tokens dropped from a full "
        "verification cache.\n"
        "# TYPE trtc_cache_evictions_total counter\n"
        "trtc_cache_evictions_total %uA\n"
        "# HELP trtc_issued_total Tokens and credentials issued, by kind.\n"
        "# TYPE trtc_issued_total counter\n",
        stats->hits, stats->misses, stats->evictions);

    for (i = 0; i < NGX_HTTP_TRTC_ISSUED_LAST; i++) {
        p = ngx_sprintf(p, "trtc_issued_total{kind=\"%s\"} %uA\n",
                        ngx_http_trtc_issued_kinds[i], stats->issued[i]);
    }

    p = ngx_sprintf(p,
        "# HELP trtc_key_verifications_total Tokens each key verified, by "
        "the key's id and the key files that hold it.\n"
        "# TYPE trtc_key_verifications_total counter\n");

    for (i = 0; i < NGX_HTTP_TRTC_STATUS_KEYS; i++) {
        ks = &stats->keys[i];
        id = (uint32_t) ks->id;

        if (id == 0) {
            break;
        }

        path = ngx_http_trtc_key_path(tmcf, id);

        p = ngx_sprintf(p, "trtc_key_verifications_total{key=\"%08xD\","
                        "file=\"", id);
        p = ngx_http_trtc_prometheus_label(p, path ? path : &none);
        p = ngx_sprintf(p, "\"} %uA\n", ks->verified);
    }

    if (stats->other_keys) {
        p = ngx_sprintf(p, "trtc_key_verifications_total{key=\"other\","
                        "file=\"\"} %uA\n", stats->other_keys);
    }

    return p;
}


static u_char *
ngx_http_trtc_status_json(u_char *p, ngx_http_trtc_main_conf_t *tmcf,
    ngx_http_trtc_stats_t *stats)
{
    uint32_t                   id;
    ngx_str_t                 *path;
    ngx_uint_t                 i;
    ngx_http_trtc_key_stat_t  *ks;

    p = ngx_cpymem(p, "{\"verifications\":{",
                   sizeof("{\"verifications\":{") - 1);

    for (i = 0; i < TRTC_ERR_LAST; i++) {
        p = ngx_sprintf(p, "%s\"%s\":%uA", i ? "," : "", trtc_strerror(i),
                        stats->results[i]);
    }

    p = ngx_sprintf(p, "},\"cache\":{\"hits\":%uA,\"misses\":%uA,"
                    "\"evictions\":%uA},\"issued\":{",
                    stats->hits, stats->misses, stats->evictions);

    for (i = 0; i < NGX_HTTP_TRTC_ISSUED_LAST; i++) {
        p = ngx_sprintf(p, "%s\"%s\":%uA", i ? "," : "",
                        ngx_http_trtc_issued_kinds[i], stats->issued[i]);
    }

    p = ngx_cpymem(p, "},\"keys\":[", sizeof("},\"keys\":[") - 1);

    for (i = 0; i < NGX_HTTP_TRTC_STATUS_KEYS; i++) {
        ks = &stats->keys[i];
        id = (uint32_t) ks->id;

        if (id == 0) {
            break;
        }

        p = ngx_sprintf(p, "%s{\"key\":\"%08xD\",\"file\":", i ? "," : "",
                        id);

        path = ngx_http_trtc_key_path(tmcf, id);

        if (path) {
            *p++ = '"';
            p = ngx_http_trtc_json_string(p, path->data, path->len);
            *p++ = '"';

        } else {
            p = ngx_cpymem(p, "null", 4);
        }

        p = ngx_sprintf(p, ",\"verifications\":%uA}", ks->verified);
    }

    return ngx_sprintf(p, "],\"otherKeys\":%uA}\n", stats->other_keys);
}


/* a label value of Prometheus's text format: \, " and LF escaped */

static u_char *
ngx_http_trtc_prometheus_label(u_char *p, ngx_str_t *s)
{
    u_char  *c, *end;

    end = s->data + s->len;

    for (c = s->data; c < end; c++) {
        if (*c == '\\' || *c == '"') {
            *p++ = '\\';
            *p++ = *c;

        } else if (*c == '\n') {
            *p++ = '\\';
            *p++ = 'n';

        } else {
            *p++ = *c;
        }
    }

    return p;
}
