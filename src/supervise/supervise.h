/* supervise.h - supervision trees (supervisor.c) and their events (events.c).
 * Private to the library. */
#ifndef AW_SUPERVISE_H
#define AW_SUPERVISE_H

#include "../runtime/runtime.h"

/* Number, timestamp and hand `ev` to every subscriber. */
void aw__emit(aw_runtime *rt, aw_sup_event *ev);

#endif
