"""A WIT component actor in Python: the starting point
`airssys-wasm new --lang py` copies. Build: ./build.sh (componentize-py).

It counts the messages it handles and answers a request with a greeting.
Host calls that return result<T, error> return T or raise
componentize_py_types.Err (its .value is the error record). The component
imports WASI preview 2 (CPython needs it): load it with WASI enabled.
"""
from wit_world import exports
from wit_world.imports import logging
from componentize_py_types import Err


class Actor(exports.Actor):
    handled = 0

    def init(self, config: bytes) -> None:
        pass

    def on_start(self) -> None:
        logging.log(logging.Level.INFO, "template actor started")

    def handle(self, msg):
        """msg.payload: bytes, msg.topic: str | None, msg.is_request: bool.
        Return bytes to reply, None for no reply; raise Err(str) to fail."""
        Actor.handled += 1
        if not msg.is_request:
            return None
        return b"hello from Python: " + msg.payload

    def on_stop(self, reason) -> None:
        pass
