"""Sample files and uploads through the service, for the documents tests and for the rows of
the route matrix and of the form fuzzing."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents import services
from documents.models import CategorieDocument

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def categorie(code="diplome"):
    return CategorieDocument.objects.get(code=code)


def fichier(contenu=PDF, nom="diplome.pdf", type_="application/pdf"):
    return SimpleUploadedFile(nom, contenu, content_type=type_)


def image(format_="PNG", taille=(40, 30), **save):
    sortie = io.BytesIO()
    Image.new("RGB", taille, (200, 30, 30)).save(sortie, format_, **save)
    return sortie.getvalue()


def deposer(b, user, contenu=PDF, nom="diplome.pdf", code="diplome", **kwargs):
    return services.deposer(
        beneficiaire=b,
        fichier=fichier(contenu, nom),
        categorie=categorie(code),
        user=user,
        **kwargs,
    )


# --- Rows of the route matrix ------------------------------------------------------------------


def _document_de_matrice(w, scope):
    """A document of the scope's person, uploaded by the agent who follows them (made once)."""
    objets = w[scope]
    if "document" not in objets:
        objets["document"] = deposer(objets["b"], objets["etape"].auteur)
    return objets["document"]


def matrice_document(w, scope):
    return {"pk": _document_de_matrice(w, scope).pk}


def matrice_partage(w, scope):
    return {"pk": _document_de_matrice(w, scope).pk, "orientation_pk": w[scope]["orientation"].pk}
