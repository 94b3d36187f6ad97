/* paths.c - turn a path a guest asked for into the canonical host path its
 * file grants are checked against.
 *
 * The check is made on what the kernel would actually open: '.', '..' and
 * every symlink resolved (realpath), so "/data/x.txt/../../etc/passwd" is
 * checked as /etc/passwd and a symlink in a granted directory as its
 * target. A path that does not exist yet (a write) is resolved through its
 * parent directory; its last component may not be '.' or '..', and the file
 * is then opened with O_NOFOLLOW so a symlink swapped in afterwards is
 * refused. NUL bytes, over-long paths, relative paths and bytes that are
 * not UTF-8 are refused before any of that. */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                 : (c & 0xf8) == 0xf0 ? 3 : 9;
        if (k == 9 || (k == 1 && c < 0xc2) || i + k >= n) return false;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xc0) != 0x80) return false;
        i += k + 1;
    }
    return true;
}

aw_err aw_path_resolve(const char *raw, size_t len, bool must_exist, char out[AW_PATH_MAX],
                       const char **why)
{
    char buf[AW_PATH_MAX];
    if (!len) { *why = "empty path"; return AW_EINVAL; }
    if (len >= AW_PATH_MAX) { *why = "path longer than 4095 bytes"; return AW_ETOOBIG; }
    if (memchr(raw, 0, len)) { *why = "NUL byte in the path"; return AW_EINVAL; }
    if (!utf8_valid((const unsigned char *)raw, len)) { *why = "path is not UTF-8"; return AW_EINVAL; }
    if (raw[0] != '/') { *why = "path is not absolute"; return AW_EINVAL; }
    memcpy(buf, raw, len);
    buf[len] = 0;
    if (realpath(buf, out)) return AW_OK;
    if (errno != ENOENT || must_exist) {
        *why = errno == ENOENT ? "no such file" : errno == EACCES ? "host permission denied"
                                                                  : "cannot resolve the path";
        return errno == ENOENT ? AW_ENOENT : AW_EIO;
    }
    /* a new file: resolve the directory, keep the last name as given */
    while (len > 1 && buf[len - 1] == '/') buf[--len] = 0;
    char *slash = strrchr(buf, '/');
    const char *base = slash + 1;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        *why = "the last component must be a file name";
        return AW_EINVAL;
    }
    char dir[AW_PATH_MAX];
    if (slash == buf) snprintf(dir, sizeof dir, "/");
    else { *slash = 0; snprintf(dir, sizeof dir, "%s", buf); }
    char rdir[AW_PATH_MAX];
    if (!realpath(dir, rdir)) {
        *why = errno == ENOENT ? "no such directory" : "cannot resolve the directory";
        return errno == ENOENT ? AW_ENOENT : AW_EIO;
    }
    if (snprintf(out, AW_PATH_MAX, "%s%s%s", rdir, strcmp(rdir, "/") ? "/" : "", base) >= AW_PATH_MAX) {
        *why = "path longer than 4095 bytes";
        return AW_ETOOBIG;
    }
    return AW_OK;
}
