"""The agenda as an iCalendar feed (RFC 5545), written by hand: a handful of properties, with
the escaping and line folding the format asks. A feed leaves the CPAS (it is read by calendar
clients and their servers): a person appears by initials only, never by name or NISS."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from rendezvous.models import STATUTS_ANNULES, StatutRendezVous

PRODID = "-//CPAS ISP//Rendez-vous//FR"


def echapper(texte: str) -> str:
    return (
        str(texte)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def plier(ligne: str) -> str:
    """Fold a content line at 75 octets (continuation lines start with a space)."""
    octets = ligne.encode()
    if len(octets) <= 75:
        return ligne
    morceaux, courant = [], b""
    for caractere in ligne:
        code = caractere.encode()
        if len(courant) + len(code) > (75 if not morceaux else 74):
            morceaux.append(courant.decode())
            courant = b""
        courant += code
    morceaux.append(courant.decode())
    return "\r\n ".join(morceaux)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def initiales(beneficiaire) -> str:
    return "".join(
        f"{(part or '?')[0].upper()}." for part in (beneficiaire.prenom, beneficiaire.nom)
    )


def _resume(rdv) -> str:
    personnes = [p.beneficiaire for p in rdv.participants.all()]
    if len(personnes) == 1:
        qui = initiales(personnes[0])
    else:
        qui = _("%(n)s personnes") % {"n": len(personnes)}
    return f"{rdv.type.libelle} — {qui}"


def _statut(rdv) -> str:
    if rdv.statut in STATUTS_ANNULES:
        return "CANCELLED"
    if rdv.statut == StatutRendezVous.PLANIFIE:
        return "TENTATIVE"
    return "CONFIRMED"


def calendrier(nom: str, rendez_vous, hote: str) -> str:
    lignes = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{echapper(nom)}",
    ]
    for rdv in rendez_vous:
        lignes += [
            "BEGIN:VEVENT",
            f"UID:{uid(rdv, hote)}",
            f"DTSTAMP:{_utc(rdv.modifie_le)}",
            f"LAST-MODIFIED:{_utc(rdv.modifie_le)}",
            f"DTSTART:{_utc(rdv.debut)}",
            f"DTEND:{_utc(rdv.fin)}",
            f"SUMMARY:{echapper(_resume(rdv))}",
            f"STATUS:{_statut(rdv)}",
        ]
        if rdv.lieu_id:
            lieu = rdv.lieu.nom + (f", {rdv.lieu.adresse}" if rdv.lieu.adresse else "")
            lignes.append(f"LOCATION:{echapper(lieu)}")
        lignes.append("END:VEVENT")
    lignes.append("END:VCALENDAR")
    return "\r\n".join(plier(ligne) for ligne in lignes) + "\r\n"


def uid(rdv, hote: str) -> str:
    """The appointment's stable identifier: the same in the agenda feed and in every message
    sent about it, so that a calendar client updates (or cancels) the event it already has."""
    return f"rendez-vous-{rdv.pk}@{hote}"


def sequence(rdv) -> int:
    """RFC 5546 SEQUENCE: grows with every change of the appointment (minutes since 2020)."""
    depart = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    return max(0, int((rdv.modifie_le - depart).total_seconds() // 60))


def invitation_calendrier(
    rdv, *, hote: str, resume: str, organisateur: str, nom_organisateur: str,
    participant: str = "", annulation: bool = False,
) -> str:  # fmt: skip
    """One appointment for the person's own calendar (e-mail attachment): METHOD:REQUEST, or
    METHOD:CANCEL when it is cancelled. The summary is what the person needs (kind, CPAS);
    no other personal data."""
    methode = "CANCEL" if annulation else "REQUEST"
    lignes = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{methode}",
        "BEGIN:VEVENT",
        f"UID:{uid(rdv, hote)}",
        f"SEQUENCE:{sequence(rdv)}",
        f"DTSTAMP:{_utc(rdv.modifie_le)}",
        f"DTSTART:{_utc(rdv.debut)}",
        f"DTEND:{_utc(rdv.fin)}",
        f"SUMMARY:{echapper(resume)}",
        f"STATUS:{'CANCELLED' if annulation else 'CONFIRMED'}",
        f"ORGANIZER;CN={echapper(nom_organisateur)}:mailto:{organisateur}",
    ]
    if participant:
        lignes.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{participant}")
    if rdv.lieu_id:
        lieu = rdv.lieu.nom + (f", {rdv.lieu.adresse}" if rdv.lieu.adresse else "")
        lignes.append(f"LOCATION:{echapper(lieu)}")
    lignes += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(plier(ligne) for ligne in lignes) + "\r\n"
