"""A Python component (componentize-py, so it imports WASI preview 2) that
tries the ambient authority WASI might give it. A request "read <path>"
opens a file through WASI's filesystem; "connect <host> <port>" opens a TCP
socket. It answers "ok <content>" or "err <exception class>", so a test can
see that only directories a file grant covers are reachable and that there
is no network at all."""
import socket

from wit_world import exports


class Actor(exports.Actor):
    def init(self, config: bytes) -> None:
        pass

    def on_start(self) -> None:
        pass

    def handle(self, msg):
        parts = msg.payload.decode().split(" ")
        try:
            if parts[0] == "read":
                with open(parts[1]) as f:
                    return b"ok " + f.read().encode()
            if parts[0] == "connect":
                s = socket.create_connection((parts[1], int(parts[2])), timeout=2)
                s.close()
                return b"ok connected"
        except Exception as e:  # the point: what WASI refuses, and how
            return ("err " + type(e).__name__).encode()
        return b"err unknown command"

    def on_stop(self, reason) -> None:
        pass
