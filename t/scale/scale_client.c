
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * scale_client: the demo's signaling at size, measured from a client that
 * adds nothing of its own to what it measures: one thread, epoll, no
 * allocation while it times, the clock read as each read() returns.
 *
 *   scale_client PORT MASTER_PID [N] [ROOM_SIZE] [MESSAGES]
 *
 * It asks /api/token for a PrivateMapKey for each of N users (u0, u1, ...)
 * in rooms of ROOM_SIZE, opens N WebSocket subscribers on /signal/sub,
 * then publishes MESSAGES messages one at a time, each to a room by one
 * of its members, through /signal/pub and its stamping: a message is
 * posted once the previous one's reply is read, as a member's page does.
 * The latency of a delivery runs from the write() of the POST to the
 * read() that completes the frame.  Printed as JSON: the connect time,
 * the nginx workers' memory before and after, the deliveries and their
 * latency, the publisher's round trip, and the client's own CPU time.
 *
 * With SCALE_PORT2 and SCALE_NGINX2_PID (run.sh SCALE_REDIS=1): a second
 * server sharing signaling with the first through Redis; the members of
 * every room alternate between the two, messages go to the first, and the
 * figures are also split by where the subscriber is: "same" (the first
 * server) or "cross" (the second).  With SCALE_REDIS_PORT, what Redis
 * holds while every subscriber is still connected.
 *
 * A delivery to a subscriber outside the message's room, or a second one
 * to the same member, is counted apart ("deliveries_stray") and fails the
 * run, as does a delivery missing after SC_DEADLINE.  Every socket's
 * buffer is bounded (SC_BUF); a frame that does not fit, a close, or any
 * reply but 101, 201 or 202 stops the run.
 *
 * This file holds the run: the tokens, the subscribers, the messages and
 * the figures.  The wire (connections, replies, frames, the epoll loop)
 * is scale_wire.c's.
 */


#include "scale_client.h"

#include <dirent.h>
#include <sys/resource.h>


unsigned short          sc_ports[2];
static int              sc_servers = 1;
static int              sc_rooms;
int                     sc_epoll;

sc_sock_t              *sc_socks;
static char           (*sc_tokens)[SC_TOKEN_MAX];

static double          *sc_sent;         /* a message's time of posting */
static double          *sc_lat;          /* every delivery's latency */
static double          *sc_lat_apart[2];
static size_t           sc_received, sc_received_apart[2];
long                    sc_messages;
static int             *sc_msg_room;      /* message k's room */
static int             *sc_msg_due;       /* its deliveries still due */
static size_t           sc_stray;         /* outside the room, or again */


static int
sc_server_of(int i)
{
    return sc_servers == 2 ? (i / sc_rooms) % 2 : 0;
}



/*
 * message k read by subscriber s at now: a delivery timed, or a stray one
 * (outside the message's room, or to a member that has it already)
 */

void
sc_delivered(sc_sock_t *s, long k, double now)
{
    if (sc_msg_room[k] != 1 + (s - sc_socks) % sc_rooms
        || sc_msg_due[k] == 0)
    {
        sc_stray++;
        return;
    }

    sc_msg_due[k]--;
    sc_lat[sc_received++] = now - sc_sent[k];
    sc_lat_apart[s->server][sc_received_apart[s->server]++] = now - sc_sent[k];
}

static void
sc_get_tokens(int n)
{
    int          fd, i, status, len;
    char         req[256], buf[SC_BUF];
    size_t       body, end;
    const char  *p, *q;

    fd = sc_connect(0, 0);

    for (i = 0; i < n; i++) {
        len = snprintf(req, sizeof(req),
                       "POST /api/token?userId=u%d&roomId=%d HTTP/1.1\r\n"
                       "Host: 127.0.0.1\r\nContent-Length: 0\r\n\r\n",
                       i, 1 + i % sc_rooms);

        status = sc_request(fd, req, len, buf, &body, &end);

        if (sc_closes(buf, body)) {
            close(fd);
            fd = sc_connect(0, 0);
        }

        p = strstr(buf + body, "\"privateMapKey\":\"");
        if (status != 200 || p == NULL) {
            errno = 0;
            sc_die("/api/token gave no PrivateMapKey");
        }

        p += sizeof("\"privateMapKey\":\"") - 1;
        q = strchr(p, '"');
        if (q == NULL || q - p >= SC_TOKEN_MAX) {
            errno = 0;
            sc_die("a PrivateMapKey too long");
        }

        memcpy(sc_tokens[i], p, q - p);
        sc_tokens[i][q - p] = '\0';
    }

    close(fd);
}


