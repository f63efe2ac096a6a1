"""Photos: the type is read from the content, the size is limited, and every photo is
re-encoded as JPEG, which drops its EXIF block (GPS position, camera, owner) entirely."""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560


def max_photo_bytes() -> int:
    return getattr(settings, "FEEDBACK_MAX_PHOTO_MB", 10) * 1024 * 1024


def max_photos() -> int:
    return getattr(settings, "FEEDBACK_MAX_PHOTOS", 3)


def clean_photo(upload) -> tuple[ContentFile, int, int]:
    """Check one uploaded file and return a clean JPEG copy with its width and height."""
    limit = max_photo_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("The photo %(name)s is larger than %(mb)d MB.") % {"name": upload.name, "mb": limit // 2**20},
            code="too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UnidentifiedImageError
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=85, optimize=True)
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("The file %(name)s is not a photo (JPEG, PNG, WebP or GIF).") % {"name": upload.name},
            code="not_image",
        ) from None
    return ContentFile(buffer.getvalue(), name="photo.jpg"), width, height
