"""Read side of documents: the lists the person page and the object pages show (one query
each, whatever the number of documents), what a referral shares, the expiring documents for
"Mes échéances", and the documents in the person's personal-data export."""

from __future__ import annotations

import datetime

from django.db.models import CharField, DateField, F, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from beneficiaires.models import Beneficiaire
from cpas_isp import permissions as p
from cpas_isp.models import libelle_bilingue
from trajets.queries import NOM_LU_APRES, referes_par

from .models import Document, PartageDocument
from .permissions import documents_visibles

JOURS_RAPPEL_EXPIRATION = 30

SELECT = (
    "categorie",
    "depose_par",
    "etape__type",
    "piis",
    "orientation__service__partenaire",
    "contrat",
)


def documents_de(user, beneficiaire, **filtre):
    return documents_visibles(user, beneficiaire).filter(**filtre).select_related(*SELECT)


def marquer(documents, user) -> list[Document]:
    """Add what the list shows per row without a query: may the user delete it, does it
    expire soon."""
    aujourd_hui = timezone.localdate()
    bientot = aujourd_hui + datetime.timedelta(days=JOURS_RAPPEL_EXPIRATION)
    coordinateur = p.est_coordinateur(user)
    documents = list(documents)
    for d in documents:
        d.supprimable = coordinateur or d.depose_par_id == user.pk
        d.expire = bool(d.expire_le and d.expire_le < aujourd_hui)
        d.expire_bientot = bool(d.expire_le and aujourd_hui <= d.expire_le <= bientot)
    return documents


def partages_de(orientation) -> set[int]:
    return set(
        PartageDocument.objects.filter(orientation=orientation).values_list(
            "document_id", flat=True
        )
    )


def partages_pour_le_partenaire(orientation):
    """The documents shared with ``orientation`` a partner may download (never sensitive)."""
    return (
        Document.objects.filter(
            partages__orientation=orientation,
            cpas_id=orientation.cpas_id,
            beneficiaire_id=orientation.beneficiaire_id,
            categorie__sensible=False,
        )
        .select_related("categorie")
        .order_by("-depose_le", "-id")
    )


def requete_echeances(user, jusqu_au, visibles):
    """Documents expiring by ``jusqu_au`` of the people the user follows (referent), or that
    they uploaded, in the columns of trajets' "Mes échéances" (registered there)."""
    libelle_categorie = (
        "categorie__libelle_nl" if libelle_bilingue(False, True) else "categorie__libelle_fr"
    )
    qs = documents_visibles(user, visibles=visibles).filter(
        Q(depose_par=user) | Q(beneficiaire__in=referes_par(user)),
        expire_le__isnull=False,
        expire_le__lte=jusqu_au,
    )
    return qs.annotate(
        quand=F("expire_le"),
        genre=Value("document", output_field=CharField()),
        libelle=Cast("nom_original", CharField()),
        personne_id=F("beneficiaire_id"),
        personne_nom=NOM_LU_APRES,
        personne_prenom=NOM_LU_APRES,
        objet_id=F("pk"),
        type_libelle=Cast(libelle_categorie, CharField()),
        etape_date=Value(None, output_field=DateField()),
    )


def donnees_personnelles(beneficiaire: Beneficiaire) -> dict:
    """The person's documents in the right-of-access export: metadata, not content."""
    lignes = []
    documents = (
        Document.objects.filter(beneficiaire=beneficiaire, cpas_id=beneficiaire.cpas_id)
        .select_related(*SELECT)
        .prefetch_related("partages__orientation__service__partenaire")
        .order_by("depose_le", "id")
    )
    for d in documents:
        lien = d.lien
        lignes.append(
            {
                "fichier": d.nom_original,
                "categorie": d.categorie.libelle,
                "type": d.type_contenu,
                "taille_octets": d.taille,
                "sha256": d.sha256,
                "depose_le": timezone.localtime(d.depose_le).isoformat(),
                "depose_par": str(d.depose_par),
                "expire_le": d.expire_le,
                "rattache_a": str(lien) if lien is not None else "",
                "analyse_antivirus": d.get_statut_analyse_display(),
                "partage_avec": ", ".join(
                    s.orientation.service.partenaire.nom for s in d.partages.all()
                ),
            }
        )
    return lignes
