// A WIT component actor in JavaScript: the starting point
// `airssys-wasm new --lang js` copies. Build: ./build.sh (componentize-js).
//
// It counts the messages it handles and answers a request with a greeting.
// Host calls that return result<T, error> return T or throw (the thrown
// value's `payload` is the error record { code, detail }).
import { log } from 'airssys:component/logging@0.1.0';

let handled = 0;

export const actor = {
  init(config) {},
  onStart() {
    log('info', 'template actor started');
  },
  // msg = { payload: Uint8Array, topic: string | undefined, isRequest: boolean }
  // Return a Uint8Array to reply, undefined for no reply; throw a string to fail.
  handle(msg) {
    handled += 1;
    if (!msg.isRequest) return undefined;
    const text = new TextDecoder().decode(msg.payload);
    return new TextEncoder().encode(`hello from JS: ${text}`);
  },
  onStop(reason) {},
};
