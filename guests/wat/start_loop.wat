;; start_loop: its start function never returns. Spawning must fail once the
;; CPU deadline is spent, without hanging the spawner or a worker.
(module
  (memory (export "memory") 1)
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "aw_abi_v0"))
  (func (export "aw_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "aw_handle") (param i32 i32) (result i32) (i32.const 0)))
