/** @file admin.h
 * @brief The admin socket: let the `airssys-wasm` CLI drive your own host.
 *
 * `airssys-wasm up` serves one, and so can any program that embeds the
 * runtime: with an aw_admin running, `airssys-wasm ps`, `send`, `request`,
 * `publish`, `deploy`, `undeploy`, `upgrade`, `route`, `stop`, `logs` and
 * (if the host allows it) `down` work against that program (docs/cli.md).
 *
 * The socket is a unix socket, never TCP: mode 0600, in a directory of the
 * user's with mode 0700 when it is the default path, and each connection's
 * peer uid is checked. A live socket at the path is refused; a stale one
 * (its host died) is replaced.
 *
 * Typical use:
 * @code
 * aw_admin *ad;
 * aw_admin_new(NULL, &ad);                 // binds the socket
 * cfg.log = aw_admin_log_line; cfg.log_ud = ad;   // `logs` sees the runtime's lines
 * cfg.audit_cb = aw_admin_audit_line; cfg.audit_ud = ad;
 * aw_runtime_new(&cfg, &rt);
 * aw_admin_serve(ad, rt, NULL);            // starts taking connections
 * ...
 * aw_admin_close(ad);                      // before the runtime goes
 * aw_runtime_free(rt);
 * aw_admin_free(ad);                       // after it: the runtime logged into it
 * @endcode
 */
#ifndef AIRSSYS_ADMIN_H
#define AIRSSYS_ADMIN_H

#include "airssys.h"
#include "manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup admin Admin socket
 * Serve the CLI's admin commands from a host program.
 * @{ */

/** An admin socket and the state behind it (opaque). */
typedef struct aw_admin aw_admin;

/** Settings for aw_admin_new(); zero them for the defaults. */
typedef struct aw_admin_config {
    /** The socket's path; NULL: $AIRSSYS_SOCKET, else
     * $XDG_RUNTIME_DIR/airssys-wasm/admin.sock, else
     * /tmp/airssys-wasm-UID/admin.sock (its directory created 0700). */
    const char *socket_path;
    /** Called (on a connection thread) when a client asks for `down`; NULL:
     * `down` is refused with AW_ENOTSUP. It should only ask the host to
     * shut down, not do it. */
    void (*on_down)(void *ud);
    void *on_down_ud;          /**< handed to on_down */
    uint32_t log_lines;        /**< lines kept for `logs`; 0 = 2048 */
    uint32_t max_connections;  /**< connections served at once; 0 = 32 */
} aw_admin_config;

/** Bind the admin socket (nothing is served until aw_admin_serve()).
 * @return AW_OK; AW_EEXIST when a live host serves on the path; AW_EINVAL
 *         for a path too long or a default directory that is not the
 *         user's alone; AW_EIO when the socket cannot be made. */
aw_err aw_admin_new(const aw_admin_config *cfg, aw_admin **out);

/** The socket's path (owned by @p ad). */
const char *aw_admin_path(const aw_admin *ad);

/** An aw_log_fn that keeps the line for `logs` (set aw_runtime_config.log to
 * it and log_ud to the aw_admin). To print lines as well, call it from a log
 * function of your own. */
void aw_admin_log_line(void *admin, aw_log_level level, aw_log_source source, const char *actor,
                       const char *msg, size_t len);

/** An audit callback (aw_runtime_config.audit_cb, audit_ud = the aw_admin)
 * that keeps each audit record for `logs --source audit`. */
void aw_admin_audit_line(void *admin, const char *line, size_t len);

/** Start serving the runtime's actors on the socket. Supervision events
 * are kept for `logs` too (source "supervision").
 * @param dep the deployment whose names `deploy`, `upgrade`, `undeploy` and
 *            pipeline sends use; NULL: the admin keeps one of its own,
 *            empty at first. It must outlive aw_admin_close(). */
aw_err aw_admin_serve(aw_admin *ad, aw_runtime *rt, aw_deployment *dep);

/** Stop serving: no new connection, the socket file removed, idle clients
 * and `logs -f` followers hung up, the deployment let go. Commands in
 * flight end with their API call (a request waits for its reply or its
 * timeout). Then the actors that `deploy --spawn` started are stopped.
 * When it returns, the admin touches neither the runtime nor the
 * deployment: stop those after it. */
void aw_admin_close(aw_admin *ad);

/** Close (if not yet) and free. If the runtime's log or audit lines go to
 * aw_admin_log_line() / aw_admin_audit_line(), call it after
 * aw_runtime_free(). */
void aw_admin_free(aw_admin *ad);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
