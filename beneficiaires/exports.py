"""Exports: the filtered caseload as CSV or XLSX (streamed, never the full list in memory), the
personal data of one person (JSON, PDF) for the right of access, and import rejects."""

from __future__ import annotations

import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from cpas_isp.exports import reponse_csv, reponse_xlsx
from cpas_isp.models import JournalAcces, Membership, Role

from . import hooks, queries, registre
from .models import SECTIONS_BSP, BilanSocioProfessionnel, DroitAide, FreinBeneficiaire
from .niss import format_niss


def _entete_liste():
    return [
        _("NISS"),
        _("Nom"),
        _("Prénom"),
        _("Date de naissance"),
        _("Genre"),
        _("Langue"),
        _("Commune"),
        _("Référent"),
        _("Ouverture"),
        _("Clôture"),
        _("Droit en cours"),
        _("Catégorie"),
        _("Début du droit"),
        _("Groupes cibles"),
    ]


def _ligne(b):
    return [
        format_niss(b.niss),
        b.nom,
        b.prenom,
        b.date_naissance,
        b.genre,
        b.langue,
        b.commune,
        str(b.referent) if b.referent_id else "",
        b.date_ouverture,
        b.date_cloture,
        b.droit_type or "",
        b.droit_categorie or "",
        b.droit_debut,
        ", ".join(str(label) for _code, label in queries.groupes_de(b)),
    ]


def exporter_liste(request, qs, fmt: str):
    nom = f"dossiers-{request.cpas.code}-{timezone.localdate():%Y%m%d}"
    rows = (_ligne(b) for b in qs.iterator(chunk_size=2000))
    if fmt == "csv":
        return reponse_csv(f"{nom}.csv", _entete_liste(), rows)
    return reponse_xlsx(f"{nom}.xlsx", _("Dossiers"), _entete_liste(), rows)


# --- Right of access ----------------------------------------------------------------------------


def _droits(b):
    return [
        {
            "type": d.get_type_display(),
            "categorie": d.get_categorie_display() if d.categorie else "",
            "date_decision": d.date_decision,
            "debut": d.debut,
            "fin": d.fin,
        }
        for d in DroitAide.objects.filter(beneficiaire=b).order_by("debut")
    ]


def _freins(b):
    return [
        {
            "frein": f.frein.libelle,
            "sensible": f.frein.sensible,
            "note_le": f.debut,
            "leve_le": f.fin,
            "note_par": str(f.note_par),
            "commentaire": f.commentaire,
        }
        for f in FreinBeneficiaire.objects.filter(beneficiaire=b)
        .select_related("frein", "note_par")
        .order_by("debut")
    ]


def _bilans(b):
    return [
        {
            "version": v.version,
            "enregistre_le": v.cree_le,
            "auteur": str(v.auteur),
            **{str(label): getattr(v, name) for name, label in SECTIONS_BSP},
        }
        for v in BilanSocioProfessionnel.objects.filter(beneficiaire=b)
        .select_related("auteur")
        .order_by("version")
    ]


def _role(roles: dict, user_id, cpas_id) -> str:
    role = roles.get((user_id, cpas_id))
    return str(Role(role).label) if role else _("ancien membre du personnel")


def consultations(b) -> list[dict]:
    """Who consulted the file: every access log row where the person is the object opened or
    one of the people shown (lists, searches, exports), with the date, the CPAS, the role of
    the staff member and the kind of page; not their name. GDPR art. 15(1)(c) gives the person
    the recipients of their data; the CJEU (C-579/21, 22 June 2023) held that the identity of
    employees who consulted it under the controller's authority need not be given, unless the
    person needs it to exercise their rights: a request for names is handled by the DPO, who
    reads the full log (audit page)."""
    ct = ContentType.objects.get_for_model(b)
    lignes = list(
        JournalAcces.objects.filter(cpas_id=b.cpas_id)
        .filter(Q(content_type=ct, object_id=b.pk) | Q(personnes__contains=[b.pk]))
        .order_by("quand", "id")
        .values("quand", "user_id", "cpas__nom", "cpas_id", "content_type_id", "personnes")
    )
    roles = {
        (m["user_id"], m["cpas_id"]): m["role"]
        for m in Membership.objects.filter(
            cpas_id=b.cpas_id, user_id__in={r["user_id"] for r in lignes}
        )
        .order_by("actif")  # the active membership wins
        .values("user_id", "cpas_id", "role")
    }
    return [
        {
            "quand": timezone.localtime(r["quand"]),
            "cpas": r["cpas__nom"],
            "role": _role(roles, r["user_id"], r["cpas_id"]),
            "consultation": _("dossier") if r["content_type_id"] else _("liste ou recherche"),
        }
        for r in lignes
    ]


