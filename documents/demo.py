"""Demo documents: on a few people of each demo agent's caseload, a diploma attached to a
journal step, a signed PIIS scan, a residence permit expiring within the month (it shows in
"Mes échéances"), a photo (PNG) of a certificate, and a document shared with a referral sent
to the demo partner (visible from the partner portal). Generated small PDFs (WeasyPrint) and
PNGs (Pillow), uploaded through the service like a user's files (checked, then scanned when
clamd starts: ``make run`` scans what was uploaded before it ran)."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role
from documents import services
from documents.models import CategorieDocument
from partenaires.models import ComptePartenaire, Orientation, StatutOrientation
from trajets.models import Etape, Piis

PERSONNES_PAR_CPAS = 4


def _pdf(titre: str, lignes: list[str]) -> bytes:
    from django.utils.html import escape
    from weasyprint import HTML

    corps = "".join(f"<p>{escape(ligne)}</p>" for ligne in lignes)
    html = f"<html><body><h1>{escape(titre)}</h1>{corps}</body></html>"
    return HTML(string=html).write_pdf()


def _png(texte: str) -> bytes:
    image = Image.new("RGB", (420, 260), (250, 248, 240))
    dessin = ImageDraw.Draw(image)
    dessin.rectangle((10, 10, 410, 250), outline=(40, 60, 120), width=4)
    dessin.text((30, 40), texte, fill=(20, 20, 20))
    sortie = io.BytesIO()
    image.save(sortie, "PNG")
    return sortie.getvalue()


def _deposer(b, user, contenu, nom, code, **kwargs):
    return services.deposer(
        beneficiaire=b,
        fichier=SimpleUploadedFile(nom, contenu),
        categorie=CategorieDocument.objects.get(code=code),
        user=user,
        **kwargs,
    )


def charger(ctx):
    total = 0
    for cpas in ctx.cpas:
        agent = ctx.comptes.get((cpas.code, Role.AGENT))
        if agent is None:
            continue
        personnes = list(
            Beneficiaire.objects.filter(cpas=cpas, referent=agent)
            .filter(etapes__isnull=False)
            .distinct()
            .order_by("pk")[:PERSONNES_PAR_CPAS]
        )
        for i, b in enumerate(personnes):
            etape = Etape.objects.filter(beneficiaire=b).order_by("-date", "-pk").first()
            diplome = _pdf(
                "Certificat d'enseignement secondaire supérieur",
                [f"Délivré à {b.prenom} {b.nom}", f"Session de juin {ctx.aujourd_hui.year - 2}"],
            )
            _deposer(b, agent, diplome, "diplome-cess.pdf", "diplome", lien={"etape_id": etape.pk})
            total += 1
            piis = Piis.objects.filter(beneficiaire=b, date_signature__isnull=False).first()
            if piis is not None:
                scan = _pdf("PIIS signé", [str(piis), f"{b.prenom} {b.nom}"])
                _deposer(b, agent, scan, "piis-signe.pdf", "piis_signe", lien={"piis_id": piis.pk})
                total += 1
            if i % 2 == 0:
                titre = _pdf("Titre de séjour (copie)", [f"{b.prenom} {b.nom}", "Carte A"])
                expire = ctx.aujourd_hui + datetime.timedelta(days=12 + 5 * i)
                _deposer(b, agent, titre, "titre-sejour.pdf", "titre_sejour", expire_le=expire)
                total += 1
            else:
                photo = _png(f"Attestation de formation\n{b.prenom} {b.nom}")
                _deposer(b, agent, photo, "attestation-photo.png", "attestation_formation")
                total += 1
        total += _partage_demo(cpas, agent, ctx)
    if ctx.stdout:
        ctx.stdout.write(f"  documents : {total}")


def _partage_demo(cpas, agent, ctx) -> int:
    """A CV shared with a referral the demo partner received."""
    compte = ComptePartenaire.objects.filter(user__memberships__cpas=cpas).first()
    if compte is None:
        return 0
    orientation = (
        Orientation.objects.filter(
            cpas=cpas,
            service__partenaire=compte.partenaire_id,
            statut__in=[
                StatutOrientation.ENVOYEE,
                StatutOrientation.ACCEPTEE,
                StatutOrientation.EN_COURS,
            ],
        )
        .select_related("beneficiaire")
        .order_by("pk")
        .first()
    )
    if orientation is None:
        return 0
    b = orientation.beneficiaire
    cv = _pdf("Curriculum vitae", [f"{b.prenom} {b.nom}", "Expérience : magasinier, 2 ans"])
    document = _deposer(b, agent, cv, "cv.pdf", "cv", lien={"orientation_id": orientation.pk})
    services.basculer_partage(document, orientation, agent)
    return 1
