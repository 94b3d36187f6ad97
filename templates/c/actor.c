/* A WIT component actor in C: the starting point `airssys-wasm new --lang c`
 * copies. Build: ./build.sh (wit-bindgen c + clang + wasm-tools component new).
 *
 * It counts the messages it handles and answers a request with a greeting.
 * Stay clear of stdio (printf pulls in WASI preview 1 file calls); log with
 * airssys_component_logging_log instead. */
#include "actor_component.h"

#include <stdlib.h>
#include <string.h>

static unsigned long handled;

bool exports_airssys_component_actor_init(actor_component_list_u8_t *config,
                                          actor_component_string_t *err)
{
    (void)err;
    actor_component_list_u8_free(config);  /* arguments are ours to free */
    return true;
}

bool exports_airssys_component_actor_on_start(actor_component_string_t *err)
{
    (void)err;
    actor_component_string_t line;
    actor_component_string_set(&line, "template actor started");
    airssys_component_logging_log(AIRSSYS_COMPONENT_LOGGING_LEVEL_INFO, &line);
    return true;
}

bool exports_airssys_component_actor_handle(exports_airssys_component_actor_message_t *msg,
                                            actor_component_option_list_u8_t *ret,
                                            actor_component_string_t *err)
{
    (void)err;
    handled++;
    ret->is_some = msg->is_request;
    if (msg->is_request) {  /* "hello from C: " + payload, freed by the bindings */
        static const char hi[] = "hello from C: ";
        size_t n = sizeof hi - 1 + msg->payload.len;
        ret->val.ptr = malloc(n);
        ret->val.len = n;
        memcpy(ret->val.ptr, hi, sizeof hi - 1);
        memcpy(ret->val.ptr + sizeof hi - 1, msg->payload.ptr, msg->payload.len);
    }
    exports_airssys_component_actor_message_free(msg);
    return true;
}

void exports_airssys_component_actor_on_stop(exports_airssys_component_actor_stop_reason_t reason)
{
    (void)reason;
}
