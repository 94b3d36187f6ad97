/* error.c - error names and the per-thread failure detail.
 *
 * aw_err codes say what kind of failure happened; the detail says which
 * component, which function, and why. The detail lives in a thread-local
 * buffer so that a caller can read it right after a failing call without
 * any allocation on its side. */
#include "common.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static _Thread_local char last_error[1024];

static const char *const err_names[] = {
#define AW_ERR_NAME(name, msg) "AW_" #name,
    AW_ERRNO_MAP(AW_ERR_NAME)
#undef AW_ERR_NAME
};

static const char *const err_msgs[] = {
#define AW_ERR_MSG(name, msg) msg,
    AW_ERRNO_MAP(AW_ERR_MSG)
#undef AW_ERR_MSG
};

const char *aw_err_name(aw_err err)
{
    return (unsigned)err < AW_ERR_COUNT_ ? err_names[err] : "AW_E?";
}

const char *aw_strerror(aw_err err)
{
    return (unsigned)err < AW_ERR_COUNT_ ? err_msgs[err] : "unknown error";
}

const char *aw_last_error(void) { return last_error; }

void aw__clear_error(void) { last_error[0] = 0; }

void aw__set_error_text(const char *text)
{
    snprintf(last_error, sizeof last_error, "%s", text ? text : "");
}

aw_err aw__vfail(aw_err err, const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    return err;
}

aw_err aw__fail(aw_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aw__vfail(err, fmt, ap);
    va_end(ap);
    return err;
}

uint64_t aw__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

char *aw__strfmt(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

char *aw__strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}
