"""What the trajectory adds to the person's file, caseload and cellules (registered from
``TrajetsConfig.ready()`` through ``beneficiaires.hooks``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import hooks
from cpas_isp.listes import echapper, url_de, url_par_pk
from cpas_isp.models import libelle_bilingue
from trajets import dossier, queries, sections
from trajets.models.journal import ModeEtape
from trajets.models.phases import PassagePhase, Phase
from trajets.permissions import peut_suivre_trajet
from trajets.templatetags.trajets_tags import classe_phase


def _peut(user, b):
    return peut_suivre_trajet(user, b)


def timeline(beneficiaire, user):
    if not _peut(user, beneficiaire):
        return []
    trajet = sections.donnees(beneficiaire)  # shared with the page's sections
    events = []
    for p in trajet.passages:
        events.append(
            hooks.EvenementTimeline(
                date=p.debut,
                titre=_("Entrée en phase « %(phase)s »") % {"phase": p.get_phase_display()},
                detail=p.motif_entree,
                categorie="phase",
            )
        )
        if p.fin:
            events.append(
                hooks.EvenementTimeline(
                    date=p.fin,
                    titre=_("Sortie de la phase « %(phase)s »") % {"phase": p.get_phase_display()},
                    detail=str(p.motif_sortie or ""),
                    categorie="phase",
                )
            )
    journal = url_de("trajets:journal", beneficiaire.pk)
    modes = dict(ModeEtape.choices)
    for e in trajet.etapes:  # tuples (sections.ETAPE_CHAMPS)
        detail = e.note
        if e.prochaine_action:
            detail = f"{detail} → {e.prochaine_action}".strip(" →")
        type_etape = libelle_bilingue(e.type__libelle_fr, e.type__libelle_nl)
        mode = str(modes.get(e.mode, e.mode)).lower()
        events.append(
            hooks.EvenementTimeline(
                date=e.date,
                titre=f"{type_etape} ({mode})",
                detail=detail,
                categorie="etape",
                url=f"{journal}#etape-{e.pk}",
            )
        )
    url_piis = url_par_pk("trajets:piis_detail", None)
    for piis in trajet.piis:
        url = url_piis(piis.pk)
        if piis.date_proposition:
            events.append(
                hooks.EvenementTimeline(
                    date=piis.date_proposition,
                    titre=_("%(piis)s proposé") % {"piis": piis},
                    categorie="piis",
                    url=url,
                )
            )
        if piis.date_signature:
            events.append(
                hooks.EvenementTimeline(
                    date=piis.date_signature,
                    titre=_("%(piis)s signé") % {"piis": piis},
                    categorie="piis",
                    url=url,
                )
            )
        if piis.date_cloture:
            events.append(
                hooks.EvenementTimeline(
                    date=piis.date_cloture,
                    titre=_("%(piis)s : %(statut)s")
                    % {"piis": piis, "statut": piis.get_statut_display()},
                    categorie="piis",
                    url=url,
                )
            )
    url_contrat = url_par_pk("trajets:contrat_detail", None)
    for c in trajet.contrats:
        url = url_contrat(c.pk)
        events.append(
            hooks.EvenementTimeline(
                date=c.debut,
                titre=_("Début du contrat article 60 : %(fonction)s") % {"fonction": c.fonction},
                detail=c.utilisateur_affiche,
                categorie="article60",
                url=url,
            )
        )
        if c.fin_reelle:
            events.append(
                hooks.EvenementTimeline(
                    date=c.fin_reelle,
                    titre=_("Fin du contrat article 60"),
                    detail=str(c.motif_fin or ""),
                    categorie="article60",
                    url=url,
                )
            )
    return events


def _section(template, ordre, titre, ancre):
    def section(request, beneficiaire):
        if not _peut(request.user, beneficiaire):
            return None
        context = getattr(sections, ancre.replace("-", "_"))(request, beneficiaire)
        html = render_to_string(template, context, request=request)
        return hooks.Section(titre=str(titre), html=html, ordre=ordre, ancre=ancre)

    return section


def actions(request, beneficiaire):
    if not _peut(request.user, beneficiaire):
        return []
    pk = beneficiaire.pk
    return [
        hooks.Action(
            _("Noter une étape"),
            url_de("trajets:etape_rapide", pk) + "?dans=fiche&parcours=1",
            htmx=True,
            ordre=10,
        ),
        hooks.Action(_("Orienter vers…"), url_de("trajets:orienter", pk), ordre=20),
        hooks.Action(_("Nouveau PIIS"), url_de("trajets:piis_nouveau", pk), ordre=30),
        hooks.Action(_("Contrat article 60"), url_de("trajets:contrat_nouveau", pk), ordre=40),
    ]


def _annoter_caseload(queryset):
    return queries.annoter_suivi(queries.annoter_phase_courante(queryset), prefixe="")


def _jj_mm_aa(date) -> str:
    return f"{date.day:02d}/{date.month:02d}/{date.year % 100:02d}"  # the date filter's "d/m/y"


def _cellules_caseload(personnes) -> list[str]:
    """The caseload's trajectory cell of each row (annotated by ``_annoter_caseload``): current
    phase and since when, an overdue badge, the last step's date and the "+ step" button.
    Written here for the page's rows at once rather than by a template per row (its dozen
    nodes, translations and ``{% url %}`` were half of the list's render time); every value
    from the data or a translation is escaped."""
    hors_trajet = f'<span class="text-muted small">{escape(_("hors trajet"))}</span>'
    retard = (
        '<span class="badge text-bg-danger" title="'
        f'{escape(_("Actions, évaluations ou signature de PIIS en retard"))}">'
        f"{escape(_('retard'))}</span>"
    )
    bouton_etape = escape(_("étape"))
    # The phases' labels escaped once, not once per row.
    libelles = {code: echapper(libelle) for code, libelle in Phase.choices}
    url_etape = url_par_pk("trajets:etape_rapide")
    cellules = []
    for b in personnes:
        phase = b.phase_courante
        if phase:
            debut = (
                f' <span class="text-muted small">{_jj_mm_aa(b.phase_depuis)}</span>'
                if b.phase_depuis
                else ""
            )
            en_cours = (
                f'<span class="badge {classe_phase(phase)}">{libelles.get(phase, "")}</span>{debut}'
            )
        else:
            en_cours = hors_trajet
        en_retard = (
            retard
            if b.actions_en_retard or b.evaluations_en_retard or b.signature_piis_en_retard
            else ""
        )
        etape = (
            _("dernière étape %(date)s") % {"date": _jj_mm_aa(b.derniere_etape)}
            if b.derniere_etape
            else ""
        )
        pk = int(b.pk)
        cellules.append(
            mark_safe(  # noqa: S308 - built from escaped values above
                f"{en_cours}\n{en_retard}\n"
                f'<div class="small text-muted">{etape}\n'
                '<button type="button" class="btn btn-link btn-sm p-0 ms-1" '
                f'hx-get="{url_etape(pk)}?dans=ligne" hx-target="closest tr" hx-swap="afterend" '
                f'hx-select="#etape-rapide-{pk}" hx-push-url="false" data-etape-ouvrir="{pk}">'
                f"+ {bouton_etape}</button></div>\n"
            )
        )
    return cellules


def _filtrer_phase(queryset, value):
    today = timezone.localdate()
    if value == "aucune":
        return queryset.exclude(
            Exists(PassagePhase.objects.filter(beneficiaire=OuterRef("pk")).en_cours_le(today))
        )
    if value not in Phase.values:
        return queryset
    return queryset.filter(
        Exists(
            PassagePhase.objects.filter(beneficiaire=OuterRef("pk"), phase=value).en_cours_le(today)
        )
    )


def _choix_phases():
    return [*Phase.choices, ("aucune", _("Hors trajet"))]


def register():
    register_donnees()
    register_notifications()
    hooks.register_timeline(
        timeline,
        categories={
            "etape": gettext_lazy("Étapes"),
            "phase": gettext_lazy("Phases"),
            "piis": gettext_lazy("PIIS"),
            "article60": gettext_lazy("Article 60"),
        },
    )
    # The journal's steps are on the person's timeline ("Parcours"), with the phases, PIIS...:
    # no separate "Journal" block repeating them.
    hooks.register_section(
        _section("trajets/_section_trajet.html", 20, gettext_lazy("Trajet"), "trajet")
    )
    hooks.register_section(_section("trajets/_section_piis.html", 40, gettext_lazy("PIIS"), "piis"))
    hooks.register_section(
        _section("trajets/_section_article60.html", 50, gettext_lazy("Article 60"), "article60")
    )
    hooks.register_action(actions)
    hooks.register_indicateurs_fiche(sections.indicateurs_fiche)
    hooks.register_prechargement_fiche(sections.prechargement)
    hooks.register_caseload_extension(
        hooks.CaseloadExtension(
            key="phase",
            label=gettext_lazy("Phase"),
            annotate=_annoter_caseload,
            filter_name="phase",
            filter=_filtrer_phase,
            choices=_choix_phases,
            cellules=_cellules_caseload,
            sort={"phase": "phase_courante", "derniere_etape": "derniere_etape"},
        )
    )
    # The stays of the cellule's CPAS are of people of that CPAS (foreign key
    # passage_cpas_de_la_personne, migration 0012): du_cpas.
    hooks.register_cellule_filter(
        queries.filtrer_par_cellule, personnes=queries.personnes_de_cellule, du_cpas=True
    )
    dossier.register()  # who follows the person, closing the file


def register_notifications():
    """The wording of the scheduled notifications' objects (``cpas_isp.notifications``)."""
    from cpas_isp import notifications
    from trajets.models import ContratArticle60, EvaluationPiis, Piis
    from trajets.services import notifications as n

    notifications.register_detail(Piis, n.details_piis)
    notifications.register_detail(EvaluationPiis, n.details_evaluations)
    notifications.register_detail(ContratArticle60, n.details_contrats)


