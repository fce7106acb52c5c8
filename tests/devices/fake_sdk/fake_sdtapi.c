/*
 * Fake 公安部一所 libsdtapi.so for the tests: the SDT_* exports of idcard.md §3.3, same signatures,
 * returning the SAM's SW3 codes. No hardware: the card is whatever the test hands to
 * fake_set_card(), and fake_set_mode() picks the behaviour (normal card, no card, select failure,
 * read failure, reader unplugged). It enforces the SAM's order: select needs a find, read needs a
 * select, and calls with iIfOpen = 0 need SDT_OpenPort first, so a driver skipping a step fails.
 * Build with -DNO_READBASEMSG for an incomplete library (missing SDT_ReadBaseMsg).
 */
#include <string.h>

enum { MODE_NORMAL, MODE_NO_CARD, MODE_SELECT_FAILS, MODE_READ_FAILS, MODE_UNPLUGGED };

/* A port-level error outside the SW3 table, as sdtapi returns when it cannot reach the reader. */
#define PORT_ERROR 0x01

static int mode = MODE_NORMAL;
static int open_port = 0;
static int open_count = 0;
static int found = 0;
static int selected = 0;
static unsigned char card_text[256];
static unsigned char card_photo[1024];

void fake_set_mode(int new_mode) {
    mode = new_mode;
    if (mode == MODE_UNPLUGGED) {
        open_port = 0; /* the handle dies with the cable */
    }
    found = selected = 0;
}

void fake_reset(void) {
    fake_set_mode(MODE_NORMAL);
    open_port = 0;
    open_count = 0;
}

void fake_set_card(const unsigned char *text, const unsigned char *photo) {
    memcpy(card_text, text, sizeof card_text);
    memcpy(card_photo, photo, sizeof card_photo);
}

int fake_open_count(void) { return open_count; }

int fake_port_is_open(void) { return open_port != 0; }

static int valid_port(int port) { return (port >= 1 && port <= 16) || (port >= 1001 && port <= 1016); }

static int reachable(int port, int if_open) {
    if (mode == MODE_UNPLUGGED || !valid_port(port)) {
        return 0;
    }
    return if_open || open_port == port;
}

int SDT_OpenPort(int port) {
    if (mode == MODE_UNPLUGGED || !valid_port(port)) {
        return PORT_ERROR;
    }
    open_port = port;
    open_count++;
    return 0x90;
}

int SDT_ClosePort(int port) {
    if (open_port == port) {
        open_port = 0;
    }
    return 0x90;
}

int SDT_GetSAMStatus(int port, int if_open) { return reachable(port, if_open) ? 0x90 : PORT_ERROR; }

int SDT_GetSAMIDToStr(int port, char *out, int if_open) {
    if (!reachable(port, if_open)) {
        return PORT_ERROR;
    }
    strcpy(out, "05.01-20230101-000012345-123456789");
    return 0x90;
}

int SDT_GetSAMID(int port, unsigned char *out, int if_open) {
    static const unsigned char sam_id[16] = {5, 0, 1, 0, 0xD5, 0xAF, 0x34, 0x01, 0x39, 0x30, 0, 0, 0x15, 0xCD, 0x5B, 0x07};
    if (!reachable(port, if_open)) {
        return PORT_ERROR;
    }
    memcpy(out, sam_id, sizeof sam_id);
    return 0x90;
}

int SDT_StartFindIDCard(int port, unsigned char *iin, int if_open) {
    if (!reachable(port, if_open)) {
        return PORT_ERROR;
    }
    if (mode == MODE_NO_CARD) {
        return 0x80;
    }
    memset(iin, 0, 4);
    found = 1;
    return 0x9F;
}

int SDT_SelectIDCard(int port, unsigned char *sn, int if_open) {
    if (!reachable(port, if_open)) {
        return PORT_ERROR;
    }
    if (mode != MODE_NORMAL && mode != MODE_READ_FAILS) {
        return 0x81;
    }
    if (!found) {
        return 0x81;
    }
    memset(sn, 0, 8);
    selected = 1;
    return 0x90;
}

#ifndef NO_READBASEMSG
int SDT_ReadBaseMsg(int port, unsigned char *text, unsigned int *text_len, unsigned char *photo,
                    unsigned int *photo_len, int if_open) {
    if (!reachable(port, if_open)) {
        return PORT_ERROR;
    }
    if (mode == MODE_READ_FAILS || !selected) {
        return 0x41;
    }
    memcpy(text, card_text, sizeof card_text);
    memcpy(photo, card_photo, sizeof card_photo);
    *text_len = sizeof card_text;
    *photo_len = sizeof card_photo;
    found = selected = 0; /* the next read needs find + select again */
    return 0x90;
}
#endif
