/* spec.c - supervisor specs: deep copies (a supervisor outlives the
 * caller's spec and restarts from it) and the checks that turn a bad spec
 * into a clear error before anything starts. */
#include "sup.h"

#include <string.h>

/* ---- spec copies ---------------------------------------------------------- */


bool sv_actor_copy(aw_actor_spec *dst, const aw_actor_spec *src)
{
    *dst = *src;
    dst->name = src->name ? strdup(src->name) : NULL;
    dst->config = NULL;
    dst->native = NULL;
    uint8_t *cfg = src->config_len ? malloc(src->config_len) : NULL;
    if (cfg) memcpy(cfg, src->config, src->config_len);
    dst->config = cfg;
    aw_native_actor *nat = src->native ? malloc(sizeof *nat) : NULL;
    if (nat) *nat = *src->native;
    dst->native = nat;
    if (dst->component) atomic_fetch_add(&dst->component->refs, 1);
    char **subs = src->n_subscribe ? calloc(src->n_subscribe, sizeof *subs) : NULL;
    bool subs_ok = !src->n_subscribe || (subs && src->subscribe);
    for (size_t i = 0; subs_ok && i < src->n_subscribe; i++)
        subs_ok = src->subscribe[i] && (subs[i] = strdup(src->subscribe[i]));
    dst->subscribe = (const char *const *)subs;
    return (!src->name || dst->name) && (!src->config_len || cfg) && (!src->native || nat) &&
           subs_ok;
}

void sv_actor_free(aw_actor_spec *a)
{
    free((char *)a->name);
    free((uint8_t *)a->config);
    free((aw_native_actor *)a->native);
    for (size_t i = 0; a->subscribe && i < a->n_subscribe; i++) free((char *)a->subscribe[i]);
    free((char **)a->subscribe);
    aw_component_release(a->component);
    memset(a, 0, sizeof *a);
}

aw_supervisor_spec *sv_spec_dup(const aw_supervisor_spec *in)
{
    aw_supervisor_spec *sp = calloc(1, sizeof *sp);
    aw_child_spec *kids = in->n_children ? calloc(in->n_children, sizeof *kids) : NULL;
    if (!sp || (in->n_children && !kids)) { free(sp); free(kids); return NULL; }
    *sp = *in;
    sp->name = strdup(in->name);
    sp->children = kids;
    bool ok = sp->name != NULL;
    for (size_t i = 0; ok && i < in->n_children; i++) {
        const aw_child_spec *c = &in->children[i];
        kids[i] = *c;
        kids[i].backoff = NULL;
        kids[i].supervisor = NULL;
        ok = sv_actor_copy(&kids[i].actor, &c->actor);
        if (c->backoff) {
            aw_backoff *b = malloc(sizeof *b);
            if (b) *b = *c->backoff;
            kids[i].backoff = b;
            ok = ok && b;
        }
        if (c->supervisor) ok = ok && (kids[i].supervisor = sv_spec_dup(c->supervisor));
    }
    if (!ok) { sv_spec_free(sp); return NULL; }
    return sp;
}

void sv_spec_free(aw_supervisor_spec *sp)
{
    if (!sp) return;
    aw_child_spec *kids = (aw_child_spec *)sp->children;
    for (size_t i = 0; kids && i < sp->n_children; i++) {
        sv_actor_free(&kids[i].actor);
        free((aw_backoff *)kids[i].backoff);
        sv_spec_free((aw_supervisor_spec *)kids[i].supervisor);
    }
    free(kids);
    free((char *)sp->name);
    free(sp);
}

aw_err sv_check_child(const aw_child_spec *c)
{
    if (!c || !c->supervisor == !(c->actor.component || c->actor.native))
        return aw__fail(AW_EINVAL, "child spec needs exactly one of an actor (component or "
                                   "native) and a nested supervisor");
    const char *name = c->supervisor ? c->supervisor->name : c->actor.name;
    if (!name || !aw__valid_name(name))
        return aw__fail(AW_EINVAL, "child spec: name '%s' must be 1..255 printable characters "
                        "without spaces", name ? name : "(none)");
    if ((unsigned)c->restart > AW_TEMPORARY)
        return aw__fail(AW_EINVAL, "child '%s': restart type %d is not one of permanent, "
                        "transient, temporary", name, (int)c->restart);
    if (c->supervisor) {
        for (size_t i = 0; i < c->supervisor->n_children; i++) {
            aw_err rc = sv_check_child(&c->supervisor->children[i]);
            if (rc) return rc;
        }
    }
    return AW_OK;
}

aw_err sv_check_spec(const aw_supervisor_spec *sp)
{
    if (!sp || !sp->name || !aw__valid_name(sp->name))
        return aw__fail(AW_EINVAL, "supervisor spec needs a valid name");
    if ((unsigned)sp->strategy > AW_REST_FOR_ONE)
        return aw__fail(AW_EINVAL, "supervisor '%s': unknown strategy %d", sp->name,
                        (int)sp->strategy);
    if (sp->n_children && !sp->children)
        return aw__fail(AW_EINVAL, "supervisor '%s': n_children is %zu but children is NULL",
                        sp->name, sp->n_children);
    if (sp->backoff.jitter < 0 || sp->backoff.jitter > 1)
        return aw__fail(AW_EINVAL, "supervisor '%s': backoff jitter %.3f is outside 0..1",
                        sp->name, sp->backoff.jitter);
    for (size_t i = 0; i < sp->n_children; i++) {
        aw_err rc = sv_check_child(&sp->children[i]);
        if (rc) return rc;
        for (size_t j = 0; j < i; j++) {
            const aw_child_spec *x = &sp->children[i], *y = &sp->children[j];
            const char *nx = x->supervisor ? x->supervisor->name : x->actor.name;
            const char *ny = y->supervisor ? y->supervisor->name : y->actor.name;
            if (!strcmp(nx, ny))
                return aw__fail(AW_EEXIST, "supervisor '%s': two children are named '%s'",
                                sp->name, nx);
        }
    }
    return AW_OK;
}

