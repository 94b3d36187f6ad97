/* cli.h - shared bits of the airssys-wasm command line tool. */
#ifndef AW_CLI_H
#define AW_CLI_H

#include "airssys/airssys.h"

#include <stdio.h>
#include <stdlib.h>

/* Exit codes (docs/cli.md). */
enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,     /* bad command line */
    EXIT_LOAD = 2,      /* file unreadable, not wasm, ABI or link problem */
    EXIT_GUEST = 3,     /* guest trapped, hit its deadline or returned an error */
    EXIT_NONCONFORM = 4,/* inspect: the guest does not conform */
    EXIT_RUNTIME = 5,   /* runtime could not start */
    EXIT_MANIFEST = 6,  /* validate, up: the manifest has problems */
    EXIT_NOHOST = 7,    /* admin commands: no host answers on the socket */
};

int cli_run(int argc, char **argv);
int cli_inspect(int argc, char **argv);
int cli_new(int argc, char **argv);
int cli_build(int argc, char **argv);
int cli_up(int argc, char **argv);
int cli_validate(int argc, char **argv);
/* Admin commands against a running host (ctl.c): ps, send, request,
 * publish, deploy, upgrade, route, stop, logs, down. -1: not one of them. */
int cli_ctl(int argc, char **argv);
int cli_exit_for(aw_err e);
void cli_error(aw_err e, const char *what);
aw_err cli_read_file(const char *path, uint8_t **data, size_t *len);
/* `s` (n bytes) as a JSON string on f. Text passes through as UTF-8; with
 * `bytes`, every byte outside printable ASCII is escaped as \u00XX, so that
 * any payload (binary included) gives valid JSON. */
void cli_json_str(FILE *f, const void *s, size_t n, bool bytes);

#endif
