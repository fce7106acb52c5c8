/*
 * Fake 华视 libtermb.so for the tests: the CVR_* exports of idcard.md §3.1 with their return codes
 * (1 OK; InitComm 2 = port open failed; Authenticate 0 = not initialised, 2 = no card,
 * 3 = select failed; ReadBaseMsg 0 = read error). Build variants:
 *   -DNO_PREFIX        the 神思 (Synjones) TERMB flavour: InitComm, Authenticate … without "CVR_"
 *   -DNO_READBASEMSG   an old termb that can only write files (CVR_Read_Content), no in-memory read
 * Control from the test as in fake_sdtapi.c: fake_set_mode() and fake_set_card().
 */
#include <string.h>

#ifdef NO_PREFIX
#define API(name) name
#else
#define API(name) CVR_##name
#endif

enum { MODE_NORMAL, MODE_NO_CARD, MODE_SELECT_FAILS, MODE_READ_FAILS, MODE_UNPLUGGED };

static int mode = MODE_NORMAL;
static int opened = 0;
static int open_count = 0;
static int authenticated = 0;
static unsigned char card_text[256];
static unsigned char card_photo[1024];

void fake_set_mode(int new_mode) {
    mode = new_mode;
    if (mode == MODE_UNPLUGGED) {
        opened = 0;
    }
    authenticated = 0;
}

void fake_reset(void) {
    fake_set_mode(MODE_NORMAL);
    opened = 0;
    open_count = 0;
}

void fake_set_card(const unsigned char *text, const unsigned char *photo) {
    memcpy(card_text, text, sizeof card_text);
    memcpy(card_photo, photo, sizeof card_photo);
}

int fake_open_count(void) { return open_count; }

int fake_port_is_open(void) { return opened; }

int API(InitComm)(int port) {
    if (mode == MODE_UNPLUGGED || !((port >= 1 && port <= 16) || (port >= 1001 && port <= 1016))) {
        return 2;
    }
    opened = 1;
    open_count++;
    return 1;
}

int API(CloseComm)(void) {
    opened = 0;
    return 1;
}

int API(Authenticate)(void) {
    if (!opened) {
        return 0;
    }
    if (mode == MODE_NO_CARD) {
        return 2;
    }
    if (mode == MODE_SELECT_FAILS) {
        return 3;
    }
    authenticated = 1;
    return 1;
}

/* Present in every termb; writes WZ.TXT/XP.WLT files. The driver never calls it. */
int API(Read_Content)(int active) {
    (void)active;
    return 0;
}

int API(GetSAMID)(char *out) {
    if (!opened) {
        return 0;
    }
    strcpy(out, "05.01-20230101-000012345-123456789");
    return 1;
}

#ifndef NO_READBASEMSG
int CVR_ReadBaseMsg(unsigned char *text, int *text_len, unsigned char *photo, int *photo_len, int n_mode) {
    if (!opened || !authenticated || mode == MODE_READ_FAILS || n_mode != 1) {
        return 0;
    }
    memcpy(text, card_text, sizeof card_text);
    memcpy(photo, card_photo, sizeof card_photo);
    *text_len = sizeof card_text;
    *photo_len = sizeof card_photo;
    authenticated = 0;
    return 1;
}
#endif
