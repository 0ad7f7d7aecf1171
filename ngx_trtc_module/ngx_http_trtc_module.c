
/*
 * Copyright (C) ngx_trtc_module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "trtc_token.h"
#include "ngx_http_trtc_cache.h"


#define NGX_HTTP_TRTC_ISSUE_BODY_MAX  1024

/*
 * a signaling message as trtc_stamp answers it, escaped and wrapped: an
 * SDP offer is some KiB; nchan reads the answer in memory, so the
 * location that proxies to trtc_stamp wants subrequest_output_buffer_size 64k
 */
#define NGX_HTTP_TRTC_STAMP_MAX       65536

/* trtc_auth_privilege not given, or empty */
#define NGX_HTTP_TRTC_PRIV_UNSET      0xffffffff

/* what entering a room takes, by TRTC's rule: either bit */
#define NGX_HTTP_TRTC_PRIV_ENTRY      (TRTC_PRIV_CREATE|TRTC_PRIV_ENTER)

/* the longest $arg_NAME whose repetition the checks look for */
#define NGX_HTTP_TRTC_ARG_NAME_MAX    64


typedef struct {
    ngx_http_complex_value_t  *value;
    ngx_uint_t                 bits;      /* when value has no variables */
} ngx_http_trtc_privilege_t;


/*
 * A user or room id: URL-unescaped once when read, unless the value is
 * decoded already ("decoded": a capture of the location's URI)
 */
typedef struct {
    ngx_http_complex_value_t   cv;
    ngx_uint_t                 decoded;
} ngx_http_trtc_id_t;


typedef struct {
    ngx_uint_t                 sdkappid;
    ngx_array_t               *keys;      /* of trtc_key_t * */

    ngx_flag_t                 issue;
    ngx_http_trtc_id_t        *issue_user;
    ngx_http_trtc_id_t        *issue_room;
    ngx_http_trtc_privilege_t *issue_privilege;
    time_t                     issue_expire;
    ngx_str_t                  cookie_name;
    ngx_str_t                  cookie_attrs;
    ngx_flag_t                 cookie_secure;

    ngx_str_t                  turn_secret;
    ngx_str_t                  turn_urls;  /* as JSON: "a","b" */
    time_t                     turn_ttl;

    ngx_flag_t                 janus;
    ngx_str_t                  janus_secret;
    ngx_str_t                  janus_plugins;  /* "a,b" */
    time_t                     janus_ttl;

    ngx_flag_t                 auth;
    ngx_array_t               *auth_token; /* of ngx_http_complex_value_t */
    ngx_http_trtc_id_t        *auth_user;
    ngx_http_trtc_id_t        *auth_room;
    ngx_array_t               *auth_args;  /* of ngx_str_t, see below */
    ngx_http_trtc_privilege_t *auth_privilege;
    time_t                     auth_leeway;
    ngx_uint_t                 auth_status;
    ngx_uint_t                 auth_log_level;

    ngx_shm_zone_t            *cache;
    u_char                     keyset[TRTC_DIGEST_LEN];
} ngx_http_trtc_loc_conf_t;


typedef struct {
    ngx_array_t               *default_tokens;
    ngx_http_trtc_id_t        *default_user;
    ngx_flag_t                 keys;       /* a trtc_key_file anywhere */
} ngx_http_trtc_main_conf_t;


typedef struct {
    ngx_int_t                  rc;
    void                      *conf;      /* the checks it was made with */
    ngx_uint_t                 cache;     /* 0: none, 1: miss, 2: hit */
    trtc_token_t               token;
} ngx_http_trtc_ctx_t;


/* the Janus tokens of a verified token (trtc_janus) */
typedef struct {
    ngx_str_t                  token;       /* the core's */
    ngx_str_t                  room_token;  /* the VideoRoom's */
    uint64_t                   room;        /* 0: no room to enter */
    ngx_str_t                  pin;         /* the room's */
    int64_t                    expires;
} ngx_http_trtc_janus_t;


typedef enum {
    NGX_HTTP_TRTC_VAR_USER_ID = 0,
    NGX_HTTP_TRTC_VAR_ROOM_ID,
    NGX_HTTP_TRTC_VAR_PRIVILEGE,
    NGX_HTTP_TRTC_VAR_EXPIRES,
    NGX_HTTP_TRTC_VAR_SDKAPPID,
    NGX_HTTP_TRTC_VAR_AUTH_RESULT,
    NGX_HTTP_TRTC_VAR_CLIENT_CONFIG,
    NGX_HTTP_TRTC_VAR_CACHE,
    NGX_HTTP_TRTC_VAR_JANUS_TOKEN,
    NGX_HTTP_TRTC_VAR_JANUS_ROOM_TOKEN,
    NGX_HTTP_TRTC_VAR_JANUS_ROOM,
    NGX_HTTP_TRTC_VAR_JANUS_ROOM_PIN
} ngx_http_trtc_var_e;


static ngx_http_trtc_ctx_t *ngx_http_trtc_verify(ngx_http_request_t *r);
static ngx_http_trtc_ctx_t *ngx_http_trtc_get_ctx(ngx_http_request_t *r);
static ngx_int_t ngx_http_trtc_result(ngx_http_request_t *r,
    ngx_http_trtc_ctx_t **ctxp);
static void ngx_http_trtc_cleanup(void *data);
static ngx_int_t ngx_http_trtc_token(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, ngx_str_t *token);
static ngx_int_t ngx_http_trtc_value(ngx_http_request_t *r,
    ngx_http_trtc_id_t *id, ngx_str_t *value);
static ngx_int_t ngx_http_trtc_unescape(ngx_http_request_t *r,
    ngx_str_t *value);
static ngx_int_t ngx_http_trtc_check(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok);
static ngx_uint_t ngx_http_trtc_repeated(ngx_http_request_t *r,
    ngx_array_t *names);

static ngx_int_t ngx_http_trtc_privilege(ngx_http_request_t *r,
    ngx_http_trtc_privilege_t *priv, uint32_t dflt, uint32_t *bits);
static trtc_ctx_t *ngx_http_trtc_worker_ctx(ngx_log_t *log);

static ngx_int_t ngx_http_trtc_post_read_handler(ngx_http_request_t *r);
static u_char *ngx_http_trtc_log_error(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len);
static char *ngx_http_trtc_log_cut(ngx_str_t *text, ngx_uint_t line,
    ngx_str_t *head, ngx_str_t *tail);
static ngx_int_t ngx_http_trtc_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_trtc_issue_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_trtc_stamp_handler(ngx_http_request_t *r);
static void ngx_http_trtc_stamp_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_trtc_stamp(ngx_http_request_t *r);
static u_char *ngx_http_trtc_json_string(u_char *p, u_char *s, size_t len);
static ngx_int_t ngx_http_trtc_set_cookie(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, u_char *token, size_t len);
static ngx_int_t ngx_http_trtc_send_json(ngx_http_request_t *r,
    ngx_uint_t status, u_char *body, size_t len);
static ngx_int_t ngx_http_trtc_send_error(ngx_http_request_t *r,
    ngx_uint_t status, char *msg);
static u_char *ngx_http_trtc_json_room(u_char *p, trtc_room_t *room);

static ngx_int_t ngx_http_trtc_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_trtc_client_config(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_http_trtc_ctx_t *ctx);

