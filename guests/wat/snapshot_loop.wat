;; snapshot_loop: a hostile old version for upgrades. Its state snapshot
;; never returns. An upgrade with handoff must neither hold a worker while
;; it spins nor hang: the CPU deadline fails it, or a kill abandons it.
(module
  (memory (export "memory") 1)
  (func (export "aw_abi_v0"))
  (func (export "aw_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "aw_handle") (param i32 i32) (result i32) (i32.const 0))
  (func (export "aw_snapshot") (result i32) (loop $l (br $l)) (i32.const 0)))
