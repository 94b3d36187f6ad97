;; bad_alloc: aw_alloc returns a pointer outside linear memory. The host must
;; refuse to write there and report the guest, not corrupt anything.
(module
  (memory (export "memory") 1)
  (func (export "aw_abi_v0"))
  (func (export "aw_alloc") (param i32) (result i32) (i32.const -16))
  (func (export "aw_handle") (param i32 i32) (result i32) (i32.const 0)))
