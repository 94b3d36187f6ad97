/* paths.h - canonical host paths for file capabilities (paths.c). */
#ifndef AW_PATHS_H
#define AW_PATHS_H

#include "../common/common.h"

#define AW_PATH_MAX 4096

/* Resolve a guest's path (len bytes, not NUL-terminated) to `out`. With
 * must_exist false, a missing last component is allowed (a file to
 * create). On failure *why says what was wrong with the path. */
aw_err aw_path_resolve(const char *raw, size_t len, bool must_exist, char out[AW_PATH_MAX],
                       const char **why);

#endif
