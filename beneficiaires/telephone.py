"""Phone numbers: validated and normalised (E.164, e.g. +32470123456) with the ``phonenumbers``
library. A number written without a country code is read as Belgian (0470 12 34 56); a foreign
number is accepted when written with its country code (+33 6 12 34 56 78)."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REGION = "BE"
TYPES_GSM = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}

MESSAGE_INVALIDE = _(
    "Numéro de téléphone non valable : indiquez un numéro belge (par exemple 0470 12 34 56 ou "
    "02 512 34 56) ou un numéro étranger avec son indicatif (+33 6 12 34 56 78)."
)


def _analyser(numero: str):
    numero = (numero or "").strip()
    if not numero:
        return None
    if numero.startswith("00"):
        numero = "+" + numero[2:]
    try:
        analyse = phonenumbers.parse(numero, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(analyse):
        return None
    return analyse


def normaliser(numero: str) -> str | None:
    """The number in E.164 form, or None when it is not a valid phone number."""
    analyse = _analyser(numero)
    if analyse is None:
        return None
    return phonenumbers.format_number(analyse, phonenumbers.PhoneNumberFormat.E164)


def gsm(numero: str) -> str | None:
    """The number in E.164 form if it can receive an SMS (a mobile number), else None."""
    analyse = _analyser(numero)
    if analyse is None or phonenumbers.number_type(analyse) not in TYPES_GSM:
        return None
    return phonenumbers.format_number(analyse, phonenumbers.PhoneNumberFormat.E164)


def affichage(numero: str) -> str:
    """The number as people read it: national form for Belgium, international otherwise."""
    analyse = _analyser(numero)
    if analyse is None:
        return numero or ""
    if analyse.country_code == 32:
        return phonenumbers.format_number(analyse, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(analyse, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def valider_telephone(numero: str) -> None:
    """Form validator: an empty value is left to ``required``."""
    if numero and normaliser(numero) is None:
        raise ValidationError(MESSAGE_INVALIDE, code="telephone_invalide")
