
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * The module's private header: its configuration, grouped by feature
 * (the access check, issuing, TURN, Janus), the request's context, and
 * what the files of the module call of each other.  The token itself is
 * trtc_token.h's (plain C); the TURN and Janus credentials trtc_cred.h's.
 *
 *   ngx_http_trtc_module.c     directives, configuration, phases, worker
 *   ngx_http_trtc_values.c     token sources, ids and privileges as given
 *   ngx_http_trtc_access.c     verification and the checks, trtc_auth
 *   ngx_http_trtc_session.c    connections closed at expiry or removal
 *   ngx_http_trtc_removal.c    trtc_remove and the removals' zone
 *   ngx_http_trtc_watch.c      removals of other servers, through nchan
 *   ngx_http_trtc_log.c        error log lines with no query string
 *   ngx_http_trtc_issue.c      trtc_issue: tokens, the cookie, TURN
 *   ngx_http_trtc_janus.c      trtc_janus and the Janus tokens
 *   ngx_http_trtc_stamp.c      trtc_stamp, for nchan's publisher
 *   ngx_http_trtc_variables.c  the $trtc_* variables
 *   ngx_http_trtc_keys.c       key and secret files
 *   ngx_http_trtc_json.c       JSON strings and replies
 *   ngx_http_trtc_status.c     trtc_status: the module's counters
 *   ngx_http_trtc_cache.c      the verification cache (its own header)
 */


#ifndef _NGX_HTTP_TRTC_MODULE_H_INCLUDED_
#define _NGX_HTTP_TRTC_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "trtc_token.h"
#include "trtc_cred.h"
#include "trtc_sdp.h"
#include "ngx_http_trtc_cache.h"


/* trtc_auth_privilege not given, or empty */
#define NGX_HTTP_TRTC_PRIV_UNSET      0xffffffff

/* what entering a room takes, by TRTC's rule: either bit */
#define NGX_HTTP_TRTC_PRIV_ENTRY      (TRTC_PRIV_CREATE|TRTC_PRIV_ENTER)

/* a removal's key: room kind, room text, LF, user id or "*" */
#define NGX_HTTP_TRTC_REMOVAL_KEY_MAX                                       \
    (1 + TRTC_ROOM_TEXT_MAX + 1 + TRTC_USERID_MAX)

/* the longest cookie path trtc_issue_cookie's variables may give */
#define NGX_HTTP_TRTC_COOKIE_PATH_MAX 1024

/* the longest $arg_NAME whose repetition the checks look for */
#define NGX_HTTP_TRTC_ARG_NAME_MAX    64


typedef struct {
    ngx_http_complex_value_t  *value;
    ngx_uint_t                 bits;      /* when value has no variables */
} ngx_http_trtc_privilege_t;


/* the post of a list directive (ngx_http_trtc_list_slot) */
typedef struct {
    const char                *name;      /* of one item, for errors */
    ngx_uint_t                 json;      /* "a","b", else a,b */
    size_t                     max;       /* bytes in all, 0: no bound */
    ngx_uint_t               (*valid)(ngx_str_t *item);
} ngx_http_trtc_list_t;


/*
 * A user or room id: URL-unescaped once when read, unless the value is
 * decoded already ("decoded": a capture of the location's URI)
 */
typedef struct {
    ngx_http_complex_value_t   cv;
    ngx_int_t                  index;     /* as ngx_http_trtc_source_t's */
    ngx_uint_t                 decoded;
} ngx_http_trtc_id_t;


/*
 * A token source (trtc_auth_token): a complex value, or, where it is one
 * variable and nothing else, that variable's index, to read the value
 * where the variable has it instead of a copy
 */
typedef struct {
    ngx_http_complex_value_t   cv;
    ngx_int_t                  index;     /* NGX_ERROR: not one variable */
} ngx_http_trtc_source_t;


/* trtc_auth and its trtc_auth_* directives */
typedef struct {
    ngx_flag_t                 enable;
    ngx_array_t               *tokens;    /* of ngx_http_trtc_source_t */
    ngx_http_trtc_id_t        *user;
    ngx_http_trtc_id_t        *room;
    ngx_array_t               *args;      /* of ngx_str_t: $arg_ names read */
    ngx_http_trtc_privilege_t *privilege;
    time_t                     leeway;
    ngx_flag_t                 close_expired;
    ngx_uint_t                 status;
    ngx_uint_t                 log_level;
    ngx_shm_zone_t            *cache;
    u_char                     keyset[TRTC_DIGEST_LEN];
} ngx_http_trtc_auth_conf_t;


/* trtc_issue and its trtc_issue_* directives */
typedef struct {
    ngx_flag_t                 enable;
    ngx_http_trtc_id_t        *user;
    ngx_http_trtc_id_t        *room;
    ngx_http_trtc_privilege_t *privilege;
    time_t                     expire;
    ngx_str_t                  cookie_name;
    ngx_http_complex_value_t  *cookie_path;   /* NULL: "/" */
    ngx_str_t                  cookie_attrs;  /* after the path */
    ngx_flag_t                 cookie_secure;
} ngx_http_trtc_issue_conf_t;


