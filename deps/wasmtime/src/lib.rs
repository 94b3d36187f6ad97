//! Re-export the Wasmtime C API so that cargo emits it as one staticlib.
pub use wasmtime_c_api::*;
