"""Deadlines computed from dates, never typed: PIIS signature and reflection period, PIIS
evaluation schedule, planned end of an article 60 contract.

Month arithmetic uses ``dateutil.relativedelta``, which clamps to the last day of shorter
months (31 January + 1 month = 28 or 29 February). Series of dates are always computed from
the same anchor (anchor + k × interval), never step by step, so a clamped day does not drift
(30 November 2023 + 3 months = 29 February 2024, + 6 months = 30 May 2024)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta

# PIIS: signed within 3 months of the RIS decision; alert from 2.5 months.
MOIS_SIGNATURE = 3
ALERTE_SIGNATURE = relativedelta(months=2, days=15)
# PIIS: 5 calendar days of reflection between proposal and signature.
JOURS_REFLEXION = 5
# Evaluations when the PIIS has no end date: plan one year ahead.
HORIZON_SANS_FIN = relativedelta(years=1)
# Evaluation recorded as held more than this many days from its planned date: the form asks the
# agent to confirm the date (often a typo, or an evaluation recorded on the wrong line).
JOURS_ECART_EVALUATION = 30


def signature_due_le(date_decision: datetime.date | None) -> datetime.date | None:
    if date_decision is None:
        return None
    return date_decision + relativedelta(months=MOIS_SIGNATURE)


def alerte_signature_le(date_decision: datetime.date | None) -> datetime.date | None:
    if date_decision is None:
        return None
    return date_decision + ALERTE_SIGNATURE


def signature_possible_le(date_proposition: datetime.date | None) -> datetime.date | None:
    """First day the person may sign without waiving the reflection period."""
    if date_proposition is None:
        return None
    return date_proposition + datetime.timedelta(days=JOURS_REFLEXION)


def etat_signature(date_decision, date_signature, aujourd_hui) -> str:
    """'signe_a_temps', 'signe_en_retard', 'en_retard', 'alerte' or 'ok'."""
    due = signature_due_le(date_decision)
    if date_signature is not None:
        return "signe_a_temps" if date_signature <= due else "signe_en_retard"
    if aujourd_hui > due:
        return "en_retard"
    if aujourd_hui >= alerte_signature_le(date_decision):
        return "alerte"
    return "ok"


def calendrier_evaluations(
    debut: datetime.date, fin: datetime.date | None, mois_entre: int
) -> list[datetime.date]:
    """Planned evaluation dates: every ``mois_entre`` months from the start, up to the end
    (or one year when the PIIS has no end). An evaluation on the last day is kept."""
    limite = fin or (debut + HORIZON_SANS_FIN)
    dates = []
    k = 1
    while True:
        date = debut + relativedelta(months=k * mois_entre)
        if date > limite:
            break
        dates.append(date)
        k += 1
    if fin and (not dates or dates[-1] < fin) and (fin - debut).days > 31:
        # A final evaluation at the end of the PIIS, unless one falls within the last month.
        if not dates or (fin - dates[-1]).days > 31:
            dates.append(fin)
    return dates


# --- Article 60 -------------------------------------------------------------------------------

# Conversion of worked days (jours de travail) into a calendar period. Unemployment rules count
# work in a six-day week (the "régime de six jours"): 312 days = 52 weeks × 6 days = 12 months,
# so one month is 26 worked days. A part-time contract accrues days in proportion to its hours
# against a full-time week of 38 hours, so it needs proportionally longer.
JOURS_PAR_MOIS = 26
HEURES_TEMPS_PLEIN = Decimal("38")


def age_le(date_naissance: datetime.date | None, date: datetime.date) -> int | None:
    if date_naissance is None:
        return None
    return relativedelta(date, date_naissance).years


def fin_apres_jours_prestes(
    debut: datetime.date, jours: int, heures_semaine: Decimal | float | int = HEURES_TEMPS_PLEIN
) -> datetime.date:
    """Last day (inclusive) of a contract starting ``debut`` that must give ``jours`` worked
    days at ``heures_semaine`` hours a week."""
    heures = Decimal(str(heures_semaine)) if heures_semaine else HEURES_TEMPS_PLEIN
    fraction = min(heures / HEURES_TEMPS_PLEIN, Decimal(1))
    jours_calendrier_equivalents = Decimal(jours) / fraction  # worked days at full time
    mois = int(jours_calendrier_equivalents // JOURS_PAR_MOIS)
    reste = jours_calendrier_equivalents - mois * JOURS_PAR_MOIS  # worked days beyond whole months
    # Remaining worked days in a six-day week: 6 worked days per 7 calendar days.
    jours_restants = int((reste * 7 / 6).to_integral_value(rounding="ROUND_CEILING"))
    return debut + relativedelta(months=mois, days=jours_restants) - datetime.timedelta(days=1)


@dataclass
class FinProposee:
    fin: datetime.date
    jours: int
    regle: object  # RegleDureeArticle60
    age_fin: int | None


def regles_en_vigueur(regles, date: datetime.date) -> list:
    """The rules of the most recent set in force at ``date`` (latest ``valable_du``)."""
    applicables = [r for r in regles if r.valable_du <= date]
    if not applicables:
        return []
    courante = max(r.valable_du for r in applicables)
    return sorted(
        (r for r in applicables if r.valable_du == courante),
        key=lambda r: -1 if r.age_min is None else r.age_min,
    )


def _dans_tranche(regle, age: int | None) -> bool:
    if age is None:
        return regle.age_min is None
    return (regle.age_min is None or age >= regle.age_min) and (
        regle.age_max is None or age <= regle.age_max
    )


def fin_prevue_article60(
    debut: datetime.date,
    date_naissance: datetime.date | None,
    regles,
    heures_semaine=HEURES_TEMPS_PLEIN,
) -> FinProposee | None:
    """Planned end by the rules in force at the start, by age at the END of the contract.

    The age at the end depends on the duration, which depends on the age band: take the first
    band (youngest first) whose duration brings the person to an age inside that band. Longer
    durations for older bands guarantee one exists. Without a birth date, the band without a
    minimum age (the shortest) applies; the user may override.
    """
    tranches = regles_en_vigueur(regles, debut)
    for regle in tranches:
        fin = fin_apres_jours_prestes(debut, regle.jours_prestes, heures_semaine)
        age = age_le(date_naissance, fin)
        if _dans_tranche(regle, age):
            return FinProposee(fin=fin, jours=regle.jours_prestes, regle=regle, age_fin=age)
    if tranches:
        regle = tranches[-1]
        fin = fin_apres_jours_prestes(debut, regle.jours_prestes, heures_semaine)
        return FinProposee(
            fin=fin, jours=regle.jours_prestes, regle=regle, age_fin=age_le(date_naissance, fin)
        )
    return None
