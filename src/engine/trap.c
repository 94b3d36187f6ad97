/* trap.c - turn Wasmtime traps and errors into aw_err plus a readable detail.
 *
 * A user debugging a plugin needs: which component, which actor, which guest
 * function, what kind of fault, and where in the guest it happened. Wasmtime
 * gives a trap code (for instruction traps), a message, and up to 20 frames;
 * we keep the first line of the message and print the frames ourselves so
 * the text is the same whichever way the failure arrived. */
#include "engine.h"

#include <stdio.h>
#include <string.h>

static const char *trap_code_text(wasmtime_trap_code_t code)
{
    switch (code) {
    case WASMTIME_TRAP_CODE_STACK_OVERFLOW: return "stack overflow";
    case WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS: return "out-of-bounds memory access";
    case WASMTIME_TRAP_CODE_HEAP_MISALIGNED: return "misaligned memory access";
    case WASMTIME_TRAP_CODE_TABLE_OUT_OF_BOUNDS: return "out-of-bounds table access";
    case WASMTIME_TRAP_CODE_INDIRECT_CALL_TO_NULL: return "indirect call to null";
    case WASMTIME_TRAP_CODE_BAD_SIGNATURE: return "indirect call signature mismatch";
    case WASMTIME_TRAP_CODE_INTEGER_OVERFLOW: return "integer overflow";
    case WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO: return "integer divide by zero";
    case WASMTIME_TRAP_CODE_BAD_CONVERSION_TO_INTEGER: return "invalid conversion to integer";
    case WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED: return "unreachable instruction executed";
    case WASMTIME_TRAP_CODE_INTERRUPT: return "interrupted";
    case WASMTIME_TRAP_CODE_OUT_OF_FUEL: return "out of fuel";
    default: return NULL;
    }
}

/* First line of a Wasmtime message, without the "error while executing" noise. */
static void first_line(const char *msg, size_t n, char *out, size_t cap)
{
    size_t end = 0;
    while (end < n && msg[end] != '\n' && msg[end] != 0) end++;
    snprintf(out, cap, "%.*s", (int)end, msg);
}

static void append_trace(char *buf, size_t cap, const wasm_frame_vec_t *frames)
{
    size_t used = strlen(buf);
    if (frames->size == 0) return;
    used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0, "\n  wasm backtrace:");
    for (size_t i = 0; i < frames->size && used < cap; i++) {
        const wasm_frame_t *f = frames->data[i];
        const wasm_name_t *fn = wasmtime_frame_func_name(f);
        if (fn && fn->size)
            used += (size_t)snprintf(buf + used, cap - used, "\n    #%zu %.*s (func[%u] +0x%zx)", i,
                                     (int)fn->size, fn->data, wasm_frame_func_index(f),
                                     wasm_frame_func_offset(f));
        else
            used += (size_t)snprintf(buf + used, cap - used, "\n    #%zu func[%u] +0x%zx", i,
                                     wasm_frame_func_index(f), wasm_frame_func_offset(f));
    }
}

aw_err aw_engine_decode_failure(const char *component, const char *actor, const char *func,
                                wasm_trap_t *trap, wasmtime_error_t *error, char **detail)
{
    char what[512] = "", buf[4096];
    aw_err kind = AW_ETRAP;
    wasm_frame_vec_t frames = {0, NULL};
    if (trap) {
        wasmtime_trap_code_t code;
        const char *txt = wasmtime_trap_code(trap, &code) ? trap_code_text(code) : NULL;
        wasm_message_t msg;
        wasm_trap_message(trap, &msg);
        if (txt) snprintf(what, sizeof what, "trap: %s", txt);
        else first_line(msg.data, msg.size, what, sizeof what);
        if (txt && code == WASMTIME_TRAP_CODE_OUT_OF_FUEL) kind = AW_ELIMIT;
        if (!txt && strstr(what, AW_EXIT_TAG)) {
            kind = AW_EEXIT;
            memmove(what, strstr(what, AW_EXIT_TAG) + 9, strlen(strstr(what, AW_EXIT_TAG) + 9) + 1);
        }
        wasm_byte_vec_delete(&msg);
        wasm_trap_trace(trap, &frames);
    } else if (error) {
        /* Host-function traps, exit() and engine failures arrive here. */
        char *text = aw_error_text(error);
        if (text && strstr(text, AW_EXIT_TAG)) {
            kind = AW_EEXIT;
            snprintf(what, sizeof what, "%s", strstr(text, AW_EXIT_TAG) + 9);
        } else if (text && strstr(text, AW_DEADLINE_TAG)) {
            kind = AW_EDEADLINE;
            snprintf(what, sizeof what, "exceeded its CPU deadline %s and was stopped",
                     text + strlen(AW_DEADLINE_TAG) + (text[strlen(AW_DEADLINE_TAG)] ? 1 : 0));
        } else {
            snprintf(what, sizeof what, "%s", text ? text : "unknown engine error");
            if (text && strstr(text, "concurrent limit")) kind = AW_ELIMIT;
        }
        free(text);
        wasmtime_error_wasm_trace(error, &frames);
    }
    snprintf(buf, sizeof buf, "component '%s' (actor '%s') failed in %s: %s", component,
             actor ? actor : component, func, what);
    append_trace(buf, sizeof buf, &frames);
    wasm_frame_vec_delete(&frames);  /* frames borrow from the trap/error: free them first */
    if (trap) wasm_trap_delete(trap);
    if (error) wasmtime_error_delete(error);
    if (detail) *detail = strdup(buf);
    return kind;
}