static void
sc_open(int i)
{
    int                  len;
    char                 req[SC_TOKEN_MAX + 256];
    sc_sock_t           *s;
    struct epoll_event   ev;

    s = &sc_socks[i];
    s->server = sc_server_of(i);
    s->fd = sc_connect(s->server, 1);

    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = i;

    if (epoll_ctl(sc_epoll, EPOLL_CTL_ADD, s->fd, &ev) == -1) {
        sc_die("epoll_ctl()");
    }

    len = snprintf(req, sizeof(req),
                   "GET /signal/sub?room=%d&privateMapKey=%s HTTP/1.1\r\n"
                   "Host: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Key: c2NhbGVjbGllbnQga2V5IQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n",
                   1 + i % sc_rooms, sc_tokens[i]);

    /* sent once the connection is up: kept in the socket's buffer */
    memcpy(s->buf, req, len);
    s->len = len;
}


/* the nginx workers of a master: their resident memory, in kB */

static long
sc_rss_kb(const char *master)
{
    long            kb, total;
    char            path[300], line[512];
    FILE           *f;
    DIR            *proc;
    struct dirent  *d;
    int             ours;

    proc = opendir("/proc");
    if (proc == NULL) {
        sc_die("/proc");
    }

    total = 0;

    while ((d = readdir(proc)) != NULL) {
        if (d->d_name[0] < '0' || d->d_name[0] > '9') {
            continue;
        }

        snprintf(path, sizeof(path), "/proc/%s/status", d->d_name);
        f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }

        ours = 0;
        kb = 0;

        while (fgets(line, sizeof(line), f)) {
            if (strncmp(line, "PPid:", 5) == 0) {
                ours = (strtol(line + 5, NULL, 10) == atol(master));

            } else if (strncmp(line, "VmRSS:", 6) == 0) {
                kb = strtol(line + 6, NULL, 10);
            }
        }

        fclose(f);

        if (ours) {
            total += kb;
        }
    }

    closedir(proc);
    errno = 0;

    return total;
}


