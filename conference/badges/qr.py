"""QR codes for badges: a 1-bit PNG for the printed badge, SVG for the phone page.

Error correction level Q (a quarter of the code may be scuffed or covered by a
lanyard clip) and the standard quiet zone of four modules. The badge payload
``B1:<26 base32 characters>`` is 29 characters of QR's alphanumeric mode, which fits
version 2 at level Q: 25 x 25 modules, large enough to scan from a phone at arm's
length on the smallest badge.
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q

QUIET_ZONE = 4


def _code(payload: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE, box_size=1)
    code.add_data(payload)
    code.make(fit=True)
    return code


def qr_png(payload: str) -> bytes:
    """The code as a 1-bit PNG, one pixel per module (the badge scales it up unblurred)."""
    image = _code(payload).make_image().get_image().convert("1")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def qr_png_data_uri(payload: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(payload)).decode("ascii")


def qr_svg(payload: str) -> str:
    """The code as an inline SVG element (one path, black on white, scalable)."""
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_Q,
        border=QUIET_ZONE,
        box_size=10,
        image_factory=qrcode.image.svg.SvgPathFillImage,
    )
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")
