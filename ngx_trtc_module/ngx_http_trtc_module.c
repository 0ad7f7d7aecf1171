
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * ngx_http_trtc_module: tokens of Tencent Cloud TRTC (UserSig and
 * PrivateMapKey) issued and checked by nginx.  This file holds the
 * directives and the configuration (create, merge), the phases the module
 * works in, and the worker's token state; each feature is a file of its
 * own (ngx_http_trtc_module.h lists them).
 *
 * Touches: the configuration, the access and post-read phases, the
 * worker's token state.
 */


#include "ngx_http_trtc_module.h"


static ngx_int_t ngx_http_trtc_init(ngx_conf_t *cf);
static void *ngx_http_trtc_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_trtc_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_trtc_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static void ngx_http_trtc_merge_issue(ngx_http_trtc_loc_conf_t *conf,
    ngx_http_trtc_loc_conf_t *prev);
static void ngx_http_trtc_merge_janus(ngx_http_trtc_loc_conf_t *conf,
    ngx_http_trtc_loc_conf_t *prev);
static void ngx_http_trtc_merge_auth(ngx_http_trtc_loc_conf_t *conf,
    ngx_http_trtc_loc_conf_t *prev);
static char *ngx_http_trtc_content(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_trtc_check_expire(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_trtc_list_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_trtc_init_process(ngx_cycle_t *cycle);
static void ngx_http_trtc_exit_process(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_http_trtc_status_bounds = {
    ngx_conf_check_num_bounds, 400, 599
};


static ngx_conf_num_bounds_t  ngx_http_trtc_sdkappid_bounds = {
    ngx_conf_check_num_bounds, 1, TRTC_NUMBER_MAX
};


static ngx_conf_post_handler_pt  ngx_http_trtc_expire_post =
    ngx_http_trtc_check_expire;


static ngx_http_handler_pt  ngx_http_trtc_issue_post =
    ngx_http_trtc_issue_handler;


static ngx_http_handler_pt  ngx_http_trtc_janus_post =
    ngx_http_trtc_janus_handler;


static ngx_http_handler_pt  ngx_http_trtc_stamp_post =
    ngx_http_trtc_stamp_handler;


static ngx_conf_enum_t  ngx_http_trtc_log_levels[] = {
    { ngx_string("info"), NGX_LOG_INFO },
    { ngx_string("notice"), NGX_LOG_NOTICE },
    { ngx_string("warn"), NGX_LOG_WARN },
    { ngx_string("error"), NGX_LOG_ERR },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_trtc_commands[] = {

    { ngx_string("trtc_sdkappid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, sdkappid),
      &ngx_http_trtc_sdkappid_bounds },

    { ngx_string("trtc_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("trtc_issue"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_trtc_content,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue.enable),
      &ngx_http_trtc_issue_post },

    { ngx_string("trtc_stamp"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_trtc_content,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, stamp),
      &ngx_http_trtc_stamp_post },

    { ngx_string("trtc_issue_user"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_id_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue.user),
      NULL },

    { ngx_string("trtc_issue_room"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_id_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue.room),
      NULL },

    { ngx_string("trtc_issue_privilege"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_privilege_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue.privilege),
      NULL },

    { ngx_string("trtc_issue_expire"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue.expire),
      &ngx_http_trtc_expire_post },

    { ngx_string("trtc_issue_cookie"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_issue_cookie,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("trtc_turn_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_secret_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, turn.secret),
      "TURN" },

    { ngx_string("trtc_turn_urls"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_list_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, turn.urls),
      &ngx_http_trtc_turn_urls },

    { ngx_string("trtc_turn_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, turn.ttl),
      &ngx_http_trtc_expire_post },

    { ngx_string("trtc_janus"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_trtc_content,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, janus.enable),
      &ngx_http_trtc_janus_post },

    { ngx_string("trtc_janus_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_secret_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, janus.secret),
      "Janus" },

    { ngx_string("trtc_janus_plugins"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_list_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, janus.plugins),
      &ngx_http_trtc_janus_plugins },

    { ngx_string("trtc_janus_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, janus.ttl),
      &ngx_http_trtc_expire_post },

    { ngx_string("trtc_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.enable),
      NULL },

    { ngx_string("trtc_auth_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_auth_token,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("trtc_auth_user"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_id_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.user),
      NULL },

    { ngx_string("trtc_auth_room"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_id_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.room),
      NULL },

    { ngx_string("trtc_auth_privilege"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_privilege_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.privilege),
      NULL },

    { ngx_string("trtc_auth_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.leeway),
      NULL },

    { ngx_string("trtc_auth_close_expired"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.close_expired),
      NULL },

    { ngx_string("trtc_auth_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.status),
      &ngx_http_trtc_status_bounds },

    { ngx_string("trtc_removal_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_removal_zone,
      0,
      0,
      NULL },

    { ngx_string("trtc_removal"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_zone_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, removal),
      &ngx_http_trtc_removal_tag },

    { ngx_string("trtc_remove"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_remove_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("trtc_auth_cache_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_cache_zone,
      0,
      0,
      NULL },

    { ngx_string("trtc_auth_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_zone_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.cache),
      &ngx_http_trtc_module },

    { ngx_string("trtc_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_trtc_status,
      0,
      0,
      NULL },

    { ngx_string("trtc_auth_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth.log_level),
      &ngx_http_trtc_log_levels },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_trtc_module_ctx = {
    ngx_http_trtc_add_variables,           /* preconfiguration */
    ngx_http_trtc_init,                    /* postconfiguration */

    ngx_http_trtc_create_main_conf,        /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_trtc_create_loc_conf,         /* create location configuration */
    ngx_http_trtc_merge_loc_conf           /* merge location configuration */
};


ngx_module_t  ngx_http_trtc_module = {
    NGX_MODULE_V1,
    &ngx_http_trtc_module_ctx,             /* module context */
    ngx_http_trtc_commands,                /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_trtc_init_process,            /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_trtc_exit_process,            /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static trtc_ctx_t  *ngx_http_trtc_worker;


static ngx_int_t
ngx_http_trtc_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_trtc_main_conf_t  *tmcf;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_trtc_access_handler;

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);

    if (tmcf->keys) {
        h = ngx_array_push(&cmcf->phases[NGX_HTTP_POST_READ_PHASE].handlers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        *h = ngx_http_trtc_post_read_handler;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_trtc_init_process(ngx_cycle_t *cycle)
{
    ngx_http_trtc_main_conf_t  *tmcf;

    if (ngx_http_trtc_worker_ctx(cycle->log) == NULL) {
        return NGX_ERROR;
    }

    tmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_trtc_module);

    if (tmcf == NULL) {
        return NGX_OK;
    }

    return ngx_http_trtc_watch_start(cycle, tmcf->watches);
}


static void
ngx_http_trtc_exit_process(ngx_cycle_t *cycle)
{
    trtc_ctx_destroy(ngx_http_trtc_worker);
    ngx_http_trtc_worker = NULL;
}


trtc_ctx_t *
ngx_http_trtc_worker_ctx(ngx_log_t *log)
{
    if (ngx_http_trtc_worker == NULL) {
        ngx_http_trtc_worker = trtc_ctx_create();

        if (ngx_http_trtc_worker == NULL) {
            ngx_log_error(NGX_LOG_ALERT, log, 0,
                          "trtc: cannot allocate token context");
        }
    }

    return ngx_http_trtc_worker;
}


static void *
ngx_http_trtc_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_main_conf_t));
}


static void *
ngx_http_trtc_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_trtc_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->issue.user = NULL;
     *     conf->issue.room = NULL;
     *     conf->issue.cookie_name = { 0, NULL };
     *     conf->issue.cookie_path = NULL;
     *     conf->issue.cookie_attrs = { 0, NULL };
     *     conf->turn.secret = { 0, NULL };
     *     conf->turn.urls = { 0, NULL };
     *     conf->janus.secret = { 0, NULL };
     *     conf->janus.plugins = { 0, NULL };
     *     conf->auth.user = NULL;
     *     conf->auth.room = NULL;
     *     conf->auth.args = NULL;
     */

    conf->sdkappid = NGX_CONF_UNSET_UINT;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->issue.enable = NGX_CONF_UNSET;
    conf->issue.privilege = NGX_CONF_UNSET_PTR;
    conf->issue.expire = NGX_CONF_UNSET;
    conf->issue.cookie_secure = NGX_CONF_UNSET;
    conf->turn.ttl = NGX_CONF_UNSET;
    conf->janus.enable = NGX_CONF_UNSET;
    conf->stamp = NGX_CONF_UNSET;
    conf->janus.ttl = NGX_CONF_UNSET;
    conf->auth.enable = NGX_CONF_UNSET;
    conf->auth.tokens = NGX_CONF_UNSET_PTR;
    conf->auth.privilege = NGX_CONF_UNSET_PTR;
    conf->auth.leeway = NGX_CONF_UNSET;
    conf->auth.close_expired = NGX_CONF_UNSET;
    conf->auth.status = NGX_CONF_UNSET_UINT;
    conf->auth.log_level = NGX_CONF_UNSET_UINT;
    conf->auth.cache = NGX_CONF_UNSET_PTR;
    conf->removal = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_trtc_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_trtc_loc_conf_t *prev = parent;
    ngx_http_trtc_loc_conf_t *conf = child;

    ngx_conf_merge_uint_value(conf->sdkappid, prev->sdkappid,
                              NGX_CONF_UNSET_UINT);
    if (conf->keys == NGX_CONF_UNSET_PTR) {
        conf->key_ids = prev->key_ids;
    }

    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_value(conf->stamp, prev->stamp, 0);
    ngx_conf_merge_ptr_value(conf->removal, prev->removal, NULL);

    if (conf->remove.user && conf->removal == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"trtc_remove\" needs \"trtc_removal\"");
        return NGX_CONF_ERROR;
    }

    ngx_http_trtc_merge_issue(conf, prev);
    ngx_http_trtc_merge_janus(conf, prev);
    ngx_http_trtc_merge_auth(conf, prev);

    if ((conf->issue.enable || conf->auth.enable)
        && (conf->keys == NULL || conf->sdkappid == NGX_CONF_UNSET_UINT))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" needs \"trtc_sdkappid\" and "
                           "\"trtc_key_file\"",
                           conf->issue.enable ? "trtc_issue" : "trtc_auth");
        return NGX_CONF_ERROR;
    }

    if (conf->janus.enable
        && (conf->janus.secret.len == 0 || conf->keys == NULL
            || conf->sdkappid == NGX_CONF_UNSET_UINT))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"trtc_janus\" needs \"trtc_sdkappid\", "
                           "\"trtc_key_file\" and \"trtc_janus_secret_file\"");
        return NGX_CONF_ERROR;
    }

    /* the defaults that depend on the key */

    if (conf->issue.enable && conf->issue.user == NULL) {
        conf->issue.user = ngx_http_trtc_default_user(cf);
        if (conf->issue.user == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->auth.tokens == NULL && conf->keys != NULL) {
        conf->auth.tokens = ngx_http_trtc_default_tokens(cf);
        if (conf->auth.tokens == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_trtc_auth_args(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->auth.cache && conf->keys != NULL
        && conf->sdkappid != NGX_CONF_UNSET_UINT
        && trtc_keyset_id(conf->keys->elts, conf->keys->nelts,
                          (uint32_t) conf->sdkappid, conf->auth.keyset)
           != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "trtc: cannot name the keys for the cache");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* trtc_issue, trtc_issue_*, trtc_turn_* */

static void
ngx_http_trtc_merge_issue(ngx_http_trtc_loc_conf_t *conf,
    ngx_http_trtc_loc_conf_t *prev)
{
    ngx_conf_merge_value(conf->issue.enable, prev->issue.enable, 0);

    if (conf->issue.user == NULL) {
        conf->issue.user = prev->issue.user;
    }

    if (conf->issue.room == NULL) {
        conf->issue.room = prev->issue.room;
    }

    ngx_conf_merge_ptr_value(conf->issue.privilege, prev->issue.privilege,
                             NULL);
    ngx_conf_merge_sec_value(conf->issue.expire, prev->issue.expire, 86400);

    if (conf->issue.cookie_name.data == NULL) {
        conf->issue.cookie_name = prev->issue.cookie_name;
        conf->issue.cookie_path = prev->issue.cookie_path;
        conf->issue.cookie_attrs = prev->issue.cookie_attrs;
        conf->issue.cookie_secure = prev->issue.cookie_secure;
    }

    ngx_conf_merge_value(conf->issue.cookie_secure,
                         prev->issue.cookie_secure, 0);

    ngx_conf_merge_str_value(conf->turn.secret, prev->turn.secret, "");
    ngx_conf_merge_str_value(conf->turn.urls, prev->turn.urls, "");

    /* 0: the token's lifetime, known only where the token is issued */
    ngx_conf_merge_sec_value(conf->turn.ttl, prev->turn.ttl, 0);
}


/* trtc_janus, trtc_janus_* */

static void
ngx_http_trtc_merge_janus(ngx_http_trtc_loc_conf_t *conf,
    ngx_http_trtc_loc_conf_t *prev)
{
    ngx_conf_merge_value(conf->janus.enable, prev->janus.enable, 0);

    ngx_conf_merge_str_value(conf->janus.secret, prev->janus.secret, "");
    ngx_conf_merge_str_value(conf->janus.plugins, prev->janus.plugins,
                             "janus.plugin.videoroom");

    /* 0: the token's own expiry */
    ngx_conf_merge_sec_value(conf->janus.ttl, prev->janus.ttl, 0);
}


/* trtc_auth, trtc_auth_* */

static void
ngx_http_trtc_merge_auth(ngx_http_trtc_loc_conf_t *conf,
    ngx_http_trtc_loc_conf_t *prev)
{
    ngx_conf_merge_value(conf->auth.enable, prev->auth.enable, 0);
    ngx_conf_merge_ptr_value(conf->auth.tokens, prev->auth.tokens, NULL);

    if (conf->auth.user == NULL) {
        conf->auth.user = prev->auth.user;
    }

    if (conf->auth.room == NULL) {
        conf->auth.room = prev->auth.room;
    }

    ngx_conf_merge_ptr_value(conf->auth.privilege, prev->auth.privilege,
                             NULL);
    ngx_conf_merge_sec_value(conf->auth.leeway, prev->auth.leeway, 0);
    ngx_conf_merge_value(conf->auth.close_expired, prev->auth.close_expired,
                         1);
    ngx_conf_merge_uint_value(conf->auth.status, prev->auth.status,
                              NGX_HTTP_UNAUTHORIZED);
    ngx_conf_merge_uint_value(conf->auth.log_level, prev->auth.log_level,
                              NGX_LOG_ERR);
    ngx_conf_merge_ptr_value(conf->auth.cache, prev->auth.cache, NULL);
}


/*
 * trtc_issue, trtc_janus, trtc_stamp: the location's content handler (the
 * command's post), and its flag set
 */

static char *
ngx_http_trtc_content(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_flag_t                *flag;
    ngx_http_handler_pt       *handler;
    ngx_http_core_loc_conf_t  *clcf;

    flag = (ngx_flag_t *) (p + cmd->offset);

    if (*flag != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    *flag = 1;

    handler = cmd->post;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = *handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_trtc_check_expire(ngx_conf_t *cf, void *post, void *data)
{
    time_t  *sp = data;

    if (*sp > (time_t) TRTC_NUMBER_MAX) {
        return "is too large for a token";
    }

    return NGX_CONF_OK;
}


/*
 * trtc_turn_urls, trtc_janus_plugins: the arguments, each checked by the
 * post's valid(), joined as JSON strings ("a","b") or with commas (a,b)
 * into the ngx_str_t at the command's offset
 */

static char *
ngx_http_trtc_list_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t             *value, *list;
    ngx_uint_t             i;
    ngx_http_trtc_list_t  *post;

    list = (ngx_str_t *) (p + cmd->offset);
    post = cmd->post;

    if (list->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (!post->valid(&value[i])) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid %s \"%V\"",
                               post->name, &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_trtc_conf_join(cf, ',', post->json, list) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (post->max && list->len > post->max) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%ss longer than %uz bytes in all", post->name,
                           post->max);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* the directive's arguments as one string: "a b", "a,b" or "a","b" */

ngx_int_t
ngx_http_trtc_conf_join(ngx_conf_t *cf, u_char sep, ngx_uint_t quote,
    ngx_str_t *out)
{
    u_char      *p;
    size_t       len;
    ngx_str_t   *value;
    ngx_uint_t   i;

    value = cf->args->elts;
    len = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        len += value[i].len + 1 + (quote ? 2 : 0);
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;

    for (i = 1; i < cf->args->nelts; i++) {
        if (i > 1) {
            *p++ = sep;
        }

        if (quote) {
            *p++ = '"';
        }

        p = ngx_cpymem(p, value[i].data, value[i].len);

        if (quote) {
            *p++ = '"';
        }
    }

    out->len = p - out->data;

    return NGX_OK;
}
