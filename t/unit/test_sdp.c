
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * trtc_sdp_check(): what a signaling message offers to send, against the
 * sender's privilege bits, at 42 (an audience member: enter, recv_audio,
 * recv_video) and 255 (everything), and the ways a modified page might
 * hide a sending section.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "trtc_sdp.h"


#define T_SDP(json, priv, exp)                                              \
    T_INT(trtc_sdp_check(json, strlen(json), priv), exp)

#define AUD     42u         /* enter recv_audio recv_video */
#define ALL     255u
#define CAM     (AUD | TRTC_PRIV_SEND_AUDIO | TRTC_PRIV_SEND_VIDEO)
#define SCREEN  (AUD | TRTC_PRIV_SEND_SCREEN)


/* a message of the room's protocol with this SDP, escaped as JSON */
#define MSG(sdp)                                                            \
    "{\"t\":\"sdp\",\"sid\":\"s1\",\"d\":{\"type\":\"offer\",\"sdp\":\""   \
    "v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n" sdp "\"}}"

#define AUDIO(dir)  "m=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\n" dir
#define VIDEO(dir)  "m=video 9 UDP/TLS/RTP/SAVPF 96\\r\\n" dir
#define RECV        "a=recvonly\\r\\n"
#define SENDRECV    "a=msid:s t\\r\\na=sendrecv\\r\\n"


void
test_sdp(void)
{
    char    *big;
    size_t   n;

    /* receiving only, as an audience member's page offers and answers */
    t_at("recvonly");
    T_SDP(MSG(AUDIO(RECV) VIDEO(RECV)), AUD, TRTC_SDP_OK);
    T_SDP(MSG(AUDIO("a=inactive\\r\\n") VIDEO(RECV)), AUD, TRTC_SDP_OK);

    /* sending, at 42 and 255 */
    t_at("sending");
    T_SDP(MSG(AUDIO(SENDRECV) VIDEO(RECV)), AUD, TRTC_SDP_SENDS_AUDIO);
    T_SDP(MSG(AUDIO(RECV) VIDEO("a=sendonly\\r\\n")), AUD,
          TRTC_SDP_SENDS_VIDEO);
    T_SDP(MSG(AUDIO(SENDRECV) VIDEO(SENDRECV) VIDEO(SENDRECV)), ALL,
          TRTC_SDP_OK);
    T_SDP(MSG(AUDIO(SENDRECV) VIDEO(SENDRECV)), CAM, TRTC_SDP_OK);

    /* one video section for each of send_video and send_screen */
    t_at("video sections");
    T_SDP(MSG(AUDIO(SENDRECV) VIDEO(SENDRECV) VIDEO(SENDRECV)), CAM,
          TRTC_SDP_SENDS_VIDEO);
    T_SDP(MSG(AUDIO(RECV) VIDEO(SENDRECV)), SCREEN, TRTC_SDP_OK);
    T_SDP(MSG(AUDIO(SENDRECV) VIDEO(RECV)), SCREEN, TRTC_SDP_SENDS_AUDIO);
    T_SDP(MSG(VIDEO(SENDRECV) VIDEO(SENDRECV)),
          CAM | TRTC_PRIV_SEND_SCREEN, TRTC_SDP_OK);

    /* no direction: the session's, else sendrecv; with several, any
     * sending one; no track and port 0 send all the same */
    t_at("defaults");
    T_SDP(MSG(AUDIO("")), AUD, TRTC_SDP_SENDS_AUDIO);
    T_SDP("{\"s\":\"v=0\\na=sendonly\\nm=audio 9 x\\n\"}", AUD,
          TRTC_SDP_SENDS_AUDIO);
    T_SDP("{\"s\":\"v=0\\na=recvonly\\nm=audio 9 x\\n\"}", AUD,
          TRTC_SDP_OK);
    T_SDP(MSG(AUDIO("a=recvonly\\r\\na=sendrecv\\r\\n")), AUD,
          TRTC_SDP_SENDS_AUDIO);
    T_SDP(MSG(AUDIO("a=sendrecv\\r\\na=recvonly\\r\\n")), AUD,
          TRTC_SDP_SENDS_AUDIO);
    T_SDP(MSG("m=audio 0 UDP/TLS/RTP/SAVPF 111\\r\\na=bundle-only\\r\\n"
              "a=sendrecv\\r\\n"), AUD, TRTC_SDP_SENDS_AUDIO);
    T_SDP(MSG(AUDIO("a=recvonly \\r\\n")), AUD, TRTC_SDP_SENDS_AUDIO);
    T_SDP(MSG("m=AUDIO 9 x\\n"), AUD, TRTC_SDP_SENDS_AUDIO);
    T_SDP(MSG("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\\r\\n"),
          AUD, TRTC_SDP_OK);

    /* hidden: LF only, escapes, another member, another depth, a
     * repeated key (JavaScript reads the last, cJSON the first) */
    t_at("hidden");
    T_SDP("{\"x\":\"m=audio 9 x\\na=sendrecv\"}", AUD, TRTC_SDP_SENDS_AUDIO);
    T_SDP("{\"x\":\"\\u006d=audio 9 x\"}", AUD, TRTC_SDP_SENDS_AUDIO);
    T_SDP("[[[{\"a\":[\"v=0\\nm=video 9 x\"]}]]]", AUD, TRTC_SDP_SENDS_VIDEO);
    T_SDP("{\"d\":\"m=audio 9 x\\na=recvonly\",\"d\":\"m=audio 9 x\"}", AUD,
          TRTC_SDP_SENDS_AUDIO);

    /* what cJSON cannot read as the page does is refused, unless the
     * sender may send everything anyway */
    t_at("not JSON");
    T_SDP("{\"x\":\"a\\u0000\\nm=audio 9 x\"}", AUD, TRTC_SDP_BAD_JSON);
    T_SDP("{\"x\":\"\\ud800\"}", AUD, TRTC_SDP_BAD_JSON);
    T_SDP("not json", AUD, TRTC_SDP_BAD_JSON);
    T_SDP("not json", ALL, TRTC_SDP_OK);
    T_SDP("{\"t\":\"hb\",\"sid\":\"s1\"}", AUD, TRTC_SDP_OK);
    T_INT(trtc_sdp_check("", 0, AUD), TRTC_SDP_BAD_JSON);

    /* the bound: TRTC_SDP_MESSAGE_MAX bytes are read, one more is not */
    t_at("bound");
    big = malloc(TRTC_SDP_MESSAGE_MAX + 2);
    T_TRUE(big != NULL);
    if (big == NULL) {
        return;
    }

    n = TRTC_SDP_MESSAGE_MAX;
    memset(big, ' ', n);
    memcpy(big, "{\"x\":\"m=video 9 x\"}", 19);
    T_INT(trtc_sdp_check(big, n, AUD), TRTC_SDP_SENDS_VIDEO);
    memcpy(big, "{\"x\":\"m=video 9 x\\na=inactive\"}", 31);
    T_INT(trtc_sdp_check(big, n, AUD), TRTC_SDP_OK);
    big[n] = ' ';
    T_INT(trtc_sdp_check(big, n + 1, AUD), TRTC_SDP_BAD_JSON);
    free(big);

    t_at("strerror");
    T_STR(trtc_sdp_strerror(TRTC_SDP_SENDS_AUDIO),
          "sends audio without send_audio");
    T_STR(trtc_sdp_strerror(99), "unknown");
}
