"""Write operations of the activities, each in one transaction: sessions from a recurrence,
enrolment with the capacity checked under a row lock and the waiting list, withdrawal (which
promotes the next person waiting), completion, attendance of a session (with the weekly
journal summary) and attestations."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from activites.models import (
    Activite,
    Attestation,
    Inscription,
    Presence,
    ResumeHebdomadaire,
    Seance,
    StatutInscription,
    StatutPresence,
    TypeAttestation,
)
from beneficiaires.acces import verifier_ecriture
from cpas_isp.contraintes import contraintes_en_messages
from cpas_isp.models import Cpas
from trajets.models import Etape, TypeEtape
from trajets.services.journal import modifier_etapes, noter_etapes
from trajets.services.phases import passage_en_cours

S = StatutInscription
TYPE_ETAPE_JOURNAL = "seance_collective"


# --- Sessions -------------------------------------------------------------------------------


@transaction.atomic
def creer_seances(activite: Activite, dates, heure_debut, heure_fin, module=None) -> list[Seance]:
    """One session per date (dates already holding a session at that hour are skipped)."""
    existantes = set(
        activite.seances.filter(heure_debut=heure_debut).values_list("date", flat=True)
    )
    seances = [
        Seance(
            activite=activite, module=module, date=d, heure_debut=heure_debut, heure_fin=heure_fin
        )
        for d in dates
        if d not in existantes
    ]
    with contraintes_en_messages():
        return Seance.objects.bulk_create(seances)


# --- Enrolment --------------------------------------------------------------------------------


def _verrouiller(activite_id) -> Activite:
    """The activity row locked until the end of the transaction: enrolments, withdrawals and
    promotions of one activity run one after the other, so the capacity holds."""
    return Activite.objects.select_for_update().get(pk=activite_id)


def places_occupees(activite_id) -> int:
    return Inscription.objects.filter(activite_id=activite_id).occupant_une_place().count()


@transaction.atomic
def inscrire(activite: Activite, beneficiaire, par, date=None) -> Inscription:
    """Enrol ``beneficiaire``: a seat if one is free, else the end of the waiting list. The
    person's running phase and the agent following them are recorded."""
    verifier_ecriture(beneficiaire)  # chosen in the activity's search: a closed file stays closed
    date = date or timezone.localdate()
    activite = _verrouiller(activite.pk)
    cpas_autorises = {activite.cpas_id, *activite.cpas_participants.values_list("pk", flat=True)}
    if beneficiaire.cpas_id not in cpas_autorises:
        raise ValidationError(_("Le CPAS de cette personne ne participe pas à cette activité."))
    if Inscription.objects.filter(activite=activite, beneficiaire=beneficiaire).exists():
        raise ValidationError(_("Cette personne est déjà inscrite à cette activité."))
    if date > activite.fin:
        raise ValidationError(_("Cette activité est terminée."))
    passage = passage_en_cours(beneficiaire, date)
    complet = places_occupees(activite.pk) >= activite.capacite
    inscription = Inscription(
        cpas_id=beneficiaire.cpas_id,
        activite=activite,
        beneficiaire=beneficiaire,
        statut=S.ATTENTE if complet else S.INSCRIT,
        demande_le=timezone.now(),
        date_inscription=date,
        passage=passage,
        phase=passage.phase if passage else "",
        agent=(passage.agent if passage and passage.agent_id else beneficiaire.referent),
        inscrit_par=par,
    )
    with contraintes_en_messages():
        inscription.save()
    return inscription


def _promouvoir(activite: Activite) -> list[Inscription]:
    """Give the free seats to the people waiting, in the order they asked (lock held)."""
    libres = activite.capacite - places_occupees(activite.pk)
    if libres <= 0:
        return []
    suivants = list(
        Inscription.objects.filter(activite=activite, statut=S.ATTENTE).order_by(
            "demande_le", "id"
        )[:libres]
    )
    aujourd_hui = timezone.localdate()
    for inscription in suivants:
        inscription.statut = S.INSCRIT
        inscription.date_inscription = max(inscription.date_inscription, aujourd_hui)
        inscription.save(update_fields=["statut", "date_inscription"])
    return suivants


