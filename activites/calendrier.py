"""Dates of a recurring activity: weekdays between two dates, minus the Belgian public holidays
(national ones: fixed dates and those that follow Easter) and the dates the organiser excludes
(school holidays, a closed building...)."""

from __future__ import annotations

import datetime

from dateutil.easter import easter


def jours_feries(annee: int) -> set[datetime.date]:
    """The ten national public holidays of Belgium in ``annee``."""
    paques = easter(annee)
    return {
        datetime.date(annee, 1, 1),  # New Year
        paques + datetime.timedelta(days=1),  # Easter Monday
        datetime.date(annee, 5, 1),  # Labour Day
        paques + datetime.timedelta(days=39),  # Ascension
        paques + datetime.timedelta(days=50),  # Whit Monday
        datetime.date(annee, 7, 21),  # National Day
        datetime.date(annee, 8, 15),  # Assumption
        datetime.date(annee, 11, 1),  # All Saints
        datetime.date(annee, 11, 11),  # Armistice
        datetime.date(annee, 12, 25),  # Christmas
    }


def dates_recurrentes(
    debut: datetime.date,
    fin: datetime.date,
    jours: set[int],
    *,
    sauf_feries: bool = True,
    exclusions: set[datetime.date] = frozenset(),
) -> list[datetime.date]:
    """Every date from ``debut`` to ``fin`` (inclusive) whose weekday (0 = Monday) is in
    ``jours``, without public holidays (when ``sauf_feries``) and ``exclusions``."""
    feries: set[datetime.date] = set()
    if sauf_feries:
        for annee in range(debut.year, fin.year + 1):
            feries |= jours_feries(annee)
    dates = []
    jour = debut
    while jour <= fin:
        if jour.weekday() in jours and jour not in feries and jour not in exclusions:
            dates.append(jour)
        jour += datetime.timedelta(days=1)
    return dates


def lire_exclusions(texte: str) -> tuple[set[datetime.date], list[str]]:
    """Dates typed one per line or separated by commas, ``YYYY-MM-DD`` or ``DD/MM/YYYY``, and
    ranges ``A - B`` or ``A..B``. Returns (dates, the entries that could not be read)."""
    dates: set[datetime.date] = set()
    erreurs: list[str] = []
    for brut in texte.replace(";", ",").replace("\n", ",").split(","):
        entree = brut.strip()
        if not entree:
            continue
        morceaux = [m.strip() for m in entree.replace("..", " - ").split(" - ")]
        try:
            bornes = [_date(m) for m in morceaux]
        except ValueError:
            erreurs.append(entree)
            continue
        if len(bornes) == 1:
            dates.add(bornes[0])
        elif len(bornes) == 2 and bornes[0] <= bornes[1] and (bornes[1] - bornes[0]).days < 366:
            jour = bornes[0]
            while jour <= bornes[1]:
                dates.add(jour)
                jour += datetime.timedelta(days=1)
        else:
            erreurs.append(entree)
    return dates, erreurs


def _date(texte: str) -> datetime.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(texte, fmt).date()
        except ValueError:
            continue
    raise ValueError(texte)
