"""NISS (national register or BIS number) helpers on top of python-stdnum.

The NISS is stored compact (11 digits) and shown ``YY.MM.DD-SSS.CC``. It encodes what is known
of the birth date (month or day may be ``00`` when unknown; BIS numbers add 20 or 40 to the
month) and, except for BIS numbers with month + 20, the gender (odd sequence: man). The check
digits also tell the century (a ``2`` is prefixed for births from 2000); python-stdnum does all
of this, we only turn its answers into messages and cross-checks.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.be import nn, ssn


def compact_niss(value: str) -> str:
    """Digits only (what is stored)."""
    return re.sub(r"\D", "", value or "")


def format_niss(value: str) -> str:
    """``YY.MM.DD-SSS.CC`` for display; unchanged if it is not 11 digits."""
    # A stored NISS is already its 11 digits (a database constraint): no regular expression
    # for each row of a list.
    digits = value if value and value.isascii() and value.isdigit() else compact_niss(value)
    if len(digits) != 11:
        return value or ""
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:11]}"


def is_valid_niss(value: str) -> bool:
    return ssn.is_valid(compact_niss(value))


@dataclass(frozen=True)
class InfoNiss:
    """What a valid NISS tells about its holder."""

    niss: str  # compact
    type: str  # "nn" (national register) or "bis"
    annee: int | None
    mois: int | None
    jour: int | None
    genre: str | None  # "M", "F" or None when the number does not carry it

    @property
    def date_naissance(self) -> datetime.date | None:
        if self.annee and self.mois and self.jour:
            return datetime.date(self.annee, self.mois, self.jour)
        return None

    @property
    def est_bis(self) -> bool:
        return self.type == "bis"


def analyser_niss(value: str) -> InfoNiss:
    """Validate a NISS typed in any format; raise ``ValidationError`` with a clear message."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Le NISS est obligatoire."), code="required")
    if re.search(r"[^0-9 .\-/]", raw):
        raise ValidationError(
            _("Le NISS ne contient que des chiffres (séparateurs . - et espaces admis)."),
            code="format",
        )
    digits = compact_niss(raw)
    if len(digits) != 11:
        raise ValidationError(
            _("Le NISS compte 11 chiffres (%(n)s donnés).") % {"n": len(digits)}, code="length"
        )
    rapide = _analyser_nn_courant(digits)
    if rapide is not None:
        return rapide
    try:
        ssn.validate(digits)
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(
            _("NISS invalide : les chiffres de contrôle ne correspondent pas."), code="checksum"
        )
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("NISS invalide : la date de naissance codée (mois %(mm)s) est impossible.")
            % {"mm": digits[2:4]},
            code="component",
        )
    annee, mois, jour = nn._get_birth_date_parts(digits)
    return InfoNiss(
        niss=digits,
        type=ssn.guess_type(digits) or "nn",
        annee=annee,
        mois=mois,
        jour=jour,
        genre=ssn.get_gender(digits),
    )


def _analyser_nn_courant(digits: str) -> InfoNiss | None:
    """The common case computed directly (imports validate tens of thousands of numbers):
    a national register number (month 01 to 12) whose check digits match. None for anything
    else (BIS, unknown month, wrong check digits), left to python-stdnum. Gives exactly what
    python-stdnum gives for these numbers (``stdnum.be.nn``: century from the check digits,
    an impossible day means an unknown day, odd sequence = man); a test compares both."""
    mois = int(digits[2:4])
    if not 1 <= mois <= 12:
        return None
    controle = int(digits[9:])
    if 97 - int(digits[:9]) % 97 == controle:
        siecle = 1900
    elif (
        int(digits[:2]) + 2000 <= datetime.date.today().year
        and 97 - int("2" + digits[:9]) % 97 == controle
    ):
        siecle = 2000
    else:
        return None
    annee = siecle + int(digits[:2])
    jour = int(digits[4:6])
    if jour == 0 or jour > calendar.monthrange(annee, mois)[1]:
        jour = None
    return InfoNiss(
        niss=digits,
        type="nn",
        annee=annee,
        mois=mois,
        jour=jour,
        genre="M" if int(digits[6:9]) % 2 else "F",
    )


def normaliser_niss(value: str) -> str:
    """Compact form of a valid NISS (raises ``ValidationError`` otherwise)."""
    return analyser_niss(value).niss


def incoherences(
    info: InfoNiss, date_naissance: datetime.date | None, genre: str | None
) -> dict[str, str]:
    """Fields typed by the user that contradict the NISS: {field: message}."""
    erreurs: dict[str, str] = {}
    if date_naissance:
        if info.date_naissance and info.date_naissance != date_naissance:
            erreurs["date_naissance"] = str(
                _("La date de naissance ne correspond pas au NISS (%(date)s).")
                % {"date": info.date_naissance.strftime("%d/%m/%Y")}
            )
        elif not info.date_naissance and (
            (info.annee and info.annee != date_naissance.year)
            or (info.mois and info.mois != date_naissance.month)
        ):
            connu = f"{info.mois:02d}/{info.annee}" if info.mois else str(info.annee)
            erreurs["date_naissance"] = str(
                _("La date de naissance ne correspond pas au NISS (né(e) en %(connu)s).")
                % {"connu": connu}
            )
    if genre in ("M", "F") and info.genre and info.genre != genre:
        erreurs["genre"] = str(
            _("Le genre ne correspond pas au NISS (%(genre)s).")
            % {"genre": _("homme") if info.genre == "M" else _("femme")}
        )
    return erreurs


def niss_avec_controle(base9: str, annee: int) -> str:
    """The 11-digit NISS for the 9 first digits ``base9`` of someone born in ``annee``
    (demo data and tests: compute the check digits the way the register does)."""
    n = int(("2" if annee >= 2000 else "") + base9)
    return f"{base9}{97 - n % 97:02d}"


def recherche_niss(value: str) -> str | None:
    """The digits of a search term that looks like a (partial) NISS, else None."""
    if not value or re.search(r"[^0-9 .\-/]", value):
        return None
    digits = compact_niss(value)
    return digits if len(digits) >= 3 else None
