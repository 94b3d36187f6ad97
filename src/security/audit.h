/* audit.h - the audit trail (audit.c): JSON lines, one per decision or
 * event, written by a thread of its own; callers never wait on the sinks. */
#ifndef AW_AUDIT_H
#define AW_AUDIT_H

#include "../common/common.h"

#include <airssys/airssys.h>

typedef struct aw_audit aw_audit;
typedef void (*aw_audit_fn)(void *ud, const char *line, size_t len);

/* *out stays NULL (audit off) when the config names no sink. */
aw_err aw_audit_open(const aw_runtime_config *cfg, aw_audit **out);
/* Writes what is queued, then stops. */
void aw_audit_close(aw_audit *a);
/* decision: "allowed", "denied" or "n/a" (an event such as a crash). */
void aw_audit_write(aw_audit *a, const char *component, const char *actor, uint64_t instance,
              const char *op, const char *target, const char *decision, const char *reason);

#endif
