/* spec.c - supervisor specs: deep copies (a supervisor outlives the
 * caller's spec and restarts from it) and the checks that turn a bad spec
 * into a clear error before anything starts. */
#include "sup.h"

#include <string.h>

/* ---- spec copies ---------------------------------------------------------- */


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
        kids[i].actor.name = c->actor.name ? strdup(c->actor.name) : NULL;
        kids[i].actor.config = NULL;
        kids[i].actor.native = NULL;
        if (c->actor.config_len) {
            uint8_t *cfg = malloc(c->actor.config_len);
            if (cfg) memcpy(cfg, c->actor.config, c->actor.config_len);
            kids[i].actor.config = cfg;
            ok = cfg != NULL;
        }
        if (c->actor.native) {
            aw_native_actor *nat = malloc(sizeof *nat);
            if (nat) *nat = *c->actor.native;
            kids[i].actor.native = nat;
            ok = ok && nat;
        }
        if (c->backoff) {
            aw_backoff *b = malloc(sizeof *b);
            if (b) *b = *c->backoff;
            kids[i].backoff = b;
            ok = ok && b;
        }
        if (c->supervisor) ok = ok && (kids[i].supervisor = sv_spec_dup(c->supervisor));
        if (c->actor.component) atomic_fetch_add(&c->actor.component->refs, 1);
    }
    if (!ok) { sv_spec_free(sp); return NULL; }
    return sp;
}

void sv_spec_free(aw_supervisor_spec *sp)
{
    if (!sp) return;
    aw_child_spec *kids = (aw_child_spec *)sp->children;
    for (size_t i = 0; kids && i < sp->n_children; i++) {
        free((char *)kids[i].actor.name);
        free((uint8_t *)kids[i].actor.config);
        free((aw_native_actor *)kids[i].actor.native);
        free((aw_backoff *)kids[i].backoff);
        sv_spec_free((aw_supervisor_spec *)kids[i].supervisor);
        aw_component_release(kids[i].actor.component);
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

