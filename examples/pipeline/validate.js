// Pipeline stage 1 (JavaScript): validate. Each message is one JSON item
// {"id": <integer>, "value": <number>, ...}; a valid one goes on to the
// actor named "transform", an invalid one is counted and dropped with a log
// line. A request "stats" answers "valid=<n> invalid=<n>".
import { send } from 'airssys:component/messaging@0.1.0';
import { log } from 'airssys:component/logging@0.1.0';

let valid = 0;
let invalid = 0;
const enc = new TextEncoder();
const dec = new TextDecoder();

function check(text) {
  let item;
  try { item = JSON.parse(text); } catch (e) { return 'not JSON'; }
  if (item === null || typeof item !== 'object') return 'not an object';
  if (!Number.isInteger(item.id)) return 'id is not an integer';
  if (typeof item.value !== 'number' || !Number.isFinite(item.value)) return 'value is not a number';
  return null;
}

export const actor = {
  init(config) {},
  onStart() {},
  handle(msg) {
    const text = dec.decode(msg.payload);
    if (text === 'stats') return enc.encode(`valid=${valid} invalid=${invalid}`);
    const why = check(text);
    if (why) {
      invalid += 1;
      log('warn', `dropped item: ${why}`);
      return undefined;
    }
    valid += 1;
    send('transform', msg.payload);  // throws (and so fails this message) if refused
    return undefined;
  },
  onStop(reason) {},
};
