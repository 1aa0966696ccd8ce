"""The server entry point: ``python -m conference.serve``.

Any monkey-patching for green threads happens here and nowhere else, before
the app is imported. ``SOCKETIO_ASYNC_MODE`` picks threading (the default),
gevent or eventlet. On the embedded default it also runs the background-job workers
(``conference.jobs.start_embedded``); with Redis they are processes of their own.
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the conference app.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)))
    args = parser.parse_args()

    mode = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    elif mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()

    from conference import create_app, jobs
    from conference.extensions import socketio

    app = create_app()
    jobs.start_embedded(app)
    print(f" * Serving on http://{args.host}:{args.port} (async mode: {mode})", flush=True)
    socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=mode == "threading")


if __name__ == "__main__":
    main()
