/* plugin-host: an existing line-filter program that gains plugins. Every
 * .wasm named on the command line becomes a sandboxed actor (a core module
 * or a WIT component), and each line of input passes through all of them in
 * turn. The airssys part is the 25 lines marked "plugins". */
#include <airssys/airssys.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    aw_runtime *rt;                                              /* plugins */
    if (aw_runtime_new(NULL, &rt)) return 1;                     /* plugins */
    for (int i = 1; i < argc; i++) {                             /* plugins */
        aw_component *c;                                         /* plugins */
        char name[32];                                           /* plugins */
        snprintf(name, sizeof name, "plugin%d", i);              /* plugins */
        if (aw_component_load_file(rt, argv[i], &c) ||           /* plugins */
            aw_spawn(rt, &(aw_actor_spec){.name = name, .component = c})) {
            fprintf(stderr, "%s: %s\n", argv[i], aw_last_error());
            return 1;                                            /* plugins */
        }                                                        /* plugins */
        aw_component_release(c);  /* the actor keeps it */      /* plugins */
    }                                                            /* plugins */
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strcspn(line, "\n");
        char buf[4096];
        memcpy(buf, line, n);
        for (int i = 1; i < argc; i++) {                         /* plugins */
            char name[32];                                       /* plugins */
            aw_reply r;                                          /* plugins */
            snprintf(name, sizeof name, "plugin%d", i);          /* plugins */
            if (aw_request(rt, name, buf, n, 1000, &r)) {        /* plugins */
                fprintf(stderr, "plugin %d: %s\n", i, aw_last_error());
                aw_reply_free(&r);                               /* plugins */
                continue;                                        /* plugins */
            }                                                    /* plugins */
            n = r.len < sizeof buf ? r.len : sizeof buf;         /* plugins */
            memcpy(buf, r.data, n);                              /* plugins */
            aw_reply_free(&r);                                   /* plugins */
        }                                                        /* plugins */
        printf("%.*s\n", (int)n, buf);
    }
    aw_runtime_free(rt);                                         /* plugins */
    return 0;
}
