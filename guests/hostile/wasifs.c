/* hostile/wasifs: plain C stdio through WASI preview 1 (for a component
 * loaded with aw_load_options.wasi). "<path>" reads a file, "write:<path>"
 * writes one; replies the content or "ERR <errno>". Without WASI this
 * guest does not even load (it imports path_open). */
#include <airssys_guest.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static char out[2048];

int aw_on_message(const uint8_t *msg, size_t len)
{
    char path[512];
    size_t n = len < sizeof path - 1 ? len : sizeof path - 1;
    memcpy(path, msg, n);
    path[n] = 0;
    int k;
    if (!strncmp(path, "write:", 6)) {
        FILE *f = fopen(path + 6, "w");
        if (!f) k = snprintf(out, sizeof out, "ERR %d", errno);
        else {
            fputs("written by wasi", f);
            fclose(f);
            k = snprintf(out, sizeof out, "OK");
        }
    } else {
        FILE *f = fopen(path, "r");
        if (!f) k = snprintf(out, sizeof out, "ERR %d", errno);
        else {
            size_t got = fread(out, 1, sizeof out - 1, f);
            fclose(f);
            k = (int)got;
        }
    }
    printf("wasifs handled %s\n", path);
    fflush(stdout);
    return aw_reply(out, (size_t)k);
}
