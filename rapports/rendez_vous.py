"""The appointments' section of the dashboards and of the monthly report: delays to the first
meeting, no-shows by kind and by origin, the agents' load. The figures come from
``rendezvous.indicateurs``; this module picks the period and filters, builds the export rows and
finds the people behind a link. Registered in ``rapports.sections``."""

from __future__ import annotations

from functools import partial

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cpas_isp import lots
from cpas_isp.models import Cellule
from rapports.queries import MOIS_RAPPORT, ajouter_mois, fin_du_mois
from rapports.templatetags.rapports_tags import libelle_phase
from rendezvous import indicateurs
from rendezvous.models import OrigineRendezVous, TypeRendezVous

MODELES = ("rendezvous.RendezVous", "rendezvous.Participant", "rendezvous.Invitation")


def _cellule_id(cpas_ids, code):
    if not code:
        return None
    return (
        Cellule.objects.filter(cpas_id__in=list(cpas_ids), code=code)
        .values_list("pk", flat=True)
        .first()
    )


def libelle_delai(ligne) -> str:
    if ligne.cle == "ris":
        return _("Décision RIS → premier entretien ISP")
    if ligne.cle == "orientation":
        return _("Orientation envoyée → réponse du partenaire")
    if ligne.phase:
        return _("Entrée en phase %(phase)s → premier rendez-vous") % {
            "phase": libelle_phase(ligne.phase)
        }
    return _("Entrée en phase (toutes) → premier rendez-vous")


def _figures(cpas, debut, fin, date, filtres=None, *, a_venir):
    """The section's figures (a generator of ``cpas_isp.lots``: its statements side by
    side)."""
    ids = [cpas.pk]
    agent_id = getattr(filtres, "agent_id", None)
    code = getattr(filtres, "cellule", None)
    phases = filtres.phases if filtres is not None else None
    cellule_id = _cellule_id(ids, code)
    delais, absences, charge = yield from lots.ensemble(
        [
            indicateurs.requetes_delais(
                ids, debut, fin, date, agent_id=agent_id, phases=phases, sans_cellule=not code
            ),
            indicateurs.requetes_absences(
                ids, debut, fin, agent_id=agent_id, cellule_id=cellule_id
            ),
            indicateurs.requetes_charge(
                ids, debut, fin, agent_id=agent_id, cellule_id=cellule_id, a_venir=a_venir
            ),
        ]
    )
    for ligne in delais:
        ligne.libelle = libelle_delai(ligne)
        ligne.code = f"phase_{ligne.phase}" if ligne.phase else ligne.cle
    return {
        "rdv_delais": delais,
        "rdv_absences": absences,
        "rdv_charge": charge,
        "rdv_jours_delai": indicateurs.JOURS_DELAI,
    }


def _tables(figures) -> dict:
    delais, absences, charge = (
        figures["rdv_delais"],
        figures["rdv_absences"],
        figures["rdv_charge"],
    )
    entete_absences = [
        _("Vus"),
        _("Absents"),
        _("Excusés"),
        _("Taux d'absence (%)"),
        _("Taux d'excuse (%)"),
    ]

    def absences_ligne(libelle, ligne):
        return [
            libelle,
            ligne.vus,
            ligne.absents,
            ligne.excuses,
            ligne.taux_absence,
            ligne.taux_excuse,
        ]

    tables = {
        "rdv_delais": (
            _("Délais jusqu'au premier rendez-vous"),
            [
                _("Délai"),
                _("Cas"),
                _("Atteints"),
                _("Médiane (jours)"),
                _("Délai de 30 jours passé"),
                _("Dans les 30 jours"),
                _("Part dans les 30 jours (%)"),
                _("En attente"),
            ],
            [
                [
                    libelle_delai(d),
                    d.total,
                    d.atteints,
                    d.mediane,
                    d.echus,
                    d.dans_delai,
                    d.taux_dans_delai,
                    d.en_attente,
                ]
                for d in delais
            ],
        ),
        "rdv_absences": (
            _("Absences aux rendez-vous"),
            [_("Type ou origine"), *entete_absences],
            [
                *[absences_ligne(str(t.libelle), t) for t in absences.par_type],
                *[absences_ligne(str(o.libelle), o) for o in absences.par_origine],
                absences_ligne(_("Total"), absences.total),
            ],
        ),
        "rdv_charge": (
            _("Charge des agents"),
            [
                _("Agent"),
                _("Rendez-vous sur la période"),
                _("Par semaine"),
                _("Rendez-vous dans les 14 jours"),
                _("Créneaux libres dans les 14 jours"),
            ],
            [
                [a.agent, a.rendez_vous, a.par_semaine, a.a_venir, a.creneaux_libres]
                for a in charge.agents
            ],
        ),
    }
    if charge.cellules:
        tables["rdv_cellules"] = (
            _("Créneaux libres et invitations en attente par cellule"),
            [
                _("Cellule"),
                _("Créneaux libres dans les 14 jours"),
                _("Invitations en attente"),
                _("Alerte"),
            ],
            [
                [c.cellule, c.creneaux_libres, c.invitations, _("oui") if c.alerte else ""]
                for c in charge.cellules
            ],
        )
    return tables