/* trtc_turn_*: coturn's REST API credentials with the issued tokens */
typedef struct {
    ngx_str_t                  secret;
    ngx_str_t                  urls;      /* as JSON: "a","b" */
    time_t                     ttl;       /* 0: the token's lifetime */
} ngx_http_trtc_turn_conf_t;


/* trtc_janus and its trtc_janus_* directives */
typedef struct {
    ngx_flag_t                 enable;
    ngx_str_t                  secret;
    ngx_str_t                  plugins;   /* "a,b" */
    time_t                     ttl;       /* 0: the token's own expiry */
} ngx_http_trtc_janus_conf_t;


/* trtc_remove: a host's removal of a member, or of everyone */
typedef struct {
    ngx_http_complex_value_t  *user;      /* NULL: no trtc_remove */
    ngx_http_complex_value_t  *time;
} ngx_http_trtc_remove_conf_t;


typedef struct ngx_http_trtc_removal_s  ngx_http_trtc_removal_t;


typedef struct {
    ngx_uint_t                 sdkappid;
    ngx_array_t               *keys;      /* of trtc_key_t *; first signs */
    ngx_array_t               *key_ids;   /* of uint32_t, as keys */
    ngx_http_trtc_auth_conf_t  auth;
    ngx_http_trtc_issue_conf_t issue;
    ngx_http_trtc_turn_conf_t  turn;
    ngx_http_trtc_janus_conf_t janus;
    ngx_flag_t                 stamp;     /* trtc_stamp */
    ngx_shm_zone_t            *removal;   /* trtc_removal */
    ngx_http_trtc_remove_conf_t remove;
} ngx_http_trtc_loc_conf_t;


typedef struct ngx_http_trtc_watch_s  ngx_http_trtc_watch_t;


typedef struct {
    ngx_array_t               *watches;   /* of ngx_http_trtc_watch_t * */
    ngx_array_t               *default_tokens;
    ngx_http_trtc_id_t        *default_user;
    ngx_flag_t                 keys;      /* a trtc_key_file anywhere */
    ngx_array_t               *key_files; /* of ngx_http_trtc_key_file_t */
    ngx_shm_zone_t            *status;    /* the counters: trtc_status */
} ngx_http_trtc_main_conf_t;


/* a key file as the counters name it: its key's id, and its path */
typedef struct {
    uint32_t                   id;
    ngx_str_t                  path;
} ngx_http_trtc_key_file_t;


/* what trtc_issue and trtc_janus are counted by */
typedef enum {
    NGX_HTTP_TRTC_ISSUED_USERSIG = 0,
    NGX_HTTP_TRTC_ISSUED_PMK,
    NGX_HTTP_TRTC_ISSUED_TURN,
    NGX_HTTP_TRTC_ISSUED_JANUS,
    NGX_HTTP_TRTC_ISSUED_LAST
} ngx_http_trtc_issued_e;


/* the Janus tokens of a verified token (trtc_janus) */
typedef struct {
    void                      *conf;        /* the settings they came from */
    ngx_str_t                  token;       /* the core's */
    ngx_str_t                  room_token;  /* the VideoRoom's */
    uint64_t                   room;        /* 0: no room to enter */
    ngx_str_t                  pin;         /* the room's */
    int64_t                    expires;
} ngx_http_trtc_janus_t;


typedef enum {
    NGX_HTTP_TRTC_CACHE_NONE = 0,           /* no trtc_auth_cache */
    NGX_HTTP_TRTC_CACHE_MISS,
    NGX_HTTP_TRTC_CACHE_HIT
} ngx_http_trtc_cache_e;


/* the request's verification, for the access handler and the variables */
typedef struct {
    trtc_rc_t                  reason;      /* TRTC_OK: accepted */
    void                      *conf;        /* the checks it was made with */
    ngx_http_trtc_cache_e      cache;
    trtc_token_t               token;
    ngx_http_trtc_janus_t     *janus;       /* made at the first use */
    size_t                     member_len;  /* 0: no removal zone */
    u_char                     member[NGX_HTTP_TRTC_REMOVAL_KEY_MAX];
} ngx_http_trtc_ctx_t;


/* ngx_http_trtc_module.c */
trtc_ctx_t *ngx_http_trtc_worker_ctx(ngx_log_t *log);
ngx_int_t ngx_http_trtc_conf_join(ngx_conf_t *cf, u_char sep,
    ngx_uint_t quote, ngx_str_t *out);


/* ngx_http_trtc_values.c */
ngx_int_t ngx_http_trtc_token(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, ngx_str_t *token);
ngx_int_t ngx_http_trtc_value(ngx_http_request_t *r, ngx_http_trtc_id_t *id,
    ngx_str_t *value);
