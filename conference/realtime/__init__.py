"""Socket.IO handlers. They authenticate on connect, check permissions on every
event, call services and emit to rooms named on the server.

The foundation only refuses connections that are not logged in; messaging,
presence and live updates arrive with the messaging issue.
"""

from flask_login import current_user

from conference.extensions import socketio


@socketio.on("connect")
def on_connect(auth=None):
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("unauthorized")