@transaction.atomic
def retirer(inscription: Inscription, motif: str, precision: str = "", date=None):
    """Withdraw a person (enrolled or waiting); a freed seat goes to the next person waiting.
    Returns the promoted enrolments."""
    activite = _verrouiller(inscription.activite_id)
    inscription.refresh_from_db()
    if inscription.statut not in (S.INSCRIT, S.ATTENTE):
        raise ValidationError(_("Seule une inscription en cours peut être retirée."))
    inscription.statut = S.RETIRE
    inscription.motif_retrait = motif
    inscription.precision_retrait = precision
    inscription.date_retrait = max(date or timezone.localdate(), inscription.date_inscription)
    with contraintes_en_messages():
        inscription.save()
    return _promouvoir(activite)


@transaction.atomic
def terminer(inscription: Inscription, resultat: str, date=None) -> Inscription:
    """Close an enrolment with its result (finished, certificate, reoriented, dropped out);
    a re-orientation or a drop-out frees the seat for the next person waiting."""
    activite = _verrouiller(inscription.activite_id)
    inscription.refresh_from_db()
    if inscription.statut != S.INSCRIT:
        raise ValidationError(_("Seule une personne inscrite peut terminer l'activité."))
    inscription.statut = S.TERMINE
    inscription.resultat = resultat
    inscription.date_fin = max(date or timezone.localdate(), inscription.date_inscription)
    with contraintes_en_messages():
        inscription.save()
    _promouvoir(activite)
    return inscription


@transaction.atomic
def modifier_capacite(activite: Activite) -> list[Inscription]:
    """Save an activity whose capacity may have grown: the new seats go to the waiting list."""
    if activite.pk is None:
        with contraintes_en_messages():
            activite.save()
        return []
    _verrouiller(activite.pk)
    with contraintes_en_messages():
        activite.save()
    return _promouvoir(activite)


# --- Attendance -------------------------------------------------------------------------------


def heures_par_defaut(seance: Seance, statut: str) -> Decimal:
    if statut in (StatutPresence.PRESENT, StatutPresence.RETARD):
        return seance.heures_prevues
    return Decimal("0")


def heures_de_la_marque(seance: Seance, statut: str, heures) -> Decimal:
    """The hours stored for a mark: those typed, the session's planned hours when none were
    typed, none for an absence."""
    if statut in (StatutPresence.ABSENT, StatutPresence.EXCUSE):
        return Decimal("0")
    return heures_par_defaut(seance, statut) if heures is None else heures


# One statement writes the grid: the new marks are inserted, the changed ones updated, the
# unchanged ones left alone (no history row, no summary to redo); RETURNING names the enrolments
# whose mark was written. Concurrent saves of one session serialise on the unique index.
SQL_MARQUES = f"""
INSERT INTO {Presence._meta.db_table} AS p
    (cpas_id, seance_id, inscription_id, statut, heures, note_par_id, modifie_le)
SELECT m.cpas_id, %(seance)s, m.inscription_id, m.statut, m.heures, %(par)s, %(maintenant)s
FROM unnest(%(cpas)s::bigint[], %(inscriptions)s::bigint[], %(statuts)s::varchar[],
            %(heures)s::numeric[]) AS m(cpas_id, inscription_id, statut, heures)
ON CONFLICT (seance_id, inscription_id) DO UPDATE
   SET statut = EXCLUDED.statut, heures = EXCLUDED.heures, note_par_id = EXCLUDED.note_par_id,
       modifie_le = EXCLUDED.modifie_le
   WHERE (p.statut, p.heures) IS DISTINCT FROM (EXCLUDED.statut, EXCLUDED.heures)
RETURNING p.inscription_id
"""

# Each person's week in the activity, summed by the database: sessions marked, hours, count per
# status, the date of the last session marked.
SQL_SEMAINE = """
SELECT p.inscription_id, count(*), coalesce(sum(p.heures), 0), max(s.date), {par_statut}
FROM {presence} p JOIN {seance} s ON s.id = p.seance_id
WHERE p.inscription_id = ANY(%(inscriptions)s) AND s.date BETWEEN %(lundi)s AND %(dimanche)s
GROUP BY p.inscription_id
""".format(
    par_statut=", ".join(f"count(*) FILTER (WHERE p.statut = '{s}')" for s in StatutPresence),
    presence=Presence._meta.db_table,
    seance=Seance._meta.db_table,
)


