/* bench.h - what the benchmark files share: the clock, percentiles, and
 * emit(), which keeps each figure's REPS measurements for its median. */
#ifndef AW_BENCH_H
#define AW_BENCH_H

#include <airssys/airssys.h>
#include <stddef.h>
#include <stdint.h>

uint64_t now_ns(void);
uint64_t pct(uint64_t *v, size_t n, double q);  /* v sorted */
uint64_t p50(uint64_t *v, size_t n);            /* sorts v */
void emit(const char *name, double value, const char *unit, size_t n);
void die(const char *what);                     /* with aw_last_error() */
uint8_t *read_all(const char *path, size_t *len);

/* WIT components (bench_wit.c): spawn, throughput (16 B and 64 KiB),
 * request latency, each beside the bare Wasmtime component API. */
void bench_wit(const char *component_path);
/* Hot deployment (bench_deploy.c): upgrade switch, deploy from the cache. */
void bench_deploy(aw_runtime *rt);

#endif
