
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * scale_wire: the client's side of the wire for scale_client.c: TCP
 * connections to 127.0.0.1, HTTP/1.1 replies read by Content-Length, the
 * WebSocket handshake and frames of the subscribers, and the epoll loop
 * that reads them, the clock read as each read() returns.  Every buffer
 * is bounded (SC_BUF): a reply or frame that does not fit stops the run.
 */


#include "scale_client.h"


void
sc_die(const char *what)
{
    fprintf(stderr, "scale_client: %s%s%s\n", what,
            errno ? ": " : "", errno ? strerror(errno) : "");
    exit(2);
}


double
sc_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


int
sc_connect(int server, int nonblock)
{
    int                 fd, one;
    struct sockaddr_in  sin;

    fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd == -1) {
        sc_die("socket()");
    }

    one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(sc_ports[server]);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        && errno != EINPROGRESS)
    {
        sc_die("connect()");
    }

    errno = 0;

    return fd;
}


void
sc_write_all(int fd, const char *p, size_t len)
{
    ssize_t  n;

    while (len) {
        n = write(fd, p, len);
        if (n == -1) {
            sc_die("write()");
        }
        p += n;
        len -= n;
    }
}


/*
 * an HTTP/1.1 reply in buf[0..len): its status, and where its body
 * starts and ends by Content-Length; 0 while incomplete
 */

int
sc_reply(const char *buf, size_t len, int *status, size_t *body,
    size_t *end)
{
    size_t       clen;
    const char  *hend, *p;

    hend = memmem(buf, len, "\r\n\r\n", 4);
    if (hend == NULL) {
        if (len == SC_BUF - 1) {
            errno = 0;
            sc_die("a reply's header longer than the buffer");
        }
        return 0;
    }

    if (len < 12 || memcmp(buf, "HTTP/1.1 ", 9) != 0) {
        errno = 0;
        sc_die("not an HTTP/1.1 reply");
    }

    *status = atoi(buf + 9);
    *body = hend + 4 - buf;

    clen = 0;
    p = memmem(buf, *body, "\r\nContent-Length: ", 18);
    if (p != NULL) {
        clen = strtoul(p + 18, NULL, 10);
    }

    if (*body + clen > SC_BUF - 1) {
        errno = 0;
        sc_die("a reply's body longer than the buffer");
    }

    if (len < *body + clen) {
        return 0;
    }

    *end = *body + clen;

    return 1;
}


/* the reply's header says the server closes the connection after it */

int
sc_closes(const char *buf, size_t body)
{
    return memmem(buf, body, "\r\nConnection: close\r\n", 21) != NULL;
}


/* a blocking request on a keep-alive connection; the reply in buf */

int
sc_request(int fd, const char *req, size_t reqlen, char *buf, size_t *body,
    size_t *end)
{
    int      status;
    size_t   len;
    ssize_t  n;

    sc_write_all(fd, req, reqlen);

    len = 0;

    for ( ;; ) {
        n = read(fd, buf + len, SC_BUF - 1 - len);
        if (n <= 0) {
            sc_die("read() of a reply");
        }
        len += n;
        buf[len] = '\0';

        if (sc_reply(buf, len, &status, body, end)) {
            if (*end != len) {
                errno = 0;
                sc_die("bytes after a reply");
            }
            return status;
        }
    }
}


/*
 * the frames read on a subscriber: each text frame is a stamped message,
 * {"from":...,"data":"m<k>"}, handed to sc_delivered(); a ping answered
 */

