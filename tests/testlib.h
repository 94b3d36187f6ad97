/* testlib.h - a tiny assertion harness for the C tests.
 *
 * CHECK records a failure and goes on; REQUIRE stops the current test. Every
 * test binary ends with the line "N passed, N failed" and exits non-zero if
 * anything failed, so ctest and a human read the same verdict. */
#ifndef AW_TESTLIB_H
#define AW_TESTLIB_H

#include <airssys/airssys.h>
#include <stdio.h>
#include <string.h>

extern int tl_passed, tl_failed;

#define CHECK(cond) tl_check(!!(cond), #cond, __FILE__, __LINE__, NULL)
#define CHECKF(cond, ...) tl_checkf(!!(cond), #cond, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_ERR(expr, want) tl_check_err((expr), (want), #expr, __FILE__, __LINE__)
#define CHECK_CONTAINS(hay, needle) tl_check_contains((hay), (needle), __FILE__, __LINE__)
#define REQUIRE(cond) do { if (!CHECK(cond)) return; } while (0)

int tl_check(int ok, const char *what, const char *file, int line, const char *extra);
int tl_checkf(int ok, const char *what, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int tl_check_err(aw_err got, aw_err want, const char *what, const char *file, int line);
int tl_check_contains(const char *hay, const char *needle, const char *file, int line);
int tl_finish(void);

#define RUN(fn) do { fprintf(stderr, "-- %s\n", #fn); fn(); } while (0)

/* A runtime for tests: few workers and instances, quiet unless failing. */
aw_runtime *tl_runtime(unsigned workers, uint32_t max_instances);
aw_component *tl_load(aw_runtime *rt, const char *guest);  /* build/guests/<guest>.wasm */
/* Loaded with one grant string (NULL: none). */
aw_component *tl_load_granted(aw_runtime *rt, const char *guest, const char *grant);
#define TL_ALL_MESSAGING "messaging(send=*, publish=>, subscribe=>)"
char *tl_guest_path(const char *guest);
uint8_t *tl_read(const char *path, size_t *len);

#endif
