
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * What a signaling message offers to send: the session descriptions
 * (SDP) anywhere in a JSON message, checked against a sender's privilege
 * bits, so that a member without send_audio, send_video or send_screen
 * gets no peer connection that carries that media.  Plain C with no
 * nginx types, like trtc_token.h.
 */


#ifndef _TRTC_SDP_H_INCLUDED_
#define _TRTC_SDP_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define TRTC_SDP_OK           0
#define TRTC_SDP_BAD_JSON     1     /* not JSON, or a NUL in it */
#define TRTC_SDP_SENDS_AUDIO  2     /* audio without send_audio */
#define TRTC_SDP_SENDS_VIDEO  3     /* more video than the bits allow */

/* the longest message looked at; longer ones are TRTC_SDP_BAD_JSON */
#define TRTC_SDP_MESSAGE_MAX  65536


/*
 * The message (JSON, len bytes) from a sender with these privilege bits
 * (TRTC_PRIV_*): TRTC_SDP_OK when no SDP in any of its strings offers
 * more than the bits allow.  An m= section sends when its direction (its
 * own a=, else the session's, else sendrecv, RFC 8866) is sendrecv or
 * sendonly, with or without a track and whatever its port: audio needs
 * send_audio; video needs send_video or send_screen, one section for
 * each of the two the sender has, any number with both.  A sender with
 * all three bits is not looked at.
 */
int trtc_sdp_check(const char *json, size_t len, uint32_t privilege);

/* the reason as a short phrase, for the error log */
const char *trtc_sdp_strerror(int rc);


#endif /* _TRTC_SDP_H_INCLUDED_ */