def register():
    """This app's part of the registry (``beneficiaires.registre``)."""
    from cpas_isp.models import Cellule, Cpas, Notification, User

    from . import conservation
    from .models import (
        AttributionReferent,
        Beneficiaire,
        ClotureDossier,
        Frein,
        GelDossier,
        LigneLot,
    )

    registre.enregistrer(
        Beneficiaire,
        personne="pk",
        titre=_l("Identité"),
        exporter=lambda b: [],  # the identity block of the export (collecter_donnees)
        anonymiser=conservation.anonymiser_identite,
        ordre=0,
        cle="identite",
    )
    registre.enregistrer(
        DroitAide,
        personne="beneficiaire",
        titre=_l("Droits RIS / ERIS"),
        exporter=_droits,
        ordre=1,
        cle="droits",
    )
    registre.enregistrer(
        FreinBeneficiaire,
        personne="beneficiaire",
        titre=_l("Freins"),
        exporter=_freins,
        effacer=["commentaire"],
        ordre=2,
        cle="freins",
    )
    registre.enregistrer(
        BilanSocioProfessionnel,
        personne="beneficiaire",
        titre=_l("Bilans socioprofessionnels"),
        exporter=_bilans,
        effacer=[name for name, _label in SECTIONS_BSP],
        ordre=3,
        cle="bilans_socioprofessionnels",
    )
    registre.enregistrer(
        GelDossier,
        personne="beneficiaire",
        titre=_l("Gel du dossier"),
        champs=["motif", "le"],
        ordre=90,
    )
    registre.enregistrer(
        AttributionReferent,
        personne="beneficiaire",
        titre=_l("Référents successifs"),
        champs=["ancien", "nouveau", "le", "motif"],
        effacer=["motif"],
        ordre=4,
        cle="referents",
    )
    registre.enregistrer(
        ClotureDossier,
        personne="beneficiaire",
        titre=_l("Clôtures et réouvertures du dossier"),
        champs=["nature", "date", "le", "motif", "termine"],
        effacer=["motif"],
        ordre=5,
        cle="clotures",
    )
    # Rows of a staged import waiting for confirmation (deleted once imported or cancelled).
    registre.enregistrer(
        LigneLot,
        personne="personne_id",
        titre=_l("Import en attente"),
        champs=["numero", "valeurs"],
        supprimer=True,
        ordre=95,
    )
    # Notifications about the person (to the staff): no text of theirs, deleted with the file.
    registre.enregistrer(
        Notification,
        personne="personne_id",
        titre=_l("Notifications aux intervenants"),
        champs=["nature", "cree_le"],
        supprimer=True,
        ordre=96,
    )
    registre.hors_personne(Cpas, User, Cellule, Frein)


def collecter_donnees(b, user) -> dict:
    """Everything the CPAS holds on the person: the identity, every part registered by the
    apps (``beneficiaires.registre``), the timeline, and who consulted the file."""
    identite = {
        "niss": format_niss(b.niss),
        "nom": b.nom,
        "prenom": b.prenom,
        "date_naissance": b.date_naissance,
        "genre": b.get_genre_display() if b.genre else "",
        "nationalite": b.nationalite,
        "langue": b.get_langue_display(),
        "adresse": b.adresse,
        "code_postal": b.code_postal,
        "commune": b.commune,
        "telephone": b.telephone,
        "email": b.email,
        "niveau_etudes": b.get_niveau_etudes_display() if b.niveau_etudes else "",
        "diplome_etranger": b.get_diplome_etranger_display() if b.diplome_etranger else "",
        "niveau_fr": b.niveau_fr,
        "niveau_nl": b.niveau_nl,
        "permis_conduire": b.permis_conduire,
        "referent": str(b.referent) if b.referent_id else "",
        "date_ouverture": b.date_ouverture,
        "date_cloture": b.date_cloture,
    }
    evenements = [
        {"date": e.date, "titre": str(e.titre), "detail": str(e.detail), "categorie": e.categorie}
        for e in hooks.timeline(b, user)
    ]
    donnees = {
        "cpas": b.cpas.nom,
        "genere_le": timezone.now(),
        "identite": identite,
    }
    sections = []
    for partie, lignes in registre.export(b):
        if partie.cle == "identite":
            continue
        donnees[partie.cle] = lignes
        sections.append(
            {"cle": partie.cle, "titre": str(partie.titre), "colonnes": _colonnes(partie, lignes)}
        )
    donnees["parcours"] = evenements
    donnees["consultations_du_dossier"] = consultations(b)
    donnees.update(hooks.donnees_personnelles(b))
    donnees["_sections"] = sections
    return donnees


def _colonnes(partie, lignes):
    if partie.exporter is None:
        return partie.colonnes()
    cles = list(lignes[0]) if lignes else []
    return [(k, capfirst(str(k).replace("_", " "))) for k in cles]


def donnees_personnelles_json(request, b):
    donnees = collecter_donnees(b, request.user)
    donnees.pop("_sections")
    contenu = json.dumps(donnees, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(contenu, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{b.pk}.json"'
    return response


def donnees_personnelles_pdf(request, b):
    # Not at the top: WeasyPrint parses its stylesheets when imported (slow, logs), and only
    # this PDF needs it.
    from weasyprint import HTML

    donnees = collecter_donnees(b, request.user)
    identite = [
        (capfirst(type(b)._meta.get_field(champ).verbose_name), valeur)
        for champ, valeur in donnees["identite"].items()
    ]
    propres = {"droits", "freins", "bilans_socioprofessionnels"}
    sections = [
        {
            "cle": sec["cle"],
            "titre": sec["titre"],
            "entetes": [label for _cle, label in sec["colonnes"]],
            "lignes": [
                [ligne.get(cle) for cle, _libelle in sec["colonnes"]]
                for ligne in donnees[sec["cle"]]
            ],
        }
        for sec in donnees.pop("_sections")
        if sec["cle"] not in propres
    ]
    connus = (
        propres
        | {s["cle"] for s in sections}
        | {"cpas", "genere_le", "identite", "parcours", "consultations_du_dossier"}
    )
    # Sections still given through the older hook (hooks.register_donnees_personnelles).
    autres = {k: v for k, v in donnees.items() if k not in connus}
    html = render_to_string(
        "beneficiaires/donnees_personnelles_pdf.html",
        {"b": b, "d": donnees, "identite": identite, "sections": sections, "autres": autres},
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{b.pk}.pdf"'
    return response


def rejets_csv(lot, rapport):
    """The rejected rows of a batch with their errors, in the file's own separator."""
    return reponse_csv(
        f"rejets-{lot.pk}.csv",
        [*rapport.entete, "erreurs"],
        rapport.lignes_rejets(),
        separateur=rapport.separateur,
        en_flux=False,
    )
