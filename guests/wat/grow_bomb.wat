;; grow_bomb: grows memory one page at a time until refused, then replies
;; with the final size in pages as 4 little-endian bytes. The runtime's
;; memory cap must stop it; the host stays healthy.
(module
  (import "airssys" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "aw_abi_v0"))
  (func (export "aw_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "aw_handle") (param i32 i32) (result i32)
    (block $done (loop $more
      (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $more)))
    (i32.store (i32.const 0) (memory.size))
    (drop (call $reply (i32.const 0) (i32.const 4)))
    (i32.const 0)))
