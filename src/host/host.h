/* host.h - OS-facing host functions offered to guests (registered on the
 * engine by the runtime at start-up). */
#ifndef AW_HOST_H
#define AW_HOST_H

#include "../engine/engine.h"

aw_err aw_host_define_wasi_lite(aw_engine *e);

#endif