@transaction.atomic
def enregistrer_presences(seance: Seance, marques: dict, par) -> list[int]:
    """Save the attendance of ``seance``: ``marques`` maps an enrolment (already checked by
    the caller to be one the user may mark) to ``(statut, heures)``. All or nothing; then the
    weekly journal summary of every person whose mark changed is brought up to date. Returns
    the ids of the enrolments whose mark was written (new or changed). A session still to
    come has no attendance yet: refused."""
    if seance.date > timezone.localdate():
        raise ValidationError(
            _("Cette séance n'a pas encore eu lieu : les présences se notent à partir du %(date)s.")
            % {"date": f"{seance.date:%d/%m/%Y}"},
            code="seance_a_venir",
        )
    cpas, inscriptions, statuts, heures_ = [], [], [], []
    for inscription, (statut, heures) in marques.items():
        heures = heures_de_la_marque(seance, statut, heures)
        cpas.append(inscription.cpas_id)
        inscriptions.append(inscription.pk)
        statuts.append(statut)
        heures_.append(heures)
    if not inscriptions:
        return []
    params = {
        "seance": seance.pk,
        "par": par.pk,
        "maintenant": timezone.now(),
        "cpas": cpas,
        "inscriptions": inscriptions,
        "statuts": statuts,
        "heures": heures_,
    }
    with contraintes_en_messages(), connection.cursor() as cursor:
        cursor.execute(SQL_MARQUES, params)
        ecrites = {row[0] for row in cursor.fetchall()}
    if ecrites:
        resumer_semaine(seance, [i for i in marques if i.pk in ecrites], par)
    return sorted(ecrites)


def lundi(date: datetime.date) -> datetime.date:
    return date - datetime.timedelta(days=date.weekday())


def resumer_semaine(seance: Seance, inscriptions, par) -> None:
    """The journal holds ONE step per participant, activity and week, rewritten when that
    week's attendance changes: "3 sessions, 2 present, 1 excused, 6 h". One step per session
    would put up to 5 near-identical lines a week in the journal of every course participant
    (noise that hides the individual steps); a weekly line keeps the journal readable and
    still tells the agent, week by week, who comes and who does not.

    Set-based: one query sums every person's week, one fetches their summaries, then the
    new steps are inserted together and the changed ones updated together (trajets' journal
    services link each to the stay running on its date)."""
    semaine = lundi(seance.date)
    ids = [i.pk for i in inscriptions]
    totaux = {}
    with connection.cursor() as cursor:
        cursor.execute(
            SQL_SEMAINE,
            {"inscriptions": ids, "lundi": semaine, "dimanche": semaine + datetime.timedelta(6)},
        )
        for inscription_id, n, heures, date, *par_statut in cursor.fetchall():
            totaux[inscription_id] = {
                "n": n,
                "heures": heures,
                "date": date,
                "statuts": {
                    s: k for s, k in zip(StatutPresence.values, par_statut, strict=True) if k
                },
            }
    resumes = {
        r.inscription_id: r
        for r in ResumeHebdomadaire.objects.select_related("etape").filter(
            inscription_id__in=ids, semaine=semaine
        )
    }
    activite = seance.activite
    cpas_ids = {i.cpas_id for i in inscriptions}
    if cpas_ids == {activite.cpas_id} and "cpas" in activite._state.fields_cache:
        langues = {activite.cpas_id: activite.cpas.langue}  # fetched with the session
    else:
        langues = dict(Cpas.objects.filter(pk__in=cpas_ids).values_list("pk", "langue"))
    nouvelles, nouvelles_inscriptions, modifiees = [], [], []
    for inscription in inscriptions:
        t = totaux.get(inscription.pk)
        if t is None:
            continue
        with translation.override(langues.get(inscription.cpas_id) or "fr"):
            note = _resume_texte(activite, semaine, t)
        minutes = int(t["heures"] * 60) or None
        resume = resumes.get(inscription.pk)
        if resume is None:
            nouvelles.append(
                Etape(
                    cpas_id=inscription.cpas_id,
                    beneficiaire_id=inscription.beneficiaire_id,
                    auteur=par,
                    date=t["date"],
                    duree=minutes,
                    note=note,
                )
            )
            nouvelles_inscriptions.append(inscription)
        else:
            etape: Etape = resume.etape
            if (etape.date, etape.note, etape.duree) != (t["date"], note, minutes):
                etape.date, etape.note, etape.duree = t["date"], note, minutes
                modifiees.append(etape)
    if nouvelles:
        type_etape = TypeEtape.objects.get(code=TYPE_ETAPE_JOURNAL)
        for etape in nouvelles:
            etape.type = type_etape
        etapes = noter_etapes(nouvelles)
        ResumeHebdomadaire.objects.bulk_create(
            [
                ResumeHebdomadaire(inscription=i, semaine=semaine, etape=e)
                for i, e in zip(nouvelles_inscriptions, etapes, strict=True)
            ]
        )
    if modifiees:
        modifier_etapes(modifiees, ["date", "note", "duree"])


