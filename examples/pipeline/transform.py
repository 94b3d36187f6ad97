"""Pipeline stage 2 (Python): transform. Each valid item gets its value
doubled and goes on to the actor named "aggregate". An item carrying
"poison" makes this stage crash on purpose (messaging.exit(3)), which its
supervisor answers with a restart; the items queued behind it wait in its
mailbox and the pipeline continues."""
import json

from wit_world import exports
from wit_world.imports import messaging


class Actor(exports.Actor):
    def init(self, config: bytes) -> None:
        pass

    def on_start(self) -> None:
        pass

    def handle(self, msg):
        item = json.loads(msg.payload)
        if item.get("poison"):
            messaging.exit(3)
        out = {"id": item["id"], "value": item["value"] * 2}
        messaging.send("aggregate", json.dumps(out).encode())
        return None

    def on_stop(self, reason) -> None:
        pass
