"""What an uploaded file really is: its type read from the content by libmagic (python-magic on
Debian's libmagic1), never from its name or the browser's Content-Type; images re-encoded by
Pillow without their metadata (EXIF with GPS position, camera, XMP, comments); PDFs without
their document information and XMP metadata (``documents.pdf``, qpdf); HEIC/HEIF photos
(phones) converted to JPEG (pillow-heif).

Why libmagic rather than a pure-Python guesser: it is file(1)'s database, maintained by Debian,
and it tells OOXML and OpenDocument files apart from any other ZIP archive (``filetype`` only
reads the first bytes, so an office document, a Java archive and a plain ZIP look alike)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePath

import magic
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from documents import pdf

try:  # HEIC/HEIF: converted to JPEG when pillow-heif is installed, refused clearly otherwise
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - installed from requirements.lock
    HEIF = False

# Detected type -> (extensions accepted for it, short label for messages).
TYPES_ACCEPTES = {
    "application/pdf": ({".pdf"}, "PDF"),
    "image/jpeg": ({".jpg", ".jpeg", ".jpe", ".jfif"}, "JPEG"),
    "image/png": ({".png"}, "PNG"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ({".docx"}, "Word"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ({".xlsx"}, "Excel"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        {".pptx"},
        "PowerPoint",
    ),
    "application/msword": ({".doc"}, "Word 97-2003"),
    "application/vnd.ms-excel": ({".xls"}, "Excel 97-2003"),
    "application/vnd.oasis.opendocument.text": ({".odt"}, "OpenDocument"),
    "application/vnd.oasis.opendocument.spreadsheet": ({".ods"}, "OpenDocument"),
    "application/vnd.oasis.opendocument.presentation": ({".odp"}, "OpenDocument"),
}
TYPES_HEIF = {"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}
EXTENSIONS_HEIF = {".heic", ".heif"}
# The office formats libmagic sometimes reports generically (old Word/Excel files).
ALIAS = {"application/cdfv2": "application/msword", "application/x-ole-storage": None}
LIBELLES_DETECTES = {
    "application/zip": "ZIP",
    "application/x-dosexec": "EXE",
    "application/x-executable": "ELF",
    "application/x-sharedlib": "ELF",
    "text/html": "HTML",
}


def libelle_detecte(mime: str) -> str:
    if mime == "application/octet-stream":
        return _("binaire inconnu")
    if mime.startswith("text/") and mime not in LIBELLES_DETECTES:
        return _("texte")
    return LIBELLES_DETECTES.get(mime, mime)


# Beyond this many pixels an image is refused (Pillow's decompression-bomb guard).
MAX_PIXELS = 80_000_000


@dataclass
class Fichier:
    contenu: bytes
    nom: str
    type_contenu: str


def _extension(nom: str) -> str:
    return PurePath(nom).suffix.lower()


def verifier_nom(nom: str) -> str:
    """The file name as the user gave it, or a ValidationError (control characters, none)."""
    nom = (nom or "").strip()
    if not nom or any(ord(c) < 32 or ord(c) == 127 for c in nom):
        raise ValidationError(
            _("Le nom du fichier contient des caractères invalides : renommez le fichier."),
            code="nom_invalide",
        )
    return PurePath(nom.replace("\\", "/")).name[:255]


def detecter(contenu: bytes) -> str:
    mime = magic.from_buffer(contenu, mime=True) or "application/octet-stream"
    if mime in ALIAS:
        mime = ALIAS[mime] if ALIAS[mime] and _extension_office_ole(contenu) else mime
    return mime


def _extension_office_ole(contenu: bytes) -> bool:
    description = magic.from_buffer(contenu) or ""
    return "Microsoft Word" in description or "Microsoft Excel" in description


def _reencoder(contenu: bytes, format_sortie: str) -> bytes:
    """The image drawn again without metadata (orientation applied first, so the photo still
    shows the right way up), in ``format_sortie`` (JPEG or PNG)."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(contenu)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if format_sortie == "JPEG":
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                propre = image.copy()
                propre.info = {}
                sortie = io.BytesIO()
                propre.save(sortie, "JPEG", quality=90, optimize=True)
            else:
                propre = image.copy()
                propre.info = {k: v for k, v in image.info.items() if k == "transparency"}
                sortie = io.BytesIO()
                propre.save(sortie, "PNG", optimize=False)
            return sortie.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("Cette image est trop grande (plus de %(n)s millions de pixels).")
            % {"n": MAX_PIXELS // 1_000_000},
            code="image_trop_grande",
        )
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(_("Cette image est illisible ou endommagée."), code="image_illisible")


def preparer(contenu: bytes, nom: str) -> Fichier:
    """Check the content of an upload and make the file to keep: its type detected from the
    bytes must be accepted and match the name's extension; images lose their metadata; HEIC
    becomes JPEG. Raises ValidationError with a message for the user."""
    nom = verifier_nom(nom)
    if not contenu:
        raise ValidationError(_("Le fichier est vide."), code="vide")
    mime = detecter(contenu)
    extension = _extension(nom)
    if mime in TYPES_HEIF or (extension in EXTENSIONS_HEIF and mime.startswith("image/")):
        if not HEIF:
            raise ValidationError(
                _(
                    "Les photos HEIC ne sont pas acceptées : enregistrez-la en JPEG "
                    "(ou réglez l'appareil photo sur « le plus compatible »)."
                ),
                code="heic",
            )
        if extension not in EXTENSIONS_HEIF:
            raise ValidationError(_extension_trompeuse(nom, "HEIC"), code="extension")
        jpeg = _reencoder(contenu, "JPEG")
        return Fichier(jpeg, str(PurePath(nom).with_suffix(".jpg")), "image/jpeg")
    if mime not in TYPES_ACCEPTES:
        raise ValidationError(
            _(
                "Type de fichier non accepté (%(type)s). Formats acceptés : PDF, JPEG, PNG, "
                "HEIC, documents Word, Excel, PowerPoint et OpenDocument."
            )
            % {"type": libelle_detecte(mime)},
            code="type",
        )
    extensions, libelle = TYPES_ACCEPTES[mime]
    if extension not in extensions:
        raise ValidationError(_extension_trompeuse(nom, libelle), code="extension")
    if mime == "image/jpeg":
        contenu = _reencoder(contenu, "JPEG")
    elif mime == "image/png":
        contenu = _reencoder(contenu, "PNG")
    elif mime == "application/pdf":
        contenu = pdf.sans_metadonnees(contenu)
    return Fichier(contenu, nom, mime)


def _extension_trompeuse(nom: str, libelle: str) -> str:
    return _(
        "Le nom « %(nom)s » ne correspond pas au contenu du fichier, qui est de type "
        "%(type)s : vérifiez que c'est le bon fichier."
    ) % {"nom": nom, "type": libelle}
