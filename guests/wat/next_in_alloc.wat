;; next_in_alloc: a hostile guest that calls airssys.next from inside aw_alloc
;; (before its handler runs). The host must refuse (-1) and keep the message;
;; the handler then replies with what next returned, as 4 little-endian bytes.
(module
  (import "airssys" "next" (func $next (param i32) (result i32)))
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "aw_abi_v0"))
  (func (export "aw_alloc") (param i32) (result i32)
    (i32.store (i32.const 0) (call $next (i32.const 0)))
    (i32.const 1024))
  (func (export "aw_handle") (param $p i32) (param $n i32) (result i32)
    (i32.store (i32.const 4) (i32.load8_u (local.get $p)))  ;; the message is intact
    (drop (call $reply (i32.const 0) (i32.const 8)))
    (i32.const 0)))