ngx_int_t ngx_http_trtc_privilege(ngx_http_request_t *r,
    ngx_http_trtc_privilege_t *priv, uint32_t dflt, uint32_t *bits);
char *ngx_http_trtc_id_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_trtc_privilege_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_trtc_auth_token(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_array_t *ngx_http_trtc_default_tokens(ngx_conf_t *cf);
ngx_http_trtc_id_t *ngx_http_trtc_default_user(ngx_conf_t *cf);

/* ngx_http_trtc_access.c */
ngx_int_t ngx_http_trtc_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_trtc_result(ngx_http_request_t *r,
    ngx_http_trtc_ctx_t **ctxp);
ngx_int_t ngx_http_trtc_auth_args(ngx_conf_t *cf,
    ngx_http_trtc_loc_conf_t *conf);

/* ngx_http_trtc_session.c */
ngx_int_t ngx_http_trtc_session(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, ngx_http_trtc_ctx_t *ctx);

/* ngx_http_trtc_removal.c */
extern ngx_uint_t  ngx_http_trtc_removal_tag;
char *ngx_http_trtc_removal_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_trtc_remove_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
size_t ngx_http_trtc_removal_key(trtc_room_t *room, u_char *user, size_t len,
    u_char *key);
time_t ngx_http_trtc_removed(ngx_shm_zone_t *zone, u_char *key, size_t len);
ngx_int_t ngx_http_trtc_remove(ngx_shm_zone_t *zone, u_char *key,
    size_t len, time_t until, ngx_log_t *log);
ngx_atomic_uint_t ngx_http_trtc_removal_version(ngx_shm_zone_t *zone);
ngx_int_t ngx_http_trtc_remove_handler(ngx_http_request_t *r);

/* ngx_http_trtc_watch.c */
ngx_http_trtc_watch_t *ngx_http_trtc_watch_conf(ngx_conf_t *cf,
    ngx_str_t *arg, ngx_shm_zone_t *zone);
ngx_int_t ngx_http_trtc_watch_start(ngx_cycle_t *cycle,
    ngx_array_t *watches);

/* ngx_http_trtc_log.c */
ngx_int_t ngx_http_trtc_post_read_handler(ngx_http_request_t *r);

/* ngx_http_trtc_issue.c */
ngx_int_t ngx_http_trtc_issue_handler(ngx_http_request_t *r);
char *ngx_http_trtc_issue_cookie(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
extern ngx_http_trtc_list_t  ngx_http_trtc_turn_urls;

/* ngx_http_trtc_janus.c */
ngx_int_t ngx_http_trtc_janus_handler(ngx_http_request_t *r);
ngx_http_trtc_janus_t *ngx_http_trtc_janus_get(ngx_http_request_t *r,
    ngx_http_trtc_ctx_t *ctx);
extern ngx_http_trtc_list_t  ngx_http_trtc_janus_plugins;

/* ngx_http_trtc_stamp.c */
ngx_int_t ngx_http_trtc_stamp_handler(ngx_http_request_t *r);

/* ngx_http_trtc_variables.c */
ngx_int_t ngx_http_trtc_add_variables(ngx_conf_t *cf);

/* ngx_http_trtc_keys.c */
char *ngx_http_trtc_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_trtc_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_trtc_status.c */
char *ngx_http_trtc_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
uint32_t ngx_http_trtc_key_id(trtc_key_t *key);
void ngx_http_trtc_count_verified(ngx_http_request_t *r,
    ngx_http_trtc_loc_conf_t *tlcf, ngx_http_trtc_ctx_t *ctx, ngx_int_t key,
    ngx_uint_t evicted);
void ngx_http_trtc_count_issued(ngx_http_request_t *r,
    ngx_http_trtc_issued_e kind);

/* ngx_http_trtc_json.c */
u_char *ngx_http_trtc_json_string(u_char *p, u_char *s, size_t len);
u_char *ngx_http_trtc_json_room(u_char *p, trtc_room_t *room);

/* a number in decimal, as the token core prints the signed content's */
#define ngx_http_trtc_json_number(p, v)                                     \
    ((u_char *) trtc_put_number((char *) (p), (uint64_t) (v)))

ngx_int_t ngx_http_trtc_read_nothing(ngx_http_request_t *r,
    ngx_uint_t methods);
ngx_int_t ngx_http_trtc_add_header(ngx_http_request_t *r, char *name,
    u_char *value, size_t len);
ngx_int_t ngx_http_trtc_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len);
ngx_int_t ngx_http_trtc_send_body(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len);
ngx_int_t ngx_http_trtc_send_error(ngx_http_request_t *r, ngx_uint_t status,
    char *msg);


extern ngx_module_t  ngx_http_trtc_module;


#endif /* _NGX_HTTP_TRTC_MODULE_H_INCLUDED_ */