static char *ngx_http_trtc_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_trtc_content(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_trtc_stamp_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_trtc_issue_cookie(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_trtc_privilege_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_trtc_id_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_trtc_auth_token(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_trtc_auth_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_trtc_key_cleanup(void *data);
static ngx_int_t ngx_http_trtc_read_secret(ngx_conf_t *cf, ngx_str_t *name,
    u_char **buf, size_t *len);
static char *ngx_http_trtc_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_trtc_secret_cleanup(void *data);
static char *ngx_http_trtc_turn_urls(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static u_char *ngx_http_trtc_ice_servers(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, u_char *p, trtc_token_t *tok);
static ngx_int_t ngx_http_trtc_janus_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_trtc_janus_tokens(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok,
    ngx_http_trtc_janus_t *janus);
static ngx_int_t ngx_http_trtc_janus_sign(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, int64_t expires, ngx_str_t *realm,
    ngx_str_t *desc, ngx_str_t *token);
static char *ngx_http_trtc_janus_plugins(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

static ngx_int_t ngx_http_trtc_add_variables(ngx_conf_t *cf);
static void *ngx_http_trtc_create_main_conf(ngx_conf_t *cf);
static ngx_array_t *ngx_http_trtc_default_tokens(ngx_conf_t *cf);
static ngx_http_trtc_id_t *ngx_http_trtc_default_user(ngx_conf_t *cf);
static ngx_int_t ngx_http_trtc_compile(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_complex_value_t *cv);
static ngx_array_t *ngx_http_trtc_compile_list(ngx_conf_t *cf,
    ngx_str_t *values, ngx_uint_t n);
static ngx_int_t ngx_http_trtc_auth_args(ngx_conf_t *cf,
    ngx_http_trtc_loc_conf_t *conf);
static ngx_int_t ngx_http_trtc_auth_arg(ngx_conf_t *cf,
    ngx_http_trtc_loc_conf_t *conf, ngx_http_complex_value_t *cv);
static void *ngx_http_trtc_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_trtc_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_trtc_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_trtc_init_process(ngx_cycle_t *cycle);
static void ngx_http_trtc_exit_process(ngx_cycle_t *cycle);


static char *ngx_http_trtc_check_expire(ngx_conf_t *cf, void *post,
    void *data);


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
      offsetof(ngx_http_trtc_loc_conf_t, issue),
      &ngx_http_trtc_issue_post },

    { ngx_string("trtc_stamp"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_trtc_stamp_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("trtc_issue_user"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_id_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue_user),
      NULL },

    { ngx_string("trtc_issue_room"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_id_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue_room),
      NULL },

    { ngx_string("trtc_issue_privilege"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_privilege_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue_privilege),
      NULL },

    { ngx_string("trtc_issue_expire"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, issue_expire),
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
      offsetof(ngx_http_trtc_loc_conf_t, turn_secret),
      "TURN" },

    { ngx_string("trtc_turn_urls"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_turn_urls,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("trtc_turn_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, turn_ttl),
      &ngx_http_trtc_expire_post },

    { ngx_string("trtc_janus"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_trtc_content,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, janus),
      &ngx_http_trtc_janus_post },

    { ngx_string("trtc_janus_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_secret_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, janus_secret),
      "Janus" },

    { ngx_string("trtc_janus_plugins"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_janus_plugins,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("trtc_janus_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, janus_ttl),
      &ngx_http_trtc_expire_post },

    { ngx_string("trtc_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth),
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
      offsetof(ngx_http_trtc_loc_conf_t, auth_user),
      NULL },

    { ngx_string("trtc_auth_room"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_trtc_id_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth_room),
      NULL },

    { ngx_string("trtc_auth_privilege"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_trtc_privilege_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth_privilege),
      NULL },

    { ngx_string("trtc_auth_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth_leeway),
      NULL },

    { ngx_string("trtc_auth_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth_status),
      &ngx_http_trtc_status_bounds },

    { ngx_string("trtc_auth_cache_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_cache_zone,
      0,
      0,
      NULL },

    { ngx_string("trtc_auth_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_trtc_auth_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("trtc_auth_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_trtc_loc_conf_t, auth_log_level),
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


static ngx_http_variable_t  ngx_http_trtc_vars[] = {

    { ngx_string("trtc_user_id"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_USER_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_room_id"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_ROOM_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_privilege"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_PRIVILEGE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_expires"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_EXPIRES, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_sdkappid"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_SDKAPPID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_auth_result"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_AUTH_RESULT, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_client_config"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_CLIENT_CONFIG, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_cache_status"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_CACHE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_janus_token"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_JANUS_TOKEN, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_janus_room_token"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_JANUS_ROOM_TOKEN, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_janus_room"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_JANUS_ROOM, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("trtc_janus_room_pin"), NULL, ngx_http_trtc_variable,
      NGX_HTTP_TRTC_VAR_JANUS_ROOM_PIN, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


/* where a token is looked for when trtc_auth_token is not set */
static ngx_str_t  ngx_http_trtc_token_sources[] = {
    ngx_string("$http_x_trtc_token"),
    ngx_string("$cookie_trtc_token"),
    ngx_string("$arg_privateMapKey"),
    ngx_string("$arg_userSig")
};


static ngx_str_t  ngx_http_trtc_user = ngx_string("$remote_user");


static trtc_ctx_t  *ngx_http_trtc_worker;


static ngx_int_t
ngx_http_trtc_access_handler(ngx_http_request_t *r)
{
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_loc_conf_t  *tlcf;

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    if (!tlcf->auth) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_trtc_verify(r);

    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->rc == TRTC_OK) {
        return NGX_OK;
    }

    if (ctx->rc == TRTC_ERR_INTERNAL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the context has no query string: ngx_http_trtc_log_error() */

    if (ctx->token.identifier_len) {
        ngx_log_error(tlcf->auth_log_level, r->connection->log, 0,
                      "trtc token rejected: %s, user \"%s\"",
                      trtc_strerror(ctx->rc), ctx->token.identifier);

    } else {
        ngx_log_error(tlcf->auth_log_level, r->connection->log, 0,
                      "trtc token rejected: %s", trtc_strerror(ctx->rc));
    }

    return tlcf->auth_status;
}


/*
 * Tokens travel in query strings (a browser sets no header on a
 * WebSocket), and nginx writes the request line, the upstream's URI and
 * the referrer into the context of every error log line of a request:
 * a body too large, an upstream that failed or timed out.  From the
 * post-read phase on, the context of a request in an http{} block with a
 * trtc_key_file is written as nginx's own is (ngx_http_log_error_handler),
 * with each query string cut: a token, accepted or not, never reaches
 * the error log through it.
 */

static ngx_int_t
ngx_http_trtc_post_read_handler(ngx_http_request_t *r)
{
    if (r == r->main) {
        r->log_handler = ngx_http_trtc_log_error;
    }

    return NGX_DECLINED;
}


static u_char *
ngx_http_trtc_log_error(ngx_http_request_t *r, ngx_http_request_t *sr,
    u_char *buf, size_t len)
{
    char                      *cut, *uri_separator;
    u_char                    *p;
    ngx_str_t                  head, tail;
    ngx_http_upstream_t       *u;
    ngx_http_core_srv_conf_t  *cscf;

    cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);

    p = ngx_snprintf(buf, len, ", server: %V", &cscf->server_name);
    len -= p - buf;
    buf = p;

    if (r->request_line.len) {
        cut = ngx_http_trtc_log_cut(&r->request_line, 1, &head, &tail);

        p = ngx_snprintf(buf, len, ", request: \"%V%s%V\"",
                         &head, cut, &tail);
        len -= p - buf;
        buf = p;
    }

    if (r != sr) {
        p = ngx_snprintf(buf, len, ", subrequest: \"%V\"", &sr->uri);
        len -= p - buf;
        buf = p;
    }

    u = sr->upstream;

    if (u && u->peer.name) {

        uri_separator = "";

#if (NGX_HAVE_UNIX_DOMAIN)
        if (u->peer.sockaddr && u->peer.sockaddr->sa_family == AF_UNIX) {
            uri_separator = ":";
        }
#endif

        cut = ngx_http_trtc_log_cut(&u->uri, 0, &head, &tail);

        p = ngx_snprintf(buf, len, ", upstream: \"%V%V%s%V%s%V\"",
                         &u->schema, u->peer.name, uri_separator,
                         &head, cut, &tail);
        len -= p - buf;
        buf = p;
    }

    if (r->headers_in.host) {
        p = ngx_snprintf(buf, len, ", host: \"%V\"",
                         &r->headers_in.host->value);
        len -= p - buf;
        buf = p;
    }

    if (r->headers_in.referer) {
        cut = ngx_http_trtc_log_cut(&r->headers_in.referer->value, 0,
                                    &head, &tail);

        buf = ngx_snprintf(buf, len, ", referrer: \"%V%s%V\"",
                           &head, cut, &tail);
    }

    return buf;
}


/*
 * A text split at its query string, which is left out: "/ws/?...", and
 * for a request line "GET /ws/?... HTTP/1.1", with the protocol kept
 */

static char *
ngx_http_trtc_log_cut(ngx_str_t *text, ngx_uint_t line, ngx_str_t *head,
    ngx_str_t *tail)
{
    u_char  *q, *t, *last;

    last = text->data + text->len;

    q = ngx_strlchr(text->data, last, '?');

    if (q == NULL) {
        *head = *text;
        ngx_str_null(tail);
        return "";
    }

    head->data = text->data;
    head->len = q - text->data;

    t = last;

    if (line) {
        for (t = last; t > q; t--) {
            if (t[-1] == ' ') {
                t--;
                break;
            }
        }

        if (t == q) {
            t = last;
        }
    }

    tail->data = t;
    tail->len = last - t;

    return "?...";
}


/*
 * Verifies the request's token once for each set of checks: the result
 * stays with the request, through internal redirects, for the access
 * handler and the variables alike.
 */

static ngx_http_trtc_ctx_t *
ngx_http_trtc_verify(ngx_http_request_t *r)
{
    u_char                     digest[TRTC_DIGEST_LEN];
    ngx_int_t                  rc;
    ngx_str_t                  token;
    trtc_ctx_t                *worker;
    ngx_pool_cleanup_t        *cln;
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_loc_conf_t  *tlcf;

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    ctx = ngx_http_trtc_get_ctx(r);

    if (ctx && ctx->conf == tlcf) {
        return ctx;
    }

    if (ctx == NULL) {
        cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_trtc_ctx_t));
        if (cln == NULL) {
            return NULL;
        }

        cln->handler = ngx_http_trtc_cleanup;
        ctx = cln->data;

        ngx_http_set_ctx(r, ctx, ngx_http_trtc_module);
    }

    ngx_memzero(ctx, sizeof(ngx_http_trtc_ctx_t));

    ctx->conf = tlcf;

    if (ngx_http_trtc_repeated(r, tlcf->auth_args)) {
        ctx->rc = TRTC_ERR_REPEATED;
        goto done;
    }

    /* keys and sdkappid are set: trtc_auth needs them, variables check */

    rc = ngx_http_trtc_token(r, tlcf, &token);

    if (rc == NGX_ERROR) {
        return NULL;
    }

    if (rc == NGX_DECLINED) {
        ctx->rc = TRTC_ERR_NO_TOKEN;
        goto done;
    }

    worker = ngx_http_trtc_worker_ctx(r->connection->log);
    if (worker == NULL) {
        return NULL;
    }

    if (tlcf->cache) {
        if (trtc_digest(worker, tlcf->keyset, TRTC_DIGEST_LEN,
                        (char *) token.data, token.len, digest)
            != 0)
        {
            return NULL;
        }

        if (ngx_http_trtc_cache_get(tlcf->cache, digest, &ctx->token)
            == NGX_OK)
        {
            ctx->cache = 2;
            ctx->rc = trtc_check_expiry(&ctx->token, ngx_time(),
                                        tlcf->auth_leeway);
            goto check;
        }

        ctx->cache = 1;
    }

    ctx->rc = trtc_verify(worker, tlcf->keys->elts, tlcf->keys->nelts,
                          (uint32_t) tlcf->sdkappid, (char *) token.data,
                          token.len, ngx_time(), tlcf->auth_leeway,
                          &ctx->token);

    if (ctx->rc == TRTC_OK && tlcf->cache) {
        ngx_http_trtc_cache_put(tlcf->cache, digest, &ctx->token);
    }

check:

    if (ctx->rc == TRTC_OK) {
        rc = ngx_http_trtc_check(r, tlcf, &ctx->token);

        if (rc == NGX_ERROR) {
            return NULL;
        }

        ctx->rc = rc;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "trtc token: %s, user \"%s\"",
                   trtc_strerror(ctx->rc), ctx->token.identifier);

done:

    return ctx;
}


/*
 * The context is kept in a pool cleanup too, as the realip module does:
 * an internal redirect clears module contexts, and the error page or
 * the log after a rejection must still see why.  Subrequests share the
 * pool, so they see what their main request verified.
 */

static ngx_http_trtc_ctx_t *
ngx_http_trtc_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t   *cln;
    ngx_http_trtc_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_trtc_module);

    if (ctx) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_trtc_cleanup) {
            ctx = cln->data;
            ngx_http_set_ctx(r, ctx, ngx_http_trtc_module);
            return ctx;
        }
    }

    return NULL;
}


/*
 * The request's verification result, verifying now if nothing did yet;
 * NULL where the location has no key to verify with.
 */

static ngx_int_t
ngx_http_trtc_result(ngx_http_request_t *r, ngx_http_trtc_ctx_t **ctxp)
{
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_loc_conf_t  *tlcf;

    ctx = ngx_http_trtc_get_ctx(r);

    if (ctx == NULL) {
        tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

        if (tlcf->keys != NULL && tlcf->sdkappid != NGX_CONF_UNSET_UINT) {
            ctx = ngx_http_trtc_verify(r);
            if (ctx == NULL) {
                return NGX_ERROR;
            }
        }
    }

    *ctxp = ctx;

    return NGX_OK;
}


static void
ngx_http_trtc_cleanup(void *data)
{
    /* a marker to find the context by */
}


static ngx_int_t
ngx_http_trtc_token(ngx_http_request_t *r, ngx_http_trtc_loc_conf_t *tlcf,
    ngx_str_t *token)
{
    ngx_str_t                  value;
    ngx_uint_t                 i;
    ngx_http_complex_value_t  *cv;

    cv = tlcf->auth_token->elts;

    for (i = 0; i < tlcf->auth_token->nelts; i++) {
        if (ngx_http_complex_value(r, &cv[i], &value) != NGX_OK) {
            return NGX_ERROR;
        }

        if (value.len) {
            break;
        }
    }

    if (i == tlcf->auth_token->nelts) {
        return NGX_DECLINED;
    }

    /* an Authorization header */

    if (value.len > 7 && ngx_strncasecmp(value.data, (u_char *) "Bearer ", 7)
                         == 0)
    {
        value.data += 7;
        value.len -= 7;
    }

    /* a token has no '%' of its own; longer ones fail as too long */

    if (value.len <= TRTC_TOKEN_MAX && ngx_http_trtc_unescape(r, &value)
                                       != NGX_OK)
    {
        return NGX_ERROR;
    }

    *token = value;

    return NGX_OK;
}


/*
 * A query argument the checks read ($arg_NAME as a token source, or as
 * the whole of trtc_auth_user or trtc_auth_room) must not be repeated:
 * nginx reads the first, and what the request goes on to (a proxied
 * upstream, a page) may read another, unchecked.  Names are compared as
 * nginx does, case-insensitively, and also unescaped ("user%49d"), with
 * ';' separating arguments as '&' does, as some parsers have it.
 */

static ngx_uint_t
ngx_http_trtc_repeated(ngx_http_request_t *r, ngx_array_t *names)
{
    u_char      *p, *last, *start, *dst, *src;
    size_t       len;
    ngx_str_t   *name;
    ngx_uint_t   i, n;
    u_char       buf[3 * NGX_HTTP_TRTC_ARG_NAME_MAX];

    if (names == NULL || r->args.len == 0) {
        return 0;
    }

    name = names->elts;
    last = r->args.data + r->args.len;

    for (i = 0; i < names->nelts; i++) {
        n = 0;

        for (p = r->args.data; p < last; p++) {
            start = p;

            while (p < last && *p != '=' && *p != '&' && *p != ';') {
                p++;
            }

            len = p - start;

            if (len > name[i].len && len <= sizeof(buf)
                && ngx_strlchr(start, p, '%'))
            {
                dst = buf;
                src = start;
                ngx_unescape_uri(&dst, &src, len, 0);

                start = buf;
                len = dst - buf;
            }

            if (len == name[i].len
                && ngx_strncasecmp(start, name[i].data, len) == 0
                && ++n > 1)
            {
                return 1;
            }

            while (p < last && *p != '&' && *p != ';') {
                p++;
            }
        }
    }

    return 0;
}


/*
 * User and room ids mostly come from query arguments, which nginx keeps
 * escaped: they are unescaped ("%20" is a space, a literal '%' is "%25"),
 * once.  A capture of the location's URI is decoded already: unescaped
 * again, "/rooms/a%2541/" would be room "aA".
 */

static ngx_int_t
ngx_http_trtc_value(ngx_http_request_t *r, ngx_http_trtc_id_t *id,
    ngx_str_t *value)
{
    if (ngx_http_complex_value(r, &id->cv, value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (id->decoded) {
        return NGX_OK;
    }

    return ngx_http_trtc_unescape(r, value);
}


static ngx_int_t
ngx_http_trtc_unescape(ngx_http_request_t *r, ngx_str_t *value)
{
    u_char  *dst, *src;

    if (value->len == 0 || memchr(value->data, '%', value->len) == NULL) {
        return NGX_OK;
    }

    dst = ngx_pnalloc(r->pool, value->len);
    if (dst == NULL) {
        return NGX_ERROR;
    }

    src = value->data;
    value->data = dst;

    ngx_unescape_uri(&dst, &src, value->len, 0);

    value->len = dst - value->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_trtc_check(ngx_http_request_t *r, ngx_http_trtc_loc_conf_t *tlcf,
    trtc_token_t *tok)
{
    uint32_t     bits;
    ngx_int_t    rc;
    ngx_str_t    value;
    trtc_room_t  room;

    if (tlcf->auth_user) {
        if (ngx_http_trtc_value(r, tlcf->auth_user, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        if (value.len != tok->identifier_len
            || ngx_strncmp(value.data, tok->identifier, value.len) != 0)
        {
            return TRTC_ERR_USER;
        }
    }

    if (tlcf->auth_room) {
        if (ngx_http_trtc_value(r, tlcf->auth_room, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        if (trtc_room_parse((char *) value.data, value.len, &room) != 0) {
            return tok->has_userbuf ? TRTC_ERR_ROOM : TRTC_ERR_NO_USERBUF;
        }

        rc = trtc_check_room(tok, &room);
        if (rc != TRTC_OK) {
            return rc;
        }
    }

    rc = ngx_http_trtc_privilege(r, tlcf->auth_privilege,
                                 NGX_HTTP_TRTC_PRIV_UNSET, &bits);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        return TRTC_ERR_PRIVILEGE;
    }

    if (bits == NGX_HTTP_TRTC_PRIV_UNSET) {

        /*
         * TRTC's own rule: entering a room takes the enter bit, or
         * create for the room's creator; a room required, the key
         * must grant one of them
         */

        if (tlcf->auth_room
            && !(tok->userbuf.privilege & NGX_HTTP_TRTC_PRIV_ENTRY))
        {
            return TRTC_ERR_PRIVILEGE;
        }

        return TRTC_OK;
    }

    if (bits) {
        rc = trtc_check_privilege(tok, bits);
        if (rc != TRTC_OK) {
            return rc;
        }
    }

    return TRTC_OK;
}


/* an empty value, from a variable, means "not given": the default */

static ngx_int_t
ngx_http_trtc_privilege(ngx_http_request_t *r,
    ngx_http_trtc_privilege_t *priv, uint32_t dflt, uint32_t *bits)
{
    ngx_str_t  value;

    if (priv == NULL) {
        *bits = dflt;
        return NGX_OK;
    }

    if (priv->value == NULL) {
        *bits = (uint32_t) priv->bits;
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, priv->value, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    if (value.len == 0) {
        *bits = dflt;
        return NGX_OK;
    }

    if (trtc_privilege_parse((char *) value.data, value.len, bits) != 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "trtc: invalid privilege \"%V\"", &value);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static trtc_ctx_t *
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


static ngx_int_t
ngx_http_trtc_issue_handler(ngx_http_request_t *r)
{
    u_char                    *body, *p;
    size_t                     sig_len, pmk_len;
    uint32_t                   bits;
    ngx_int_t                  rc;
    ngx_str_t                  user, room_text;
    trtc_ctx_t                *worker;
    trtc_key_t               **keys;
    trtc_room_t                room;
    trtc_token_t               tok;
    ngx_http_trtc_loc_conf_t  *tlcf;
    char                       sig[TRTC_TOKEN_MAX], pmk[TRTC_TOKEN_MAX];

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    if (ngx_http_trtc_value(r, tlcf->issue_user, &user) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!trtc_userid_valid((char *) user.data, user.len)) {
        return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST,
                                        "invalid userId");
    }

    room_text.len = 0;

    if (tlcf->issue_room) {
        if (ngx_http_trtc_value(r, tlcf->issue_room, &room_text) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (room_text.len
            && trtc_room_parse((char *) room_text.data, room_text.len, &room)
               != 0)
        {
            return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST,
                                            "invalid roomId");
        }
    }

    bits = TRTC_PRIV_ALL;

    if (room_text.len) {
        rc = ngx_http_trtc_privilege(r, tlcf->issue_privilege, TRTC_PRIV_ALL,
                                     &bits);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_DECLINED) {
            return ngx_http_trtc_send_error(r, NGX_HTTP_BAD_REQUEST,
                                            "invalid privilege");
        }
    }

    worker = ngx_http_trtc_worker_ctx(r->connection->log);
    if (worker == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&tok, sizeof(trtc_token_t));

    tok.sdkappid = (uint32_t) tlcf->sdkappid;
    tok.identifier_len = (uint8_t) user.len;
    ngx_memcpy(tok.identifier, user.data, user.len);
    tok.time = ngx_time();
    tok.expire = tlcf->issue_expire;

    keys = tlcf->keys->elts;

    rc = trtc_sign(worker, keys[0], &tok, sig, &sig_len);

    if (rc != TRTC_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc: signing failed: %s", trtc_strerror(rc));
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    pmk_len = 0;

    if (room_text.len) {
        rc = trtc_set_userbuf(&tok, &room, bits);

        if (rc == TRTC_OK) {
            rc = trtc_sign(worker, keys[0], &tok, pmk, &pmk_len);
        }

        if (rc != TRTC_OK) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "trtc: signing failed: %s", trtc_strerror(rc));
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (tlcf->cookie_name.len) {
        if (ngx_http_trtc_set_cookie(r, tlcf,
                                     (u_char *) (pmk_len ? pmk : sig),
                                     pmk_len ? pmk_len : sig_len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    body = ngx_pnalloc(r->pool, NGX_HTTP_TRTC_ISSUE_BODY_MAX
                                + 2 * TRTC_TOKEN_MAX + tlcf->turn_urls.len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"sdkAppId\":%uD,\"userId\":\"%s\","
                    "\"userSig\":\"%*s\",\"expire\":%T,\"expiresAt\":%T",
                    tok.sdkappid, tok.identifier, sig_len, sig,
                    tok.expire, tok.time + tok.expire);

    if (pmk_len) {
        p = ngx_cpymem(p, ",\"roomId\":", sizeof(",\"roomId\":") - 1);
        p = ngx_http_trtc_json_room(p, &room);
        p = ngx_sprintf(p, ",\"privilege\":%uD,\"privateMapKey\":\"%*s\"",
                        bits, pmk_len, pmk);
    }

    if (tlcf->turn_secret.len && tlcf->turn_urls.len) {
        p = ngx_http_trtc_ice_servers(r, tlcf, p, &tok);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    *p++ = '}';
    *p++ = LF;

    return ngx_http_trtc_send_json(r, NGX_HTTP_OK, body, p - body);
}


/*
 * TURN credentials of coturn's REST API (use-auth-secret), ready for
 * RTCPeerConnection: ,"iceServers":[{"urls":[..],"username":..,..}]
 */

static u_char *
ngx_http_trtc_ice_servers(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, u_char *p, trtc_token_t *tok)
{
    u_char  *user;
    size_t   len;
    time_t   expires;
    char     password[TRTC_TURN_PASSWORD_LEN];
    u_char   buf[NGX_TIME_T_LEN + 1 + TRTC_USERID_MAX];

    expires = tok->time + (tlcf->turn_ttl ? tlcf->turn_ttl : tok->expire);

    user = buf;
    len = ngx_sprintf(buf, "%T:%s", expires, tok->identifier) - buf;

    if (trtc_turn_password(tlcf->turn_secret.data, tlcf->turn_secret.len,
                           (char *) user, len, password)
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc: TURN credential failed");
        return NULL;
    }

    return ngx_sprintf(p, ",\"iceServers\":[{\"urls\":[%V],"
                       "\"username\":\"%*s\",\"credential\":\"%*s\"}],"
                       "\"turnExpiresAt\":%T",
                       &tlcf->turn_urls, len, user,
                       (size_t) TRTC_TURN_PASSWORD_LEN, password, expires);
}


/*
 * trtc_janus: the Janus tokens of the request's verified PrivateMapKey,
 * for a page that joins the room's VideoRoom through Janus:
 *
 *     {"token":"<core token>","roomToken":"<room token>","room":1234,
 *      "expiresAt":1700086400}
 */

static ngx_int_t
ngx_http_trtc_janus_handler(ngx_http_request_t *r)
{
    u_char                    *body, *p;
    ngx_int_t                  rc;
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_janus_t      janus;
    ngx_http_trtc_loc_conf_t  *tlcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx == NULL || ctx->rc != TRTC_OK || !ctx->token.has_userbuf) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc_janus without a verified PrivateMapKey");
        return ngx_http_trtc_send_error(r, NGX_HTTP_FORBIDDEN,
                                        "no verified PrivateMapKey");
    }

    if (!(ctx->token.userbuf.privilege & NGX_HTTP_TRTC_PRIV_ENTRY)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc_janus: the PrivateMapKey of \"%s\" grants "
                      "neither enter nor create", ctx->token.identifier);
        return ngx_http_trtc_send_error(r, NGX_HTTP_FORBIDDEN,
                                        "the PrivateMapKey grants no entry");
    }

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    /* trtc_janus has a secret: the configuration checks it */

    if (ngx_http_trtc_janus_tokens(r, tlcf, &ctx->token, &janus) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body = ngx_pnalloc(r->pool, sizeof("{\"token\":\"\",\"roomToken\":\"\","
                                       "\"room\":,\"pin\":\"\","
                                       "\"expiresAt\":}\n") - 1
                                + janus.token.len + janus.room_token.len
                                + janus.pin.len + 2 * NGX_INT64_LEN);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"token\":\"%V\",\"roomToken\":\"%V\","
                    "\"room\":%uL,\"pin\":\"%V\",\"expiresAt\":%L}\n",
                    &janus.token, &janus.room_token, janus.room, &janus.pin,
                    janus.expires);

    return ngx_http_trtc_send_json(r, NGX_HTTP_OK, body, p - body);
}


/*
 * The Janus tokens of a verified token, all with one expiry: the token's
 * own, or sooner with trtc_janus_ttl.  The core's token lets its holder
 * attach the plugins of trtc_janus_plugins; a PrivateMapKey also gets
 * the VideoRoom id of its room and the VideoRoom's token for that room.
 * NGX_DECLINED without a Janus secret.
 */

static ngx_int_t
ngx_http_trtc_janus_tokens(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, trtc_token_t *tok,
    ngx_http_trtc_janus_t *janus)
{
    trtc_room_t  room;
    ngx_str_t    desc;
    u_char       buf[sizeof("room=") + NGX_INT64_LEN];

    static ngx_str_t  core = ngx_string("janus");
    static ngx_str_t  videoroom = ngx_string("janus.plugin.videoroom");

    if (tlcf->janus_secret.len == 0) {
        return NGX_DECLINED;
    }

    ngx_memzero(janus, sizeof(ngx_http_trtc_janus_t));

    janus->expires = trtc_expires(tok);

    if (tlcf->janus_ttl && ngx_time() + tlcf->janus_ttl < janus->expires) {
        janus->expires = ngx_time() + tlcf->janus_ttl;
    }

    if (ngx_http_trtc_janus_sign(r, tlcf, janus->expires, &core,
                                 &tlcf->janus_plugins, &janus->token)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* a room token only for a key that may enter the room */

    if (!tok->has_userbuf
        || !(tok->userbuf.privilege & NGX_HTTP_TRTC_PRIV_ENTRY))
    {
        return NGX_OK;
    }

    trtc_room_of(&tok->userbuf, &room);

    janus->pin.data = ngx_pnalloc(r->pool, TRTC_JANUS_PIN_LEN);
    if (janus->pin.data == NULL) {
        return NGX_ERROR;
    }

    janus->room = trtc_janus_room(tlcf->janus_secret.data,
                                  tlcf->janus_secret.len, &room);
    janus->pin.len = trtc_janus_pin(tlcf->janus_secret.data,
                                    tlcf->janus_secret.len, &room,
                                    (char *) janus->pin.data);

    if (janus->room == 0 || janus->pin.len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc: Janus room failed");
        return NGX_ERROR;
    }

    desc.data = buf;
    desc.len = ngx_sprintf(buf, "room=%uL", janus->room) - buf;

    return ngx_http_trtc_janus_sign(r, tlcf, janus->expires, &videoroom,
                                    &desc, &janus->room_token);
}


static ngx_int_t
ngx_http_trtc_janus_sign(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, int64_t expires, ngx_str_t *realm,
    ngx_str_t *desc, ngx_str_t *token)
{
    token->data = ngx_pnalloc(r->pool, TRTC_JANUS_TOKEN_MAX);
    if (token->data == NULL) {
        return NGX_ERROR;
    }

    token->len = trtc_janus_token(tlcf->janus_secret.data,
                                  tlcf->janus_secret.len, expires,
                                  (char *) realm->data, realm->len,
                                  (char *) desc->data, desc->len,
                                  (char *) token->data);

    if (token->len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "trtc: Janus token failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * trtc_stamp: a message, wrapped with who sent it as the verified token
 * says, so that no client can speak for another:
 *
 *     {"from":"alice","privilege":255,"data":"<the message as a string>"}
 *
 * Made for nchan's nchan_publisher_upstream_request.  nchan takes a
 * rewritten message only from an upstream's response, so the publisher's
 * subrequest is proxied, with the publisher's headers and arguments, to
 * a server of its own (a unix socket) where trtc_auth checks the same
 * token again and trtc_stamp answers.
 */

static ngx_int_t
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
    u_char               *msg, *m, *body, *p;
    size_t                len, n;
    ssize_t               rd;
    uint32_t              c, privilege;
    ngx_buf_t            *b;
    ngx_chain_t          *cl;
    trtc_token_t         *tok;
    ngx_http_trtc_ctx_t  *ctx;

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx == NULL || ctx->rc != TRTC_OK) {
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

    for (p = msg; p < msg + len; /* void */) {
        if (*p < 0x80) {
            p++;
            continue;
        }

        c = ngx_utf8_decode(&p, msg + len - p);

        /* nor are surrogates UTF-8 (RFC 3629) */

        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "trtc_stamp: message is not UTF-8");
            return NGX_HTTP_BAD_REQUEST;
        }
    }

    tok = &ctx->token;
    privilege = tok->has_userbuf ? tok->userbuf.privilege : 0;

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


/* JSON string contents, also safe in HTML and in a <script> element */

static u_char *
ngx_http_trtc_json_string(u_char *p, u_char *s, size_t len)
{
    u_char  c, *end;

    end = s + len;

    while (s < end) {
        c = *s;

        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = c;
            s++;
            continue;
        }

        if (c == '\n' || c == '\r' || c == '\t') {
            *p++ = '\\';
            *p++ = (c == '\n') ? 'n' : ((c == '\r') ? 'r' : 't');
            s++;
            continue;
        }

        if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            p = ngx_sprintf(p, "\\u%04xi", (ngx_uint_t) c);
            s++;
            continue;
        }

        /* U+2028 and U+2029 end lines in JavaScript */

        if (c == 0xe2 && end - s >= 3 && s[1] == 0x80
            && (s[2] == 0xa8 || s[2] == 0xa9))
        {
            p = ngx_sprintf(p, "\\u20%02xi", (ngx_uint_t) s[2] - 0x80);
            s += 3;
            continue;
        }

        *p++ = c;
        s++;
    }

    return p;
}


static u_char *
ngx_http_trtc_json_room(u_char *p, trtc_room_t *room)
{
    if (room->ver == 0) {
        return ngx_sprintf(p, "%uD", room->roomid);
    }

    *p++ = '"';
    p = ngx_http_trtc_json_string(p, (u_char *) room->str, room->len);
    *p++ = '"';

    return p;
}


static ngx_int_t
ngx_http_trtc_set_cookie(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, u_char *token, size_t len)
{
    u_char           *p;
    size_t            size;
    ngx_table_elt_t  *h;
    ngx_uint_t        secure;

    secure = tlcf->cookie_secure;

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        secure = 1;
    }
#endif

    size = tlcf->cookie_name.len + 1 + len
           + sizeof("; Max-Age=") - 1 + NGX_TIME_T_LEN
           + tlcf->cookie_attrs.len + sizeof("; Secure") - 1;

    p = ngx_pnalloc(r->pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Set-Cookie");
    h->value.data = p;

    p = ngx_sprintf(p, "%V=%*s; Max-Age=%T%V", &tlcf->cookie_name, len, token,
                    tlcf->issue_expire, &tlcf->cookie_attrs);

    if (secure) {
        p = ngx_cpymem(p, "; Secure", sizeof("; Secure") - 1);
    }

    h->value.len = p - h->value.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_trtc_send_error(ngx_http_request_t *r, ngx_uint_t status, char *msg)
{
    u_char  *body, *p;
    size_t   len;

    len = sizeof("{\"error\":\"\"}\n") + ngx_strlen(msg);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"error\":\"%s\"}\n", msg);

    return ngx_http_trtc_send_json(r, status, body, p - body);
}


static ngx_int_t
ngx_http_trtc_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len)
{
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Cache-Control");
    ngx_str_set(&h->value, "no-store");

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (r->method == NGX_HTTP_HEAD) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_trtc_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    u_char                    *p;
    int64_t                    expires;
    const char                *s;
    trtc_room_t                room;
    trtc_token_t              *tok;
    ngx_http_trtc_ctx_t       *ctx;
    ngx_http_trtc_janus_t      janus;
    ngx_http_trtc_loc_conf_t  *tlcf;

    if (data == NGX_HTTP_TRTC_VAR_SDKAPPID) {
        tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

        if (tlcf->sdkappid == NGX_CONF_UNSET_UINT) {
            v->not_found = 1;
            return NGX_OK;
        }

        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%ui", tlcf->sdkappid) - p;
        goto found;
    }

    if (ngx_http_trtc_result(r, &ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (data == NGX_HTTP_TRTC_VAR_CLIENT_CONFIG) {
        return ngx_http_trtc_client_config(r, v, ctx);
    }

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == NGX_HTTP_TRTC_VAR_CACHE) {
        if (ctx->cache == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        s = (ctx->cache == 2) ? "HIT" : "MISS";
        v->data = (u_char *) s;
        v->len = ngx_strlen(s);
        goto found;
    }

    if (data == NGX_HTTP_TRTC_VAR_AUTH_RESULT) {
        s = trtc_strerror(ctx->rc);
        v->data = (u_char *) s;
        v->len = ngx_strlen(s);
        goto found;
    }

    if (ctx->rc != TRTC_OK) {
        v->not_found = 1;
        return NGX_OK;
    }

    tok = &ctx->token;

    switch (data) {

    case NGX_HTTP_TRTC_VAR_JANUS_TOKEN:
    case NGX_HTTP_TRTC_VAR_JANUS_ROOM_TOKEN:
    case NGX_HTTP_TRTC_VAR_JANUS_ROOM:
    case NGX_HTTP_TRTC_VAR_JANUS_ROOM_PIN:
        tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

        switch (ngx_http_trtc_janus_tokens(r, tlcf, tok, &janus)) {

        case NGX_ERROR:
            return NGX_ERROR;

        case NGX_DECLINED:
            v->not_found = 1;
            return NGX_OK;
        }

        if (data == NGX_HTTP_TRTC_VAR_JANUS_TOKEN) {
            v->data = janus.token.data;
            v->len = janus.token.len;
            break;
        }

        if (janus.room == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        if (data == NGX_HTTP_TRTC_VAR_JANUS_ROOM_TOKEN) {
            v->data = janus.room_token.data;
            v->len = janus.room_token.len;
            break;
        }

        if (data == NGX_HTTP_TRTC_VAR_JANUS_ROOM_PIN) {
            v->data = janus.pin.data;
            v->len = janus.pin.len;
            break;
        }

        p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%uL", janus.room) - p;
        break;

    case NGX_HTTP_TRTC_VAR_USER_ID:
        v->data = (u_char *) tok->identifier;
        v->len = tok->identifier_len;
        break;

    case NGX_HTTP_TRTC_VAR_ROOM_ID:
        if (!tok->has_userbuf) {
            v->not_found = 1;
            return NGX_OK;
        }

        p = ngx_pnalloc(r->pool, TRTC_ROOM_TEXT_MAX + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        trtc_room_of(&tok->userbuf, &room);

        v->data = p;
        v->len = trtc_room_text(&room, (char *) p);
        break;

    case NGX_HTTP_TRTC_VAR_PRIVILEGE:
        if (!tok->has_userbuf) {
            v->not_found = 1;
            return NGX_OK;
        }

        p = ngx_pnalloc(r->pool, NGX_INT32_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%uD", tok->userbuf.privilege) - p;
        break;

    default: /* NGX_HTTP_TRTC_VAR_EXPIRES */
        expires = tok->time + tok->expire;

        if (tok->has_userbuf && tok->userbuf.expire < expires) {
            expires = tok->userbuf.expire;
        }

        p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%L", expires) - p;
        break;
    }

found:

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * What a page needs to know of its verified user, as a JSON object safe
 * to put into HTML and a <script> element as it is: ids are restricted,
 * and '<', '>' and '&' of string rooms are escaped.
 */

static ngx_int_t
ngx_http_trtc_client_config(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_http_trtc_ctx_t *ctx)
{
    u_char                    *p;
    int64_t                    expires;
    trtc_room_t                room;
    trtc_token_t              *tok;
    ngx_http_trtc_loc_conf_t  *tlcf;

    tlcf = ngx_http_get_module_loc_conf(r, ngx_http_trtc_module);

    if (tlcf->sdkappid == NGX_CONF_UNSET_UINT) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, sizeof("{\"sdkAppId\":,\"userId\":\"\","
                                    "\"roomId\":,\"privilege\":,"
                                    "\"expiresAt\":}") - 1
                             + NGX_INT_T_LEN + TRTC_USERID_MAX
                             + 2 + 6 * TRTC_STRROOM_MAX
                             + NGX_INT32_LEN + NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;

    p = ngx_sprintf(p, "{\"sdkAppId\":%ui", tlcf->sdkappid);

    if (ctx && ctx->rc == TRTC_OK) {
        tok = &ctx->token;
        expires = tok->time + tok->expire;

        p = ngx_sprintf(p, ",\"userId\":\"%s\"", tok->identifier);

        if (tok->has_userbuf) {
            if (tok->userbuf.expire < expires) {
                expires = tok->userbuf.expire;
            }

            trtc_room_of(&tok->userbuf, &room);

            p = ngx_cpymem(p, ",\"roomId\":", sizeof(",\"roomId\":") - 1);
            p = ngx_http_trtc_json_room(p, &room);
            p = ngx_sprintf(p, ",\"privilege\":%uD", tok->userbuf.privilege);
        }

        p = ngx_sprintf(p, ",\"expiresAt\":%L", expires);
    }

    *p++ = '}';

    v->len = p - v->data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static char *
ngx_http_trtc_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    u_char                     *buf;
    char                       *rv;
    size_t                      len;
    ngx_str_t                  *value;
    trtc_key_t                 *key, **k;
    ngx_pool_cleanup_t         *cln;
    ngx_http_trtc_main_conf_t  *tmcf;

    value = cf->args->elts;

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);
    tmcf->keys = 1;

    if (tlcf->keys == NGX_CONF_UNSET_PTR) {
        tlcf->keys = ngx_array_create(cf->pool, 2, sizeof(trtc_key_t *));
        if (tlcf->keys == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_trtc_read_secret(cf, &value[1], &buf, &len) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rv = NGX_CONF_ERROR;

    key = trtc_key_load(buf, len);

    if (key == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "trtc key file \"%V\" holds no usable key "
                           "(the first line, 1 to %d bytes)",
                           &value[1], TRTC_KEY_MAX);
        goto done;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        trtc_key_destroy(key);
        goto done;
    }

    cln->handler = ngx_http_trtc_key_cleanup;
    cln->data = key;

    k = ngx_array_push(tlcf->keys);
    if (k == NULL) {
        goto done;
    }

    *k = key;

    rv = NGX_CONF_OK;

done:

    ngx_explicit_memzero(buf, len);
    ngx_free(buf);

    return rv;
}


/*
 * A secret file's contents, read by the master at configuration time:
 * a regular file of at most TRTC_KEY_MAX + 2 bytes, with a warning when
 * others may read it.  The caller wipes and frees *buf.
 */

static ngx_int_t
ngx_http_trtc_read_secret(ngx_conf_t *cf, ngx_str_t *path, u_char **buf,
    size_t *len)
{
    u_char           *b;
    ssize_t           n;
    ngx_int_t         rc;
    ngx_str_t         name;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    name = *path;

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));

    file.name = name;
    file.log = cf->log;

    file.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%s\" failed", name.data);
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%s\" failed", name.data);
        goto done;
    }

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "trtc secret file \"%s\" is not a regular file",
                           name.data);
        goto done;
    }

    if (ngx_file_size(&fi) > TRTC_KEY_MAX + 2) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "trtc secret file \"%s\" is larger than %d bytes",
                           name.data, TRTC_KEY_MAX);
        goto done;
    }

    if (ngx_file_access(&fi) & (S_IROTH|S_IWOTH)) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "trtc secret file \"%s\" is accessible by others, "
                           "consider \"chmod o-rw\"", name.data);
    }

    *len = (size_t) ngx_file_size(&fi);

    b = ngx_alloc(*len + 1, cf->log);
    if (b == NULL) {
        goto done;
    }

    n = ngx_read_file(&file, b, *len, 0);

    if (n == NGX_ERROR || (size_t) n != *len) {
        if (n != NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               ngx_read_file_n " \"%s\" returned only "
                               "%z bytes instead of %uz", name.data, n, *len);
        }

        ngx_explicit_memzero(b, *len);
        ngx_free(b);
        goto done;
    }

    *buf = b;
    rc = NGX_OK;

done:

    if (ngx_close_file(file.fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", name.data);
    }

    return rc;
}


/*
 * trtc_turn_secret_file, trtc_janus_secret_file: the first line of a
 * file, kept in the configuration and wiped with it
 */

static char *
ngx_http_trtc_secret_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char              *buf;
    size_t               len, n;
    ngx_str_t           *value, *secret;
    ngx_pool_cleanup_t  *cln;

    secret = (ngx_str_t *) (p + cmd->offset);

    if (secret->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_http_trtc_read_secret(cf, &value[1], &buf, &len) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    n = trtc_first_line(buf, len);

    if (n == 0 || ngx_strlchr(buf, buf + n, '\0') != NULL) {
        ngx_explicit_memzero(buf, len);
        ngx_free(buf);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s secret file \"%V\" holds no secret "
                           "(the first line, with no NUL byte)",
                           (char *) cmd->post, &value[1]);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(ngx_str_t));
    if (cln == NULL) {
        ngx_explicit_memzero(buf, len);
        ngx_free(buf);
        return NGX_CONF_ERROR;
    }

    secret->data = ngx_pnalloc(cf->pool, n);
    if (secret->data == NULL) {
        ngx_explicit_memzero(buf, len);
        ngx_free(buf);
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(secret->data, buf, n);
    secret->len = n;

    ngx_explicit_memzero(buf, len);
    ngx_free(buf);

    /* wiped with the configuration */

    *(ngx_str_t *) cln->data = *secret;
    cln->handler = ngx_http_trtc_secret_cleanup;

    return NGX_CONF_OK;
}


static void
ngx_http_trtc_secret_cleanup(void *data)
{
    ngx_str_t  *secret = data;

    ngx_explicit_memzero(secret->data, secret->len);
}


/* TURN or STUN URLs, kept as a JSON list's members */

static char *
ngx_http_trtc_turn_urls(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    u_char      *p;
    size_t       len;
    ngx_str_t   *value;
    ngx_uint_t   i, j;

    if (tlcf->turn_urls.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    len = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "turn:", 5) != 0
            && ngx_strncmp(value[i].data, "turns:", 6) != 0
            && ngx_strncmp(value[i].data, "stun:", 5) != 0)
        {
            goto invalid;
        }

        for (j = 0; j < value[i].len; j++) {
            if (value[i].data[j] <= ' ' || value[i].data[j] >= 0x7f
                || value[i].data[j] == '"' || value[i].data[j] == '\\'
                || value[i].data[j] == '<' || value[i].data[j] == '>')
            {
                goto invalid;
            }
        }

        len += value[i].len + 3;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    tlcf->turn_urls.data = p;

    for (i = 1; i < cf->args->nelts; i++) {
        p = ngx_sprintf(p, "%s\"%V\"", i > 1 ? "," : "", &value[i]);
    }

    tlcf->turn_urls.len = p - tlcf->turn_urls.data;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid TURN URL \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


static void
ngx_http_trtc_key_cleanup(void *data)
{
    trtc_key_destroy(data);
}


/*
 * trtc_issue, trtc_janus: the location's content handler (the command's
 * post), and its flag set
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
ngx_http_trtc_stamp_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_trtc_stamp_handler;

    return NGX_CONF_OK;
}


/* plugin package names, as the core's token lists them: "a,b" */

static char *
ngx_http_trtc_janus_plugins(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    u_char      *p, c;
    size_t       len;
    ngx_str_t   *value;
    ngx_uint_t   i, j;

    if (tlcf->janus_plugins.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    len = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0) {
            goto invalid;
        }

        for (j = 0; j < value[i].len; j++) {
            c = value[i].data[j];

            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9') || c == '.' || c == '_'
                  || c == '-'))
            {
                goto invalid;
            }
        }

        len += value[i].len + 1;
    }

    if (len - 1 > TRTC_JANUS_FIELD_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "Janus plugins longer than %d bytes in all",
                           TRTC_JANUS_FIELD_MAX);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    tlcf->janus_plugins.data = p;

    for (i = 1; i < cf->args->nelts; i++) {
        p = ngx_sprintf(p, "%s%V", i > 1 ? "," : "", &value[i]);
    }

    tlcf->janus_plugins.len = p - tlcf->janus_plugins.data;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid Janus plugin \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_trtc_issue_cookie(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    u_char      *p;
    size_t       len;
    ngx_str_t   *value, path, domain, samesite;
    ngx_uint_t   i;

    if (tlcf->cookie_name.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no parameters with \"off\"";
        }

        ngx_str_set(&tlcf->cookie_name, "");
        return NGX_CONF_OK;
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] <= ' ' || value[1].data[i] >= 0x7f
            || ngx_strchr("()<>@,;:\\\"/[]?={}", value[1].data[i]))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid cookie name \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    tlcf->cookie_name = value[1];
    tlcf->cookie_secure = 0;

    ngx_str_set(&path, "/");
    ngx_str_set(&samesite, "Lax");
    ngx_str_null(&domain);

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "path=", 5) == 0) {
            path.data = value[i].data + 5;
            path.len = value[i].len - 5;

            if (path.len == 0 || path.data[0] != '/'
                || ngx_strlchr(path.data, path.data + path.len, ';'))
            {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "domain=", 7) == 0) {
            domain.data = value[i].data + 7;
            domain.len = value[i].len - 7;

            if (domain.len == 0
                || ngx_strlchr(domain.data, domain.data + domain.len, ';'))
            {
                goto invalid;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "samesite=strict") == 0) {
            ngx_str_set(&samesite, "Strict");
            continue;
        }

        if (ngx_strcmp(value[i].data, "samesite=lax") == 0) {
            ngx_str_set(&samesite, "Lax");
            continue;
        }

        if (ngx_strcmp(value[i].data, "samesite=none") == 0) {
            ngx_str_set(&samesite, "None");
            tlcf->cookie_secure = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "secure") == 0) {
            tlcf->cookie_secure = 1;
            continue;
        }

        goto invalid;
    }

    len = sizeof("; Path=; Domain=; HttpOnly; SameSite=") - 1
          + path.len + domain.len + samesite.len;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    tlcf->cookie_attrs.data = p;

    p = ngx_sprintf(p, "; Path=%V", &path);

    if (domain.len) {
        p = ngx_sprintf(p, "; Domain=%V", &domain);
    }

    p = ngx_sprintf(p, "; HttpOnly; SameSite=%V", &samesite);

    tlcf->cookie_attrs.len = p - tlcf->cookie_attrs.data;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_trtc_privilege_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char                      *s;
    size_t                       len;
    uint32_t                     bits;
    ngx_str_t                   *value, text;
    ngx_uint_t                   i;
    ngx_http_trtc_privilege_t  **field, *priv;

    field = (ngx_http_trtc_privilege_t **) (p + cmd->offset);

    if (*field != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* several words are one list: "enter send_audio recv_audio" */

    len = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        len += value[i].len + 1;
    }

    s = ngx_pnalloc(cf->pool, len);
    if (s == NULL) {
        return NGX_CONF_ERROR;
    }

    text.data = s;

    for (i = 1; i < cf->args->nelts; i++) {
        s = ngx_cpymem(s, value[i].data, value[i].len);
        *s++ = ' ';
    }

    text.len = len - 1;

    priv = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_privilege_t));
    if (priv == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_script_variables_count(&text) == 0) {
        if (trtc_privilege_parse((char *) text.data, text.len, &bits) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid privilege \"%V\"", &text);
            return NGX_CONF_ERROR;
        }

        priv->bits = bits;
        *field = priv;

        return NGX_CONF_OK;
    }

    priv->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (priv->value == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_trtc_compile(cf, &text, priv->value) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    *field = priv;

    return NGX_CONF_OK;
}


/* trtc_issue_user, trtc_issue_room, trtc_auth_user, trtc_auth_room */

static char *
ngx_http_trtc_id_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t            *value;
    ngx_http_trtc_id_t  **field, *id;

    field = (ngx_http_trtc_id_t **) (p + cmd->offset);

    if (*field != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    id = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_id_t));
    if (id == NULL) {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 3) {
        if (ngx_strcmp(value[2].data, "decoded") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        id->decoded = 1;
    }

    if (ngx_http_trtc_compile(cf, &value[1], &id->cv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    *field = id;

    return NGX_CONF_OK;
}


static char *
ngx_http_trtc_auth_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    ngx_str_t  *value;

    if (tlcf->auth_token != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    tlcf->auth_token = ngx_http_trtc_compile_list(cf, &value[1],
                                                  cf->args->nelts - 1);
    if (tlcf->auth_token == NULL) {
        return NGX_CONF_ERROR;
    }

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


static char *
ngx_http_trtc_auth_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_trtc_loc_conf_t *tlcf = conf;

    ngx_str_t  *value;

    if (tlcf->cache != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        tlcf->cache = NULL;
        return NGX_CONF_OK;
    }

    tlcf->cache = ngx_http_trtc_cache_use(cf, &value[1]);
    if (tlcf->cache == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_trtc_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_trtc_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static void *
ngx_http_trtc_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_main_conf_t));
}


/* the defaults, compiled once for all locations */

static ngx_array_t *
ngx_http_trtc_default_tokens(ngx_conf_t *cf)
{
    ngx_http_trtc_main_conf_t  *tmcf;

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);

    if (tmcf->default_tokens == NULL) {
        tmcf->default_tokens = ngx_http_trtc_compile_list(cf,
                                   ngx_http_trtc_token_sources,
                                   sizeof(ngx_http_trtc_token_sources)
                                   / sizeof(ngx_str_t));
    }

    return tmcf->default_tokens;
}


static ngx_http_trtc_id_t *
ngx_http_trtc_default_user(ngx_conf_t *cf)
{
    ngx_http_trtc_id_t         *id;
    ngx_http_trtc_main_conf_t  *tmcf;

    tmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_trtc_module);

    if (tmcf->default_user == NULL) {
        id = ngx_pcalloc(cf->pool, sizeof(ngx_http_trtc_id_t));
        if (id == NULL) {
            return NULL;
        }

        if (ngx_http_trtc_compile(cf, &ngx_http_trtc_user, &id->cv)
            != NGX_OK)
        {
            return NULL;
        }

        tmcf->default_user = id;
    }

    return tmcf->default_user;
}


