;; A component that exports the actor interface with the wrong types (its
;; handle takes and returns a u32): loading it must fail at the world check,
;; naming handle and the type it should have.
(component
  (core module $m
    (func (export "h") (param i32) (result i32) local.get 0)
    (func (export "s") (result i32) i32.const 0)
    (func (export "i") (param i32))
    (func (export "o")))
  (core instance $i (instantiate $m))
  (func $handle (param "x" u32) (result u32) (canon lift (core func $i "h")))
  (func $start (result u32) (canon lift (core func $i "s")))
  (func $init (param "x" u32) (canon lift (core func $i "i")))
  (func $stop (canon lift (core func $i "o")))
  (instance $actor
    (export "init" (func $init))
    (export "on-start" (func $start))
    (export "handle" (func $handle))
    (export "on-stop" (func $stop)))
  (export "airssys:component/actor@0.1.0" (instance $actor)))
