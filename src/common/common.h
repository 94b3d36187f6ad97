/* common.h - small helpers shared by every subsystem: error detail, time,
 * allocation. Nothing here knows about actors or the engine. */
#ifndef AW_COMMON_H
#define AW_COMMON_H

#include "airssys/airssys.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

/* Record the detail of a failure for aw_last_error() and return `err`. */
aw_err aw__fail(aw_err err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
aw_err aw__vfail(aw_err err, const char *fmt, va_list ap);
/* Forget the previous detail (a successful call leaves "" behind). */
void aw__clear_error(void);
/* Hand a detail string produced on another thread to this one. */
void aw__set_error_text(const char *text);

/* Monotonic clock in nanoseconds. */
uint64_t aw__now_ns(void);

/* malloc'd printf. Returns NULL only when memory is exhausted. */
char *aw__strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *aw__strndup(const char *s, size_t n);

#define AW_UNUSED(x) (void)(x)

#endif
