
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * trtc_sdp_check(): every string of a JSON message (cJSON decodes the
 * escapes, so "\u006d=audio" is "m=audio" here as in the receiving
 * page) that holds SDP media sections, counted by kind and direction.
 */


#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "trtc_token_int.h"
#include "trtc_sdp.h"


typedef struct {
    unsigned  audio;                /* sending sections of each kind */
    unsigned  video;
} trtc_sdp_count_t;


static void trtc_sdp_walk(const cJSON *item, trtc_sdp_count_t *count);
static void trtc_sdp_count(const char *sdp, trtc_sdp_count_t *count);
static void trtc_sdp_section_end(int kind, unsigned dirs, unsigned session,
    trtc_sdp_count_t *count);
static unsigned trtc_sdp_direction(const char *line, size_t len);


/* the direction attributes a part of a description has, as bits */
#define TRTC_DIR_SENDING  0x01      /* a=sendrecv or a=sendonly */
#define TRTC_DIR_OTHER    0x02      /* a=recvonly or a=inactive */


#define TRTC_KIND_OTHER  0
#define TRTC_KIND_AUDIO  1
#define TRTC_KIND_VIDEO  2


static const char  *trtc_sdp_errors[] = {
    "ok",
    "not JSON",
    "sends audio without send_audio",
    "sends more video than send_video and send_screen allow"
};


int
trtc_sdp_check(const char *json, size_t len, uint32_t privilege)
{
    cJSON             *root;
    unsigned           allowed;
    trtc_sdp_count_t   count;

    if ((privilege & (TRTC_PRIV_SEND_AUDIO|TRTC_PRIV_SEND_VIDEO
                      |TRTC_PRIV_SEND_SCREEN))
        == (TRTC_PRIV_SEND_AUDIO|TRTC_PRIV_SEND_VIDEO|TRTC_PRIV_SEND_SCREEN))
    {
        return TRTC_SDP_OK;
    }

    if (len > TRTC_SDP_MESSAGE_MAX || trtc_json_has_nul(json, len)) {
        return TRTC_SDP_BAD_JSON;
    }

    root = cJSON_ParseWithLengthOpts(json, len, NULL, 0);

    if (root == NULL) {
        return TRTC_SDP_BAD_JSON;
    }

    count.audio = 0;
    count.video = 0;

    trtc_sdp_walk(root, &count);

    cJSON_Delete(root);

    if (count.audio && !(privilege & TRTC_PRIV_SEND_AUDIO)) {
        return TRTC_SDP_SENDS_AUDIO;
    }

    allowed = ((privilege & TRTC_PRIV_SEND_VIDEO) ? 1 : 0)
              + ((privilege & TRTC_PRIV_SEND_SCREEN) ? 1 : 0);

    if (allowed < 2 && count.video > allowed) {
        return TRTC_SDP_SENDS_VIDEO;
    }

    return TRTC_SDP_OK;
}


const char *
trtc_sdp_strerror(int rc)
{
    if (rc < 0 || rc >= (int) (sizeof(trtc_sdp_errors) / sizeof(char *))) {
        return "unknown";
    }

    return trtc_sdp_errors[rc];
}


/* every string, at any depth (cJSON's nesting limit bounds the depth) */

static void
trtc_sdp_walk(const cJSON *item, trtc_sdp_count_t *count)
{
    const cJSON  *child;

    if (cJSON_IsString(item)) {
        trtc_sdp_count(item->valuestring, count);
        return;
    }

    for (child = item->child; child; child = child->next) {
        trtc_sdp_walk(child, count);
    }
}


/*
 * Lines end at LF, with or without CR, as browsers read them.  A
 * section runs from its m= line to the next; the lines before the first
 * are the session's, whose direction is the default of every section
 * with none of its own.  Where a part has several, any sending one
 * counts, whichever a browser takes.  The port is not looked at: port 0
 * with a=bundle-only is a live section.
 */

static void
trtc_sdp_count(const char *sdp, trtc_sdp_count_t *count)
{
    int          kind, in_section;
    size_t       len;
    unsigned     session, dirs;
    const char  *line, *eol, *p;

    if (strstr(sdp, "m=") == NULL) {
        return;
    }

    session = 0;
    dirs = 0;
    kind = TRTC_KIND_OTHER;
    in_section = 0;

    for (line = sdp; *line; line = eol + (*eol != '\0')) {
        eol = strchr(line, '\n');
        if (eol == NULL) {
            eol = line + strlen(line);
        }

        len = eol - line;
        if (len && line[len - 1] == '\r') {
            len--;
        }

        if (len >= 2 && line[0] == 'm' && line[1] == '=') {
            if (in_section) {
                trtc_sdp_section_end(kind, dirs, session, count);
            }

            in_section = 1;
            dirs = 0;
            p = line + 2;

            if (len >= 8 && strncasecmp(p, "audio ", 6) == 0) {
                kind = TRTC_KIND_AUDIO;

            } else if (len >= 8 && strncasecmp(p, "video ", 6) == 0) {
                kind = TRTC_KIND_VIDEO;

            } else {
                kind = TRTC_KIND_OTHER;
            }

            continue;
        }

        if (in_section) {
            dirs |= trtc_sdp_direction(line, len);

        } else {
            session |= trtc_sdp_direction(line, len);
        }
    }

    if (in_section) {
        trtc_sdp_section_end(kind, dirs, session, count);
    }
}


static void
trtc_sdp_section_end(int kind, unsigned dirs, unsigned session,
    trtc_sdp_count_t *count)
{
    if (dirs == 0) {
        dirs = session ? session : TRTC_DIR_SENDING;
    }

    if (!(dirs & TRTC_DIR_SENDING)) {
        return;
    }

    if (kind == TRTC_KIND_AUDIO) {
        count->audio++;

    } else if (kind == TRTC_KIND_VIDEO) {
        count->video++;
    }
}


static unsigned
trtc_sdp_direction(const char *line, size_t len)
{
    if (len != sizeof("a=sendrecv") - 1) {
        return 0;
    }

    if (memcmp(line, "a=sendrecv", len) == 0
        || memcmp(line, "a=sendonly", len) == 0)
    {
        return TRTC_DIR_SENDING;
    }

    if (memcmp(line, "a=recvonly", len) == 0
        || memcmp(line, "a=inactive", len) == 0)
    {
        return TRTC_DIR_OTHER;
    }

    return 0;
}