def tableau(cpas, filtres):
    debut, fin, date = filtres.du, fin_du_mois(filtres.au), filtres.date_situation
    figures = yield from _figures(cpas, debut, fin, date, filtres, a_venir=True)
    return {
        **figures,
        "sections_tableau": ["rapports/_section_rendez_vous.html"],
        "tables_export_extra": [partial(_tables, figures)],
    }


def pdf(cpas, mois):
    debut, fin = ajouter_mois(mois, -(MOIS_RAPPORT - 1)), fin_du_mois(mois)
    figures = lots.executer(_figures(cpas, debut, fin, fin, a_venir=False))
    return {**figures, "sections_pdf": ["rapports/_section_rendez_vous.html"]}


def personnes(user, ids, criteres, filtres):
    """The people behind a number of the section (None when the link is not one of it)."""
    indicateur = criteres["indicateur"]
    if not indicateur.startswith("rdv_"):
        return None
    debut, fin, date = filtres.du, fin_du_mois(filtres.au), filtres.date_situation
    periode = f"{date_format(debut, 'YEAR_MONTH_FORMAT')} – {date_format(fin, 'YEAR_MONTH_FORMAT')}"
    agent_id = filtres.agent_id
    cellule_id = _cellule_id(ids, filtres.cellule)
    if indicateur == "rdv_delai":
        cle, quoi = criteres.get("delai"), criteres.get("quoi")
        if not cle or not quoi or (cle in {"ris", "orientation"} and filtres.cellule):
            return None
        cle, _sep, phase = cle.partition("_")
        qs = indicateurs.personnes_delai(
            ids,
            debut,
            fin,
            date,
            cle,
            quoi,
            phase=phase or None,
            agent_id=agent_id,
            phases=filtres.phases,
        )
        if qs is None:
            return None
        ligne = indicateurs.Delai(cle, phase or None, 0, 0, None, 0, 0, 0)
        titres = {
            "total": _("cas"),
            "atteints": _("atteints"),
            "echus": _("délai de 30 jours passé"),
            "dans_delai": _("dans les 30 jours"),
            "en_attente": _("en attente"),
        }
        return qs, f"{libelle_delai(ligne)} — {titres[quoi]} ({periode})"
    if indicateur == "rdv_issue":
        issue = criteres.get("issue")
        type_id, origine = criteres.get("type_rdv"), criteres.get("origine")
        if not issue:
            return None
        qs = indicateurs.personnes_absences(
            ids,
            debut,
            fin,
            issue,
            type_id=type_id,
            origine=origine,
            agent_id=agent_id,
            cellule_id=cellule_id,
        )
        if qs is None:
            return None
        details = []
        if type_id is not None:
            type_rdv = TypeRendezVous.objects.pour_cpas(ids[0]).filter(pk=type_id).first()
            if type_rdv is None:
                return None
            details.append(str(type_rdv))
        if origine:
            details.append(str(OrigineRendezVous(origine).label))
        titres = {
            "vu": _("Rendez-vous : vus"),
            "absent": _("Rendez-vous : absents"),
            "excuse": _("Rendez-vous : excusés"),
            "tous": _("Rendez-vous : issue notée"),
        }
        return qs, " — ".join([titres[issue], *details, periode])
    if indicateur == "rdv_agent":
        agent, quoi = criteres.get("charge_agent"), criteres.get("quoi")
        if not isinstance(agent, int) or (agent_id and agent != agent_id):
            return None
        qs = indicateurs.personnes_charge_agent(ids, debut, fin, agent, quoi)
        if qs is None:
            return None
        titre = (
            _("Personnes ayant rendez-vous avec cet agent (%(periode)s)") % {"periode": periode}
            if quoi == "periode"
            else _("Personnes ayant rendez-vous avec cet agent dans les 14 jours")
        )
        return qs, titre
    if indicateur == "rdv_invitations" and cellule_id:
        return indicateurs.personnes_invitations(ids, cellule_id), _(
            "Invitations en attente de réservation"
        )
    return None
