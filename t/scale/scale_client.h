
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * scale_client.h: what the two files of the scale client share: its
 * bounds, a subscriber's socket, the state the wire needs (the ports,
 * the epoll, the sockets, the count of messages), and the functions of
 * scale_wire.c.
 */


#ifndef SCALE_CLIENT_H
#define SCALE_CLIENT_H


#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>


#define SC_BUF          4096        /* a socket's input, a reply or frame */
#define SC_TOKEN_MAX    1024
#define SC_CONNECTING   512         /* handshakes in flight at once */
#define SC_DEADLINE     10.0        /* seconds for what is still due */
#define SC_EVENTS       256
#define SC_TARGET_P99   5           /* ms: the target, printed only */


typedef struct {
    int         fd;
    int         server;             /* 0 the first, 1 the second */
    int         open;               /* the 101 read */
    size_t      len;
    char        buf[SC_BUF];
} sc_sock_t;


extern unsigned short   sc_ports[2];
extern int              sc_epoll;
extern sc_sock_t       *sc_socks;
extern long             sc_messages;


void sc_die(const char *what);
double sc_now(void);
int sc_connect(int server, int nonblock);
void sc_write_all(int fd, const char *p, size_t len);
int sc_reply(const char *buf, size_t len, int *status, size_t *body,
    size_t *end);
int sc_closes(const char *buf, size_t body);
int sc_request(int fd, const char *req, size_t reqlen, char *buf,
    size_t *body, size_t *end);
void sc_frames(sc_sock_t *s, double now);
int sc_event(sc_sock_t *s, uint32_t events);
int sc_poll(int timeout_ms);

/* scale_client.c: message k read by subscriber s */
void sc_delivered(sc_sock_t *s, long k, double now);


#endif /* SCALE_CLIENT_H */
