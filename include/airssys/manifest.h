/** @file manifest.h
 * @brief Deployment manifests: one YAML file that describes a whole host.
 *
 * A manifest names the components to load (path, format, version label,
 * capabilities, limits), the actors to spawn, the supervision tree, topic
 * subscriptions, routes and pipelines, plus optional runtime settings. The
 * schema is in docs/manifest.md.
 *
 * Loading a manifest checks it fully: every problem found is reported, one
 * per line, as `file:line:column: where: what`, so a user fixes them all in
 * one pass. Nothing is started by loading; aw_deployment_start() does that,
 * against a runtime, and aw_deployment_stop() undoes it.
 */
#ifndef AIRSSYS_MANIFEST_H
#define AIRSSYS_MANIFEST_H

#include "airssys.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup manifest Deployment manifests
 * @brief Load a YAML manifest, check it, start and stop what it declares.
 * @{ */

/** A parsed, checked manifest (opaque). */
typedef struct aw_manifest aw_manifest;

/** How much a manifest declares. */
typedef struct aw_manifest_counts {
    size_t components;    /**< entries under `components` */
    size_t actors;        /**< actors, supervised or not (not supervisors) */
    size_t supervisors;   /**< supervisors, nested ones included */
    size_t subscriptions; /**< (actor, pattern) pairs */
    size_t routes;        /**< entries under `routes` */
    size_t pipelines;     /**< entries under `pipelines` */
} aw_manifest_counts;

/** Parse and check the manifest at @p path. Relative component paths are
 * resolved against the manifest's directory.
 * @param path   the manifest file (YAML)
 * @param out    the manifest, on success
 * @param errors on failure, every problem found, one per line
 *               (`path:line:col: where: what`); malloc'd, free() it. May be NULL.
 * @return AW_OK; AW_ENOENT or AW_EIO when the file cannot be read (then
 *         @p errors stays NULL and aw_last_error() says why); AW_EINVAL when
 *         it has problems (aw_last_error() counts them and gives the first);
 *         AW_ENOMEM. */
aw_err aw_manifest_load(const char *path, aw_manifest **out, char **errors);

/** Like aw_manifest_load(), from text in memory.
 * @param name     the name used in error lines (a file name)
 * @param base_dir what relative component paths are relative to (NULL: ".") */
aw_err aw_manifest_parse(const char *text, size_t len, const char *name, const char *base_dir,
                         aw_manifest **out, char **errors);

/** Free a manifest (a deployment started from it keeps what it needs). */
void aw_manifest_free(aw_manifest *m);

/** What the manifest declares. */
void aw_manifest_count(const aw_manifest *m, aw_manifest_counts *out);

/** Apply the manifest's `runtime` section on top of @p cfg (which the caller
 * has set up with aw_runtime_config_init()). Relative paths in it (audit
 * file, cache directory) are resolved against the manifest's directory; the
 * strings stay owned by the manifest, so keep it alive while cfg is used. */
void aw_manifest_runtime_config(const aw_manifest *m, aw_runtime_config *cfg);

/** Progress of aw_deployment_start() and aw_manifest_check_components():
 * called before each component is compiled, with its name, its file size in
 * bytes, and its position (1-based) among @p total. */
typedef void (*aw_manifest_progress_fn)(void *ud, const char *component, size_t bytes,
                                        size_t index, size_t total);

/** The deeper check that needs a runtime: read, compile (through the cache)
 * and check each component against the guest ABI or WIT world it must
 * speak, with its grants and limits. Problems are reported like parse
 * errors, against the component's line. Nothing is spawned. */
aw_err aw_manifest_check_components(aw_runtime *rt, const aw_manifest *m,
                                    aw_manifest_progress_fn progress, void *ud, char **errors);

/** What a manifest started in a runtime (opaque). */
typedef struct aw_deployment aw_deployment;

/** Start everything a manifest declares, in this order: load the components
 * (under their manifest names), spawn the unsupervised actors, start the
 * supervisors (each with its tree), add the subscriptions, create the
 * routes, create the pipelines. If a step fails, what was started is undone
 * in reverse, *out is NULL, and aw_last_error() names the manifest entry and
 * its line ("app.yaml:6:11: actor 'second': ..."). The deployment copies
 * what it needs: @p m may be freed once this returns.
 * @param progress optional; see aw_manifest_progress_fn */
aw_err aw_deployment_start(aw_runtime *rt, const aw_manifest *m,
                           aw_manifest_progress_fn progress, void *ud, aw_deployment **out);

/** An empty deployment, for components added at run time (no manifest):
 * aw_deployment_add_component() fills it, aw_deployment_stop() releases
 * what it holds. */
aw_err aw_deployment_new(aw_runtime *rt, aw_deployment **out);

/** A component of the deployment by its manifest name (borrowed), or NULL. */
aw_component *aw_deployment_component(aw_deployment *d, const char *name);

/** Add (or replace) a named component, e.g. one deployed at run time; the
 * deployment takes a reference of its own. A replaced component is released
 * (actors running it keep it alive). */
aw_err aw_deployment_add_component(aw_deployment *d, const char *name, aw_component *c);

/** Forget a named component: the deployment releases its reference (actors
 * still running it keep it alive until they end).
 * @return AW_OK; AW_ENOENT when the deployment has no component of that name. */
aw_err aw_deployment_remove_component(aw_deployment *d, const char *name);

/** A pipeline of the deployment by name (borrowed), or NULL. */
aw_pipeline *aw_deployment_pipeline(aw_deployment *d, const char *name);

/** Names of the deployment's components (borrowed, valid until the
 * deployment changes). @return how many */
size_t aw_deployment_component_names(aw_deployment *d, const char ***out);
/** Names of the deployment's pipelines (borrowed, valid until the
 * deployment changes). @return how many */
size_t aw_deployment_pipeline_names(aw_deployment *d, const char ***out);

/** Undo a deployment, exactly in reverse of its start: pipelines drain
 * (every accepted item ends) and are freed, routes stop, the supervisors
 * stop their trees, the actors stop (on-stop hooks run), components are
 * released. Things already gone (an actor stopped by hand) are skipped.
 * Afterwards none of the manifest's names is registered. Call it before
 * aw_runtime_free(). Then frees @p d (NULL: nothing). */
void aw_deployment_stop(aw_deployment *d);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