static int
sc_cmp(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


static double
sc_pct(double *v, size_t n, double p)
{
    size_t  i;

    if (n == 0) {
        return 0;
    }

    i = (size_t) (n * p / 100);

    return v[i < n ? i : n - 1];
}


/*
 * deliveries and their latency: an object named, or the fields alone,
 * each line ending with a comma
 */

static void
sc_figures(const char *name, double *v, size_t n, size_t expected)
{
    const char  *sep;

    qsort(v, n, sizeof(double), sc_cmp);

    sep = name ? " " : "\n ";

    if (name) {
        printf(" \"%s\": {", name);
    }

    printf("%s\"deliveries_expected\": %zu,%s\"deliveries_received\": %zu,"
           "%s\"latency_ms_p50\": %.2f,%s\"latency_ms_p99\": %.2f,"
           "%s\"latency_ms_p999\": %.2f,%s\"latency_ms_max\": %.2f%s\n",
           name ? "" : " ", expected, sep, n, sep, sc_pct(v, n, 50),
           sep, sc_pct(v, n, 99), sep, sc_pct(v, n, 99.9),
           sep, n ? v[n - 1] : 0, name ? "}," : ",");
}


static long
sc_redis(const char *port, const char *args, const char *field)
{
    long   v;
    char   cmd[256], line[512];
    FILE  *p;

    snprintf(cmd, sizeof(cmd), "redis-cli -p %s %s", port, args);

    p = popen(cmd, "r");
    if (p == NULL) {
        sc_die("redis-cli");
    }

    v = 0;

    while (fgets(line, sizeof(line), p)) {
        if (field == NULL) {
            v += (line[0] != '\n');

        } else if (strncmp(line, field, strlen(field)) == 0) {
            v = strtol(line + strlen(field), NULL, 10);
        }
    }

    pclose(p);

    return v;
}


/* the subscribers, SC_CONNECTING handshakes at a time: seconds taken */

static double
sc_open_all(int n)
{
    int     opened, connecting, next, i;
    double  t0;

    t0 = sc_now();
    opened = 0;
    connecting = 0;
    next = 0;

    while (opened < n) {
        while (next < n && connecting < SC_CONNECTING) {
            sc_open(next++);
            connecting++;
        }

        i = sc_poll(1000);
        opened += i;
        connecting -= i;

        if (sc_now() - t0 > 120e3) {
            errno = 0;
            sc_die("subscribers not open within 120 s");
        }
    }

    return (sc_now() - t0) / 1e3;
}


static int
sc_publisher(void)
{
    int                 fd;
    struct epoll_event  ev;

    fd = sc_connect(0, 0);

    ev.events = EPOLLIN;
    ev.data.u32 = UINT32_MAX;

    if (epoll_ctl(sc_epoll, EPOLL_CTL_ADD, fd, &ev) == -1) {
        sc_die("epoll_ctl()");
    }

    return fd;
}


/*
 * message m, posted by a member of its room, its reply read while the
 * subscribers' frames are: the round trip in ms; the publisher's
 * connection anew if the server closes it (keepalive_requests)
 */

static double
sc_publish(int *pub, int m, int n, size_t *want, size_t *want_apart)
{
    int      i, room, status;
    char     req[SC_TOKEN_MAX + 256], reply[SC_BUF];
    size_t   rlen, body, end;
    double   tq;
    ssize_t  r;

    i = (int) (((long) m * 7919) % n);
    room = 1 + i % sc_rooms;

    r = snprintf(req, sizeof(req),
                 "POST /signal/pub?room=%d HTTP/1.1\r\n"
                 "Host: 127.0.0.1\r\nX-TRTC-Token: %s\r\n"
                 "Content-Type: text/plain\r\n"
                 "Content-Length: %d\r\n\r\nm%d",
                 room, sc_tokens[i], snprintf(NULL, 0, "m%d", m), m);

    sc_msg_room[m] = room;

    for (i = room - 1; i < n; i += sc_rooms) {
        sc_msg_due[m]++;
        (*want)++;
        want_apart[sc_server_of(i)]++;
    }

    tq = sc_now();
    sc_sent[m] = tq;
    sc_write_all(*pub, req, r);

    rlen = 0;

    for ( ;; ) {
        sc_poll(1000);

        r = recv(*pub, reply + rlen, SC_BUF - 1 - rlen, MSG_DONTWAIT);
        if (r == -1 && errno == EAGAIN) {
            errno = 0;
            continue;
        }

        if (r <= 0) {
            sc_die("read() of the publisher's reply");
        }

        rlen += r;

        if (sc_reply(reply, rlen, &status, &body, &end)) {
            break;
        }
    }

    tq = sc_now() - tq;

    if (status != 201 && status != 202) {
        fprintf(stderr, "scale_client: publish: %d\n", status);
        exit(2);
    }

    if (sc_closes(reply, body)) {
        close(*pub);
        *pub = sc_publisher();
    }

    return tq;
}


static double
sc_cpu(void)
{
    struct rusage  ru;

    getrusage(RUSAGE_SELF, &ru);

    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
           + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}


/* the nginx workers of the first server, and of the second if any */

static long
sc_rss_all(const char *master)
{
    char  *master2;

    master2 = getenv("SCALE_NGINX2_PID");

    return sc_rss_kb(master) + (master2 && *master2 ? sc_rss_kb(master2) : 0);
}


/* a run's settings and what it measured, for the report */

typedef struct {
    int         n;
    int         room_size;
    int         messages;
    double      connect_s;
    double      pub_s;
    double      cpu;
    long        before;
    long        after;
    double     *rtt;
    size_t      want;
    size_t      want_apart[2];
} sc_run_t;


static void
sc_alloc(sc_run_t *r)
{
    size_t  lat_max;

    /* each message reaches one room: room_size members at most */
    lat_max = (size_t) r->messages * r->room_size;

    sc_socks = calloc(r->n, sizeof(sc_sock_t));
    sc_tokens = calloc(r->n, SC_TOKEN_MAX);
    sc_sent = calloc(r->messages, sizeof(double));
    sc_msg_room = calloc(r->messages, sizeof(int));
    sc_msg_due = calloc(r->messages, sizeof(int));
    r->rtt = calloc(r->messages, sizeof(double));
    sc_lat = calloc(lat_max, sizeof(double));
    sc_lat_apart[0] = calloc(lat_max, sizeof(double));
    sc_lat_apart[1] = calloc(lat_max, sizeof(double));

    if (!sc_socks || !sc_tokens || !sc_sent || !sc_msg_room || !sc_msg_due
        || !r->rtt || !sc_lat || !sc_lat_apart[0] || !sc_lat_apart[1])
    {
        sc_die("calloc()");
    }
}


/* the figures, as JSON on stdout */

static void
sc_report(sc_run_t *r)
{
    char  *env;

    qsort(r->rtt, r->messages, sizeof(double), sc_cmp);

    printf("{\n \"subscribers\": %d,\n \"rooms\": %d,\n \"room_size\": %d,\n"
           " \"connect_seconds\": %.2f,\n"
           " \"nginx_workers_rss_kb_before\": %ld,\n"
           " \"nginx_workers_rss_kb_after\": %ld,\n"
           " \"kb_per_connection\": %.2f,\n \"messages\": %d,\n"
           " \"publish_seconds\": %.2f,\n"
           " \"client_cpu_seconds_publishing\": %.2f,\n"
           " \"publish_rtt_ms_p50\": %.2f,\n \"publish_rtt_ms_p99\": %.2f,\n"
           " \"publish_rtt_ms_max\": %.2f,\n",
           r->n, sc_rooms, r->room_size, r->connect_s, r->before, r->after,
           (double) (r->after - r->before) / r->n, r->messages, r->pub_s,
           r->cpu, sc_pct(r->rtt, r->messages, 50),
           sc_pct(r->rtt, r->messages, 99), r->rtt[r->messages - 1]);

    if (sc_servers == 2) {
        printf(" \"servers\": 2,\n");
        sc_figures("same", sc_lat_apart[0], sc_received_apart[0],
                   r->want_apart[0]);
        sc_figures("cross", sc_lat_apart[1], sc_received_apart[1],
                   r->want_apart[1]);
    }

    env = getenv("SCALE_REDIS_PORT");

    if (env && *env) {
        printf(" \"redis\": {\"keys\": %ld, \"pubsub_channels\": %ld,"
               " \"used_memory_kb\": %ld},\n",
               sc_redis(env, "dbsize", NULL),
               sc_redis(env, "pubsub channels", NULL),
               sc_redis(env, "info memory", "used_memory:") / 1024);
    }

    printf(" \"deliveries_stray\": %zu,\n", sc_stray);
    sc_figures(NULL, sc_lat, sc_received, r->want);

    /* the target, printed and never failed on */
    printf(" \"target\": \"p99 under %d ms: %s\"\n}\n", SC_TARGET_P99,
           sc_pct(sc_lat, sc_received, 99) < SC_TARGET_P99 ? "PASS" : "MISS");
}


int
main(int argc, char **argv)
{
    int        m, i, pub;
    char      *env;
    double     pub_start, deadline;
    sc_run_t   r;

    if (argc < 3) {
        fprintf(stderr, "usage: scale_client PORT MASTER_PID [N] "
                        "[ROOM_SIZE] [MESSAGES]\n");
        return 2;
    }

    memset(&r, 0, sizeof(sc_run_t));

    sc_ports[0] = atoi(argv[1]);
    r.n = argc > 3 ? atoi(argv[3]) : 5000;
    r.room_size = argc > 4 ? atoi(argv[4]) : 10;
    r.messages = argc > 5 ? atoi(argv[5]) : 2000;

    if (r.n < 1 || r.room_size < 1 || r.messages < 1) {
        fprintf(stderr, "scale_client: N, ROOM_SIZE, MESSAGES: 1 or more\n");
        return 2;
    }

    sc_rooms = (r.n + r.room_size - 1) / r.room_size;
    sc_messages = r.messages;

    env = getenv("SCALE_PORT2");
    if (env && *env) {
        sc_ports[1] = atoi(env);
        sc_servers = 2;
    }

    sc_alloc(&r);
    sc_get_tokens(r.n);

    r.before = sc_rss_all(argv[2]);

    sc_epoll = epoll_create1(0);
    if (sc_epoll == -1) {
        sc_die("epoll_create1()");
    }

    r.connect_s = sc_open_all(r.n);

    /* a second for the workers' memory to settle, frames read meanwhile */
    deadline = sc_now() + 1000;
    while (sc_now() < deadline) {
        sc_poll(100);
    }

    r.after = sc_rss_all(argv[2]);

    pub = sc_publisher();
    r.cpu = sc_cpu();
    pub_start = sc_now();

    for (m = 0; m < r.messages; m++) {
        r.rtt[m] = sc_publish(&pub, m, r.n, &r.want, r.want_apart);
    }

    deadline = sc_now() + SC_DEADLINE * 1e3;
    while (sc_received < r.want && sc_now() < deadline) {
        sc_poll(50);
    }

    r.pub_s = (sc_now() - pub_start) / 1e3;
    r.cpu = sc_cpu() - r.cpu;

    sc_report(&r);

    for (i = 0; i < r.n; i++) {
        close(sc_socks[i].fd);
    }

    free(r.rtt);

    return (sc_received == r.want && sc_stray == 0) ? 0 : 1;
}
