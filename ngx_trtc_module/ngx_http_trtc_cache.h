
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


char *ngx_http_trtc_cache_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_shm_zone_t *ngx_http_trtc_cache_use(ngx_conf_t *cf, ngx_str_t *name);

/* a zone of the module, from "name:size" */
ngx_shm_zone_t *ngx_http_trtc_zone_add(ngx_conf_t *cf, ngx_str_t *arg,
    void *tag);

ngx_int_t ngx_http_trtc_cache_get(ngx_shm_zone_t *zone, u_char *digest,
    trtc_token_t *tok);
void ngx_http_trtc_cache_put(ngx_shm_zone_t *zone, u_char *digest,
    trtc_token_t *tok);


#endif /* _NGX_HTTP_TRTC_CACHE_H_INCLUDED_ */
