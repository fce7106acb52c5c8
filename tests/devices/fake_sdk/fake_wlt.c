/*
 * Fake WLT photo decoder for the tests. Exports both documented decoder entry points of
 * idcard.md §2.6:
 *   int wlt2bmpBuffer(unsigned char *wlt, unsigned char *bmp, int bmp_size)   (libwlt2bmp)
 *   int GetBmp(char *wlt_file, int intf)                                      (WltRS.dll)
 * Both return 1 on success; GetBmp writes <wlt_file without ".wlt">.bmp. Build with -DNO_BUFFER to
 * get a WltRS-like library with GetBmp only, or -DNO_GETBMP for a buffer-only libwlt2bmp.
 * The "photo" is a 102×126 24-bit BMP filled with the colour given by the first three WLT bytes,
 * so a test can tell which WLT was decoded. fake_set_result(code) makes every call return code
 * instead (-5 not licensed, -6 device connection error, -1 decode error).
 */
#include <stdio.h>
#include <string.h>

#define WIDTH 102
#define HEIGHT 126
#define ROW_SIZE (WIDTH * 3 + 2) /* rows padded to 4 bytes */
#define BMP_SIZE (ROW_SIZE * HEIGHT + 54)

static int result = 1;
static int last_intf = 0;

void fake_set_result(int code) { result = code; }

int fake_last_intf(void) { return last_intf; }

static void put_u32(unsigned char *at, unsigned int value) {
    at[0] = value & 0xFF;
    at[1] = (value >> 8) & 0xFF;
    at[2] = (value >> 16) & 0xFF;
    at[3] = (value >> 24) & 0xFF;
}

static void make_bmp(const unsigned char *wlt, unsigned char *bmp) {
    memset(bmp, 0, BMP_SIZE);
    bmp[0] = 'B';
    bmp[1] = 'M';
    put_u32(bmp + 2, BMP_SIZE);
    put_u32(bmp + 10, 54);
    put_u32(bmp + 14, 40);
    put_u32(bmp + 18, WIDTH);
    put_u32(bmp + 22, HEIGHT);
    bmp[26] = 1;  /* planes */
    bmp[28] = 24; /* bits per pixel */
    put_u32(bmp + 34, ROW_SIZE * HEIGHT);
    for (int y = 0; y < HEIGHT; y++) {
        unsigned char *row = bmp + 54 + y * ROW_SIZE;
        for (int x = 0; x < WIDTH; x++) {
            memcpy(row + 3 * x, wlt, 3);
        }
    }
}

#ifndef NO_BUFFER
int wlt2bmpBuffer(unsigned char *wlt, unsigned char *bmp, int bmp_size) {
    if (result != 1) {
        return result;
    }
    if (bmp_size < BMP_SIZE) {
        return -1;
    }
    make_bmp(wlt, bmp);
    return 1;
}
#endif

#ifndef NO_GETBMP
int GetBmp(char *wlt_file, int intf) {
    static unsigned char wlt[1024];
    static unsigned char bmp[BMP_SIZE];
    char bmp_file[4096];
    size_t length = strlen(wlt_file);
    last_intf = intf;
    if (result != 1) {
        return result;
    }
    if (length < 4 || length >= sizeof bmp_file || strcmp(wlt_file + length - 4, ".wlt") != 0) {
        return -2;
    }
    FILE *in = fopen(wlt_file, "rb");
    if (in == NULL) {
        return -3;
    }
    size_t got = fread(wlt, 1, sizeof wlt, in);
    fclose(in);
    if (got != sizeof wlt) {
        return -4;
    }
    make_bmp(wlt, bmp);
    memcpy(bmp_file, wlt_file, length - 4);
    strcpy(bmp_file + length - 4, ".bmp");
    FILE *out = fopen(bmp_file, "wb");
    if (out == NULL) {
        return -3;
    }
    fwrite(bmp, 1, sizeof bmp, out);
    fclose(out);
    return 1;
}
#endif
