;; liar: a hostile guest that lies about pointers and lengths.
;; Message "r": reply with a range past the end of memory.
;; Message "l": log with a huge length.
;; Anything else: a correct 2-byte reply "ok" (the guest is otherwise fine).
(module
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (import "airssys" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "ok")
  (func (export "aw_abi_v0"))
  (func (export "aw_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "aw_handle") (param $p i32) (param $n i32) (result i32)
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 114)) ;; 'r'
      (then (drop (call $reply (i32.const 65000) (i32.const 4096))) (return (i32.const 0))))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 108)) ;; 'l'
      (then (call $log (i32.const 2) (i32.const 16) (i32.const -1)) (return (i32.const 0))))
    (drop (call $reply (i32.const 16) (i32.const 2)))
    (i32.const 0)))