static ngx_int_t
ngx_http_trtc_compile(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_complex_value_t *cv)
{
    ngx_http_compile_complex_value_t  ccv;

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = value;
    ccv.complex_value = cv;

    return ngx_http_compile_complex_value(&ccv);
}


static ngx_array_t *
ngx_http_trtc_compile_list(ngx_conf_t *cf, ngx_str_t *values, ngx_uint_t n)
{
    ngx_uint_t                 i;
    ngx_array_t               *a;
    ngx_http_complex_value_t  *cv;

    a = ngx_array_create(cf->pool, n, sizeof(ngx_http_complex_value_t));
    if (a == NULL) {
        return NULL;
    }

    cv = ngx_array_push_n(a, n);
    if (cv == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_trtc_compile(cf, &values[i], &cv[i]) != NGX_OK) {
            return NULL;
        }
    }

    return a;
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
     *     conf->issue_user = NULL;
     *     conf->issue_room = NULL;
     *     conf->cookie_name = { 0, NULL };
     *     conf->cookie_attrs = { 0, NULL };
     *     conf->turn_secret = { 0, NULL };
     *     conf->turn_urls = { 0, NULL };
     *     conf->janus_secret = { 0, NULL };
     *     conf->janus_plugins = { 0, NULL };
     *     conf->auth_user = NULL;
     *     conf->auth_room = NULL;
     *     conf->auth_args = NULL;
     */

    conf->sdkappid = NGX_CONF_UNSET_UINT;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->issue = NGX_CONF_UNSET;
    conf->issue_privilege = NGX_CONF_UNSET_PTR;
    conf->issue_expire = NGX_CONF_UNSET;
    conf->cookie_secure = NGX_CONF_UNSET;
    conf->turn_ttl = NGX_CONF_UNSET;
    conf->janus = NGX_CONF_UNSET;
    conf->janus_ttl = NGX_CONF_UNSET;
    conf->auth = NGX_CONF_UNSET;
    conf->auth_token = NGX_CONF_UNSET_PTR;
    conf->auth_privilege = NGX_CONF_UNSET_PTR;
    conf->auth_leeway = NGX_CONF_UNSET;
    conf->auth_status = NGX_CONF_UNSET_UINT;
    conf->auth_log_level = NGX_CONF_UNSET_UINT;
    conf->cache = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_trtc_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_trtc_loc_conf_t *prev = parent;
    ngx_http_trtc_loc_conf_t *conf = child;

    ngx_conf_merge_uint_value(conf->sdkappid, prev->sdkappid,
                              NGX_CONF_UNSET_UINT);
    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);

    ngx_conf_merge_value(conf->issue, prev->issue, 0);

    if (conf->issue_user == NULL) {
        conf->issue_user = prev->issue_user;
    }

    if (conf->issue_room == NULL) {
        conf->issue_room = prev->issue_room;
    }

    ngx_conf_merge_ptr_value(conf->issue_privilege, prev->issue_privilege,
                             NULL);
    ngx_conf_merge_sec_value(conf->issue_expire, prev->issue_expire, 86400);

    if (conf->cookie_name.data == NULL) {
        conf->cookie_name = prev->cookie_name;
        conf->cookie_attrs = prev->cookie_attrs;
        conf->cookie_secure = prev->cookie_secure;
    }

    ngx_conf_merge_value(conf->cookie_secure, prev->cookie_secure, 0);

    if (conf->turn_secret.data == NULL) {
        conf->turn_secret = prev->turn_secret;
    }

    if (conf->turn_urls.data == NULL) {
        conf->turn_urls = prev->turn_urls;
    }

    /* 0: the token's lifetime, known only where the token is issued */
    ngx_conf_merge_sec_value(conf->turn_ttl, prev->turn_ttl, 0);

    ngx_conf_merge_value(conf->janus, prev->janus, 0);

    if (conf->janus_secret.data == NULL) {
        conf->janus_secret = prev->janus_secret;
    }

    if (conf->janus_plugins.data == NULL) {
        conf->janus_plugins = prev->janus_plugins;
    }

    if (conf->janus_plugins.data == NULL) {
        ngx_str_set(&conf->janus_plugins, "janus.plugin.videoroom");
    }

    ngx_conf_merge_sec_value(conf->janus_ttl, prev->janus_ttl, 0);

    ngx_conf_merge_value(conf->auth, prev->auth, 0);
    ngx_conf_merge_ptr_value(conf->auth_token, prev->auth_token, NULL);

    if (conf->auth_user == NULL) {
        conf->auth_user = prev->auth_user;
    }

    if (conf->auth_room == NULL) {
        conf->auth_room = prev->auth_room;
    }

    ngx_conf_merge_ptr_value(conf->auth_privilege, prev->auth_privilege,
                             NULL);

    if (ngx_http_trtc_auth_args(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_sec_value(conf->auth_leeway, prev->auth_leeway, 0);
    ngx_conf_merge_uint_value(conf->auth_status, prev->auth_status,
                              NGX_HTTP_UNAUTHORIZED);
    ngx_conf_merge_uint_value(conf->auth_log_level, prev->auth_log_level,
                              NGX_LOG_ERR);

    if ((conf->issue || conf->auth)
        && (conf->keys == NULL || conf->sdkappid == NGX_CONF_UNSET_UINT))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" needs \"trtc_sdkappid\" and "
                           "\"trtc_key_file\"",
                           conf->issue ? "trtc_issue" : "trtc_auth");
        return NGX_CONF_ERROR;
    }

    if (conf->janus
        && (conf->janus_secret.data == NULL || conf->keys == NULL
            || conf->sdkappid == NGX_CONF_UNSET_UINT))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"trtc_janus\" needs \"trtc_sdkappid\", "
                           "\"trtc_key_file\" and \"trtc_janus_secret_file\"");
        return NGX_CONF_ERROR;
    }

    if (conf->issue && conf->issue_user == NULL) {
        conf->issue_user = ngx_http_trtc_default_user(cf);
        if (conf->issue_user == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ngx_conf_merge_ptr_value(conf->cache, prev->cache, NULL);

    if (conf->cache && conf->keys != NULL
        && conf->sdkappid != NGX_CONF_UNSET_UINT
        && trtc_keyset_id(conf->keys->elts, conf->keys->nelts,
                          (uint32_t) conf->sdkappid, conf->keyset)
           != 0)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->auth_token == NULL && conf->keys != NULL) {
        conf->auth_token = ngx_http_trtc_default_tokens(cf);
        if (conf->auth_token == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_trtc_auth_args(cf, conf) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * The query arguments the checks read: the names of $arg_NAME where it is
 * the whole of a token source, of trtc_auth_user or of trtc_auth_room.
 * The token sources may be the defaults, set later in the merge: the
 * list is made again then.
 */

static ngx_int_t
ngx_http_trtc_auth_args(ngx_conf_t *cf, ngx_http_trtc_loc_conf_t *conf)
{
    ngx_uint_t                 i;
    ngx_http_complex_value_t  *cv;

    conf->auth_args = NULL;

    if (conf->auth_token != NULL && conf->auth_token != NGX_CONF_UNSET_PTR) {
        cv = conf->auth_token->elts;

        for (i = 0; i < conf->auth_token->nelts; i++) {
            if (ngx_http_trtc_auth_arg(cf, conf, &cv[i]) != NGX_OK) {
                return NGX_ERROR;
            }
        }
    }

    if (conf->auth_user
        && ngx_http_trtc_auth_arg(cf, conf, &conf->auth_user->cv) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (conf->auth_room
        && ngx_http_trtc_auth_arg(cf, conf, &conf->auth_room->cv) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* "$arg_NAME" or "${arg_NAME}" adds NAME to the list */

static ngx_int_t
ngx_http_trtc_auth_arg(ngx_conf_t *cf, ngx_http_trtc_loc_conf_t *conf,
    ngx_http_complex_value_t *cv)
{
    u_char      *p, *last;
    ngx_str_t    name, *n;
    ngx_uint_t   brace;

    p = cv->value.data;
    last = p + cv->value.len;

    if (cv->value.len < 6 || p[0] != '$') {
        return NGX_OK;
    }

    brace = (p[1] == '{');

    if (brace && last[-1] != '}') {
        return NGX_OK;
    }

    p += 1 + brace;
    last -= brace;

    if (last - p <= 4 || ngx_strncmp(p, "arg_", 4) != 0) {
        return NGX_OK;
    }

    name.data = p + 4;
    name.len = last - name.data;

    if (name.len > NGX_HTTP_TRTC_ARG_NAME_MAX) {
        return NGX_OK;
    }

    for (p = name.data; p < last; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_'))
        {
            return NGX_OK;
        }
    }

    if (conf->auth_args == NULL) {
        conf->auth_args = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (conf->auth_args == NULL) {
            return NGX_ERROR;
        }
    }

    n = ngx_array_push(conf->auth_args);
    if (n == NULL) {
        return NGX_ERROR;
    }

    *n = name;

    return NGX_OK;
}


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
    if (ngx_http_trtc_worker_ctx(cycle->log) == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_trtc_exit_process(ngx_cycle_t *cycle)
{
    trtc_ctx_destroy(ngx_http_trtc_worker);
    ngx_http_trtc_worker = NULL;
}