def register_donnees():
    """What this app keeps on a person (right of access, anonymisation): ``beneficiaires.registre``.
    Texts (notes, PIIS content, evaluations) are erased; phases, their dates and exit reasons,
    PIIS dates and statuses, article 60 contracts' dates and hours stay (statistics)."""
    from beneficiaires import registre
    from trajets.models import (
        AppreciationObjectif,
        ContratArticle60,
        EngagementTiers,
        Etape,
        EvaluationPiis,
        MotifSortie,
        ObjectifPiis,
        Piis,
        TypeEtape,
    )

    registre.enregistrer(
        PassagePhase,
        personne="beneficiaire",
        titre=gettext_lazy("Phases du trajet"),
        effacer=["note"],
        ordre=10,
    )
    registre.enregistrer(
        Etape,
        personne="beneficiaire",
        titre=gettext_lazy("Journal (étapes)"),
        effacer=["note", "note_confidentielle", "prochaine_action"],
        ordre=11,
    )
    registre.enregistrer(
        Piis,
        personne="beneficiaire",
        titre=gettext_lazy("PIIS"),
        effacer=["engagements_personne", "engagements_cpas"],
        ignorer=["trajets.Piis:piis_signe_fige"],
        ordre=12,
    )
    registre.enregistrer(
        ObjectifPiis,
        personne="piis__beneficiaire",
        titre=gettext_lazy("Objectifs des PIIS"),
        effacer=["libelle"],
        ordre=13,
    )
    registre.enregistrer(
        EngagementTiers,
        personne="piis__beneficiaire",
        titre=gettext_lazy("Engagements de tiers (PIIS)"),
        effacer=["nom", "engagements"],
        ordre=14,
    )
    registre.enregistrer(
        EvaluationPiis,
        personne="piis__beneficiaire",
        titre=gettext_lazy("Évaluations des PIIS"),
        effacer=["appreciation", "suites"],
        ordre=15,
    )
    registre.enregistrer(
        AppreciationObjectif,
        personne="evaluation__piis__beneficiaire",
        titre=gettext_lazy("Appréciations des objectifs"),
        effacer=["commentaire"],
        ordre=16,
    )
    registre.enregistrer(
        ContratArticle60,
        personne="beneficiaire",
        titre=gettext_lazy("Contrats article 60"),
        effacer=["motif_derogation", "formation", "note"],
        ordre=17,
    )
    registre.hors_personne(MotifSortie, TypeEtape)
