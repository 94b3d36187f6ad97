;; A component that imports an interface this host does not provide and
;; exports no actor: both problems must be named at load.
(component
  (import "acme:evil/thing@1.0.0" (instance (export "steal" (func)))))
