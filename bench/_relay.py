"""The messaging benchmark's baseline: a bare python-socketio relay.

It speaks the app's ``send_message`` protocol and does only what cannot be
left out: on ``send_message`` it builds the message payload, emits
``message`` to both people's ``user:<id>`` rooms and acknowledges. No login,
no permission check, no database. Each client says who it is and who its
partner is in the connection's ``auth`` data.

It is served the way ``conference.serve`` serves the app in each async mode
(Werkzeug's threaded server with simple-websocket, gevent's WSGI server,
eventlet's WSGI server), so both systems of the benchmark run on the same web
server::

    python bench/_relay.py --port 5055 --mode gevent [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import itertools
import os
from datetime import UTC, datetime


def main() -> None:
    parser = argparse.ArgumentParser(description="Bare python-socketio relay.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", default=os.environ.get("SOCKETIO_ASYNC_MODE", "threading"))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL") or None)
    parser.add_argument("--channel", default="bench-relay")
    args = parser.parse_args()

    # As in conference.serve: monkey-patch before anything else is imported.
    if args.mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    elif args.mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()

    import socketio

    manager = socketio.RedisManager(args.redis, channel=args.channel) if args.redis else None
    sio = socketio.Server(async_mode=args.mode, client_manager=manager, cors_allowed_origins=[])
    ids = itertools.count(1)
    people: dict[str, tuple[int, int]] = {}

    @sio.on("connect")
    def connect(sid, _environ, auth=None):
        if not isinstance(auth, dict) or not {"user", "partner"} <= auth.keys():
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        user, partner = int(auth["user"]), int(auth["partner"])
        people[sid] = (user, partner)
        sio.enter_room(sid, f"user:{user}")

    @sio.on("disconnect")
    def disconnect(sid, *_reason):
        people.pop(sid, None)

    @sio.on("send_message")
    def send_message(sid, data):
        user, partner = people[sid]
        payload = {
            "id": next(ids),
            "conversation_id": data["conversation_id"],
            "sender_id": user,
            "sender_name": f"User {user}",
            "client_id": data["client_id"],
            "body": data["body"],
            "created_at": datetime.now(UTC).isoformat(),
            "hidden": False,
        }
        sio.emit("message", payload, to=[f"user:{user}", f"user:{partner}"])
        return {"ok": True, "message": payload, "created": True}

    app = socketio.WSGIApp(sio)
    print(f" * Relay on http://{args.host}:{args.port} (async mode: {args.mode})", flush=True)
    if args.mode == "threading":
        from werkzeug.serving import run_simple

        run_simple(args.host, args.port, app, threaded=True)
    elif args.mode == "gevent":
        from gevent import pywsgi

        pywsgi.WSGIServer((args.host, args.port), app, log=None).serve_forever()
    else:
        import eventlet
        import eventlet.wsgi

        eventlet.wsgi.server(eventlet.listen((args.host, args.port)), app, log_output=False)


if __name__ == "__main__":
    main()
