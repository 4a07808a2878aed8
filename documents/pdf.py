"""PDF metadata stripped from uploads: the document information dictionary (``/Info``: author,
creator, title, subject, keywords... often a person's or an agent's name) and the document's
XMP metadata stream (the catalog's ``/Metadata``) are removed, and the file is rewritten
without them, so nothing of them is left in an older revision or an unreferenced object.

The work is done by qpdf (Debian package ``qpdf``, installed by ``make system-deps``): its JSON
view gives the trailer and the catalog, ``--update-from-json`` writes them back without the two
entries, and qpdf's full rewrite drops the objects nothing refers to any more. qpdf 11.3
(Debian 12) has no ``--remove-info``/``--remove-metadata`` (added in 11.10), hence the JSON.
A PDF without metadata is kept byte for byte; one qpdf cannot read (damaged beyond repair,
or protected by an opening password) is kept as is, as is every PDF when qpdf is missing
(logged): the upload's other checks and the malware scan still apply. Metadata attached to
pages or images inside the PDF is not touched."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

DELAI = 60  # seconds per qpdf call


def _qpdf(*args: str) -> subprocess.CompletedProcess:
    # Exit status: 0 fine, 3 fine with warnings (a repaired cross-reference table), 2 error.
    return subprocess.run(["qpdf", *args], capture_output=True, timeout=DELAI, check=False)


def _objets(source: Path, *objets: str) -> dict | None:
    """{key: value} of the trailer / objects ``objets`` ("trailer", "1 0 R") in qpdf's JSON."""
    args = ["--json=2", "--json-key=qpdf", *(f"--json-object={o}" for o in objets), str(source)]
    resultat = _qpdf(*args)
    if resultat.returncode not in (0, 3):
        return None
    try:
        entete, objets_json = json.loads(resultat.stdout)["qpdf"]
    except (ValueError, KeyError, TypeError):
        return None
    return {"entete": entete, **objets_json}


def sans_metadonnees(contenu: bytes) -> bytes:
    """``contenu`` (a PDF) without its document information and XMP metadata."""
    if shutil.which("qpdf") is None:
        logger.warning("qpdf is not installed: PDF kept with its metadata")
        return contenu
    with tempfile.TemporaryDirectory(prefix="pdf-") as dossier:
        source = Path(dossier, "source.pdf")
        source.write_bytes(contenu)
        lu = _objets(source, "trailer")
        if lu is None or "trailer" not in lu:
            logger.info("PDF unreadable by qpdf: kept as is")
            return contenu
        trailer = dict(lu["trailer"].get("value") or {})
        racine = trailer.get("/Root")
        catalogue = None
        if isinstance(racine, str) and racine.endswith(" R"):
            lu_racine = _objets(source, racine)
            if lu_racine is not None:
                catalogue = dict((lu_racine.get(f"obj:{racine}") or {}).get("value") or {})
        a_ecrire = {}
        if trailer.pop("/Info", None) is not None:
            a_ecrire["trailer"] = {"value": trailer}
        if catalogue is not None and catalogue.pop("/Metadata", None) is not None:
            a_ecrire[f"obj:{racine}"] = {"value": catalogue}
        if not a_ecrire:
            return contenu
        mise_a_jour = Path(dossier, "sans-metadonnees.json")
        mise_a_jour.write_text(json.dumps({"qpdf": [lu["entete"], a_ecrire]}))
        sortie = Path(dossier, "propre.pdf")
        resultat = _qpdf(str(source), f"--update-from-json={mise_a_jour}", str(sortie))
        if resultat.returncode not in (0, 3) or not sortie.exists():
            logger.warning("qpdf could not rewrite a PDF without its metadata: %s", resultat.stderr)
            return contenu
        return sortie.read_bytes()
