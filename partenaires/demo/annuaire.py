"""Demo directory: the partners, their services and contacts, the partner users' accounts."""

from __future__ import annotations

from cpas_isp.models import Role

from ..models import (
    ComptePartenaire,
    ContactPartenaire,
    Partenaire,
    ServicePartenaire,
    Thematique,
    TypePartenaire,
)
from .donnees import COMPTES, PARTENAIRES


def creer_partenaires() -> dict[str, Partenaire]:
    types = {t.code: t for t in TypePartenaire.objects.all()}
    themes = {t.code: t for t in Thematique.objects.all()}
    objets, services, contacts = [], [], []
    for nom, sigle, type_code, adresse, cp, commune, region, tel, email, site, *_ in PARTENAIRES:
        objets.append(
            Partenaire(
                nom=nom,
                sigle=sigle,
                type=types[type_code],
                adresse=adresse,
                code_postal=cp,
                commune=commune,
                region=region,
                telephone=tel,
                email=email,
                site_web=site,
            )
        )
    crees = {p.nom: p for p in Partenaire.objects.bulk_create(objets)}
    for nom, *_rest, liste_services, liste_contacts in PARTENAIRES:
        p = crees[nom]
        for service, theme, places in liste_services:
            services.append(
                ServicePartenaire(
                    partenaire=p, nom=service, thematique=themes[theme], places_disponibles=places
                )
            )
        for contact, fonction in liste_contacts:
            login = contact.lower().replace(" ", ".").replace("ë", "e").replace("é", "e")
            domaine = p.email.split("@")[1]
            contacts.append(
                ContactPartenaire(
                    partenaire=p,
                    nom=contact,
                    fonction=fonction,
                    telephone=p.telephone,
                    email=f"{login}@{domaine}",
                )
            )
    ServicePartenaire.objects.bulk_create(services)
    ContactPartenaire.objects.bulk_create(contacts)
    return crees


def creer_comptes(ctx, partenaires):
    for code, nom in COMPTES.items():
        user = ctx.comptes.get((code, Role.PARTENAIRE))
        if user is not None:
            ComptePartenaire.objects.create(user=user, partenaire=partenaires[nom])