void
sc_frames(sc_sock_t *s, double now)
{
    size_t          need, plen, hlen;
    uint8_t        *b;
    long            k;
    const char     *p;
    unsigned char   pong[2 + 4 + 125];

    for ( ;; ) {
        b = (uint8_t *) s->buf;

        if (s->len < 2) {
            return;
        }

        if (b[1] & 0x80) {
            errno = 0;
            sc_die("a masked frame from the server");
        }

        plen = b[1] & 0x7f;
        hlen = 2;

        if (plen == 126) {
            if (s->len < 4) {
                return;
            }
            plen = (size_t) b[2] << 8 | b[3];
            hlen = 4;

        } else if (plen == 127) {
            errno = 0;
            sc_die("a frame longer than the buffer");
        }

        need = hlen + plen;
        if (need > SC_BUF) {
            errno = 0;
            sc_die("a frame longer than the buffer");
        }

        if (s->len < need) {
            return;
        }

        switch (b[0] & 0x0f) {

        case 0x1:
            p = memmem(b + hlen, plen, "\"data\":\"m", 9);
            if (p == NULL) {
                errno = 0;
                sc_die("a message without its id");
            }

            /* the id's digits, up to the frame's end */
            k = 0;
            for (p += 9; p < (char *) b + need && *p >= '0' && *p <= '9'; p++)
            {
                k = k * 10 + (*p - '0');

                if (k >= sc_messages) {
                    break;
                }
            }

            if (k >= sc_messages) {
                errno = 0;
                sc_die("a message of an unknown id");
            }

            sc_delivered(s, k, now);
            break;

        case 0x9:
            /* a ping: a pong with its payload, masked with a zero key */
            if (plen > 125) {
                errno = 0;
                sc_die("a ping longer than a control frame may be");
            }

            pong[0] = 0x8a;
            pong[1] = 0x80 | (unsigned char) plen;
            memset(pong + 2, 0, 4);
            memcpy(pong + 6, b + hlen, plen);
            sc_write_all(s->fd, (char *) pong, 6 + plen);
            break;

        case 0x8:
            errno = 0;
            sc_die("a subscriber was closed");

        default:
            break;
        }

        memmove(s->buf, s->buf + need, s->len - need);
        s->len -= need;
    }
}


/* a subscriber's event: the handshake's write, the 101, frames */

int
sc_event(sc_sock_t *s, uint32_t events)
{
    int                  status;
    char                *hend;
    size_t               hlen;
    ssize_t              n;
    struct epoll_event   ev;

    if (!s->open && (events & EPOLLOUT) && s->len) {
        sc_write_all(s->fd, s->buf, s->len);
        s->len = 0;

        ev.events = EPOLLIN;
        ev.data.u32 = s - sc_socks;
        epoll_ctl(sc_epoll, EPOLL_CTL_MOD, s->fd, &ev);
        return 0;
    }

    n = read(s->fd, s->buf + s->len, SC_BUF - 1 - s->len);

    if (n == -1 && errno == EAGAIN) {
        errno = 0;
        return 0;
    }

    if (n <= 0) {
        sc_die(s->open ? "a subscriber ended" : "a handshake ended");
    }

    s->len += n;

    if (s->open) {
        sc_frames(s, sc_now());
        return 0;
    }

    s->buf[s->len] = '\0';

    hend = strstr(s->buf, "\r\n\r\n");
    if (hend == NULL) {
        return 0;
    }

    status = atoi(s->buf + 9);
    if (status != 101) {
        fprintf(stderr, "scale_client: subscriber %d: %d\n",
                (int) (s - sc_socks), status);
        exit(2);
    }

    hlen = hend + 4 - s->buf;
    memmove(s->buf, hend + 4, s->len - hlen);
    s->len -= hlen;
    s->open = 1;

    sc_frames(s, sc_now());

    return 1;
}


int
sc_poll(int timeout_ms)
{
    int                 i, n, opened;
    struct epoll_event  ev[SC_EVENTS];

    n = epoll_wait(sc_epoll, ev, SC_EVENTS, timeout_ms);
    if (n == -1) {
        if (errno == EINTR) {
            errno = 0;
            return 0;
        }
        sc_die("epoll_wait()");
    }

    opened = 0;

    for (i = 0; i < n; i++) {
        if (ev[i].data.u32 == UINT32_MAX) {
            continue;               /* the publisher's: read by its loop */
        }
        opened += sc_event(&sc_socks[ev[i].data.u32], ev[i].events);
    }

    return opened;
}
