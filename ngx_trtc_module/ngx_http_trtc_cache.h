
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The verification cache's interface (ngx_http_trtc_cache.c): the
 * trtc_auth_cache_zone directive, a location's use of a zone by name, and
 * lookup and insert of a verified token's fields by the token's digest.
 */


#ifndef _NGX_HTTP_TRTC_CACHE_H_INCLUDED_
#define _NGX_HTTP_TRTC_CACHE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "trtc_token.h"


extern ngx_module_t  ngx_http_trtc_module;


/* how every zone of the module's structure begins */
typedef struct {
    ngx_rbtree_t                  rbtree;
    ngx_rbtree_node_t             sentinel;
    ngx_queue_t                   queue;
} ngx_http_trtc_zone_sh_t;


char *ngx_http_trtc_cache_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* the module's zones: from "name:size", their structure, by name */
ngx_shm_zone_t *ngx_http_trtc_zone_add(ngx_conf_t *cf, ngx_str_t *arg,
    void *tag);
void *ngx_http_trtc_zone_init(ngx_shm_zone_t *shm_zone, size_t size,
    ngx_rbtree_insert_pt insert, char *directive);
char *ngx_http_trtc_zone_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* the token's fields; its SDKAppID is the one its digest was salted with */
ngx_int_t ngx_http_trtc_cache_get(ngx_shm_zone_t *zone, u_char *digest,
    uint32_t sdkappid, trtc_token_t *tok);
/* returns how many valid tokens it dropped to make room */
ngx_uint_t ngx_http_trtc_cache_put(ngx_shm_zone_t *zone, u_char *digest,
    trtc_token_t *tok);


#endif /* _NGX_HTTP_TRTC_CACHE_H_INCLUDED_ */
