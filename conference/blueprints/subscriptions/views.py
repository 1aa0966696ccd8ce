"""The unsubscribe link of every announcement and agenda email.

``GET`` only shows what the link does and a button; the ``POST`` of that button (or
the one-click ``POST`` a mail app sends by itself, RFC 8058) stops the event's
announcements to the person. No login is needed: the signed token in the address
is the permission, so the form carries no CSRF token either (a forged POST could at
most unsubscribe the holder of a valid link from announcements).
"""

from __future__ import annotations

from flask import render_template, request

from conference.blueprints.subscriptions import bp
from conference.extensions import csrf, db
from conference.services import ServiceError, mailings


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    try:
        subscription = mailings.subscription_of(token)
    except ServiceError as exc:
        return render_template("subscriptions/unsubscribe.html", error=exc.message), 404
    return render_template(
        "subscriptions/unsubscribe.html",
        token=token,
        subscription=subscription,
        state="confirm",
    )


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_post(token: str):
    """Stop announcements (the button, or a mail app's one-click POST), or start them
    again (``action=resubscribe``)."""
    try:
        subscription = mailings.subscription_of(token)
        wanted = request.form.get("action") == "resubscribe"
        mailings.set_announcements(subscription, wanted=wanted)
    except ServiceError as exc:
        db.session.rollback()
        status = 404 if exc.code in ("bad_token", "preview_token") else 409
        return render_template("subscriptions/unsubscribe.html", error=exc.message), status
    db.session.commit()
    return render_template(
        "subscriptions/unsubscribe.html",
        token=token,
        subscription=subscription,
        state="subscribed" if wanted else "unsubscribed",
    )
