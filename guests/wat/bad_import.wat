;; bad_import: conforms to the export side of ABI v0 but imports env.secret,
;; which no host provides. Loading must fail naming the import.
(module
  (import "env" "secret" (func $secret (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "aw_abi_v0"))
  (func (export "aw_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "aw_handle") (param i32 i32) (result i32) (call $secret (local.get 0))))
