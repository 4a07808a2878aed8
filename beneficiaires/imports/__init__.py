"""Importing a CPAS's existing data: read its CSV files, validate every row, then save in bulk.

- ``lecture``: reading a file (encodings, separator, headers, dates) into rows and a report;
  the rejects file.
- ``base``: ``TypeImport`` (the base class of an import type and its validation helpers), the
  registry of import types, and ``executer_import`` (analyse, then write in one transaction).
- ``types``: this app's import types and their columns (``beneficiaires``, ``droits``).
- ``execution``: the set-based write (``COPY`` into a staging table, ``INSERT … SELECT`` /
  ``UPDATE … FROM``) and the bulk look-ups (``un_de``, ``parmi``, ``instances_partielles``).
- ``lots``: the staged batches of the upload page (``LotImport``), analysed and imported by
  Celery workers under a lease.

Used by ``python manage.py importer --cpas CODE --type TYPE FILE [--dry-run] [--valid-only]
[--rejets OUT.csv]`` and by the staged upload page of the CPAS administrator (rows are shown with
their errors before anything is saved). The same rules hold for every import type:

- files: CSV with ``;``, ``,`` or tab (detected from the header line), UTF-8 with or without BOM,
  UTF-16 with BOM, or Windows-1252 (detected); header names are case-, accent- and
  space-insensitive, extra columns are ignored, optional cells may be empty;
- dates ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (``parse_date``);
- every invalid row is reported as ``ligne N, colonne : message`` (N is the line in the file,
  the header being line 1), in the active language (French by default);
- without ``valid_only`` one invalid row means nothing is written; with it, valid rows are saved
  and the invalid ones reported (and written to the rejects file with an ``erreurs`` column);
- importing the same file twice changes nothing: each type has a natural key and updates only
  what differs;
- writes are set-based in one transaction (the valid rows are copied into a temporary staging
  table with ``COPY``, then written with ``INSERT … SELECT`` / ``UPDATE … FROM``, see
  ``execution.EcritureEnBloc``), inside an audit context (``pghistory``): the tables' row
  triggers and constraints apply as for any write, so every imported row is in the audit trail
  with the command or page that imported it, and a rule missed by the analysis still refuses
  the file.

Adding an import type (e.g. trajets' ``phases``)
------------------------------------------------
Subclass ``TypeImport`` and register an instance from your ``AppConfig.ready()``::

    from beneficiaires.imports.base import TypeImport, register_import_type
    from beneficiaires.imports.lecture import Colonne

    class ImportPhases(TypeImport):
        nom = "phases"
        libelle = _("Passages en phase")
        colonnes = [Colonne("niss", obligatoire=True), Colonne("phase", obligatoire=True),
                    Colonne("debut", obligatoire=True), Colonne("fin")]
        cle_naturelle = _("NISS + phase + début")

        def preparer(self, ctx, lignes):       # optional: bulk look-ups before validation
            ctx.personnes = personnes_par_niss(ctx.cpas, (l.valeurs["niss"] for l in lignes))

        def valider(self, ctx, ligne):          # per row: fill ligne.donnees or ligne.erreur()
            b = self.personne(ctx, ligne)       # helper: NISS -> Beneficiaire, or error
            debut = self.date(ligne, "debut")   # helpers add the row error themselves
            ...

        def valider_ensemble(self, ctx, lignes):  # optional: checks across rows (overlaps...)
            ...

        def enregistrer(self, ctx, lignes) -> Bilan:  # self.ecrire(...): valid rows only
            ...

    register_import_type(ImportPhases())

``ctx`` is an ``ContexteImport`` (``cpas``, ``user`` or None, ``aujourd_hui``, and any attribute
your type sets in ``preparer``). ``valider`` must not write; ``enregistrer`` runs inside the
transaction and the audit context, and returns a ``Bilan`` of created/updated/unchanged counts.
The command, the upload page and the rejects file need nothing else.
"""
