"""Uploaded images (profile photos, event logos), checked before anything is kept.

The format is recognised from the content, and the pixel count is checked before the
pixels are decoded, so a small file cannot expand into gigabytes; what comes out is
decoded, verified and turned upright. Callers re-encode it in the form they keep.
"""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from conference.services import ServiceError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
MAX_PIXELS = 40_000_000

#: What Pillow raises for a damaged or hostile file while reading or decoding it.
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError)


def not_an_image(field: str) -> ServiceError:
    return ServiceError(
        f"{field}_invalid",
        _("This file is not an image we can use (JPEG, PNG, GIF or WebP)."),
        field,
    )


def _too_many_pixels(field: str) -> ServiceError:
    return ServiceError(
        f"{field}_too_many_pixels",
        _("The image is too big: at most %(mp)d megapixels.", mp=MAX_PIXELS // 1_000_000),
        field,
    )


def load_checked(data: bytes, field: str) -> Image.Image:
    """The image in ``data``, decoded and upright, or a ``ServiceError`` on ``field``
    for anything that is not a JPEG, PNG, GIF or WebP image by content or has more than
    ``MAX_PIXELS`` pixels."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its two limits; any such image is far over ours.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels(field) from None
    except DECODE_ERRORS:
        raise not_an_image(field) from None
    try:
        with probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise not_an_image(field)
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(field)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return ImageOps.exif_transpose(image)
    except (*DECODE_ERRORS, Image.DecompressionBombError):
        raise not_an_image(field) from None