def _resume_texte(activite, semaine, t) -> str:
    libelles = dict(StatutPresence.choices)
    detail = ", ".join(
        _("%(quoi)s : %(valeur)s") % {"quoi": libelles[statut].lower(), "valeur": n}
        for statut, n in sorted(t["statuts"].items(), key=lambda kv: list(libelles).index(kv[0]))
    )
    return _(
        "%(activite)s, semaine du %(semaine)s : %(n)s séance(s) (%(detail)s), %(heures)s h."
    ) % {
        "activite": activite.titre,
        "semaine": semaine.strftime("%d/%m/%Y"),
        "n": t["n"],
        "detail": detail,
        "heures": format_heures(t["heures"]),
    }


def format_heures(heures: Decimal) -> str:
    """12.50 -> "12,5"; 3.00 -> "3" (in the active language's decimal sign)."""
    texte = f"{heures.normalize():f}"
    if "." in texte:
        texte = texte.rstrip("0").rstrip(".")
    sep = "," if (translation.get_language() or "fr")[:2] in ("fr", "nl") else "."
    return texte.replace(".", sep)


# --- Attestations -----------------------------------------------------------------------------


def initiales(beneficiaire) -> str:
    parts = [beneficiaire.prenom, beneficiaire.nom]
    return "".join(f"{p.strip()[0].upper()}." for p in parts if p and p.strip())[:10]


@transaction.atomic
def emettre_attestation(inscription: Inscription, type_: str, par) -> Attestation:
    """Issue an attestation: the next number of the person's CPAS for the year (the CPAS row
    is locked so two agents never get the same number), what it states copied now."""
    if type_ == TypeAttestation.REUSSITE and inscription.statut != S.TERMINE:
        raise ValidationError(_("L'attestation de fin se délivre une fois l'activité terminée."))
    if inscription.statut in (S.ATTENTE,):
        raise ValidationError(_("Une personne sur liste d'attente n'a rien à attester."))
    Cpas.objects.select_for_update().get(pk=inscription.cpas_id)
    annee = timezone.localdate().year
    dernier = Attestation.objects.filter(cpas_id=inscription.cpas_id, annee=annee).aggregate(
        m=Max("numero")
    )["m"]
    totaux = Presence.objects.filter(inscription=inscription).aggregate(heures=Sum("heures"))
    suivies = (
        Presence.objects.filter(
            inscription=inscription, statut__in=[StatutPresence.PRESENT, StatutPresence.RETARD]
        )
        .select_related("seance")
        .order_by("seance__date")
    )
    dates = [p.seance.date for p in suivies]
    heures_prevues = sum(
        (s.heures_prevues for s in inscription.activite.seances.all()), Decimal("0")
    )
    langue = inscription.beneficiaire.langue
    langue = langue if langue in ("fr", "nl") else "fr"
    attestation = Attestation(
        cpas_id=inscription.cpas_id,
        inscription=inscription,
        type=type_,
        annee=annee,
        numero=(dernier or 0) + 1,
        langue=langue,
        heures=totaux["heures"] or Decimal("0"),
        heures_prevues=heures_prevues,
        seances_suivies=len(dates),
        premiere_seance=dates[0] if dates else None,
        derniere_seance=dates[-1] if dates else None,
        resultat=inscription.resultat,
        initiales=initiales(inscription.beneficiaire),
        emise_par=par,
    )
    with contraintes_en_messages():
        attestation.save()
    return attestation
