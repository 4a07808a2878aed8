"""A logging filter that hides the secret tokens of the links that work without an account (the
person's booking link, an agenda's calendar feed): the web server's request lines and Django's
"Not Found" warnings would otherwise write them to the logs. gunicorn's access log uses
``masquer`` too (``gunicorn.conf.py``)."""

from __future__ import annotations

import logging
import re

MOTIF = re.compile(r"(/rdv/|/ics/)[^/\s\"'?]+")


def a_masquer(texte) -> bool:
    return isinstance(texte, str) and ("/rdv/" in texte or "/ics/" in texte)


def masquer(texte: str) -> str:
    return MOTIF.sub(r"\1***", texte)


class MasquerJetons(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if a_masquer(record.msg):
            record.msg = masquer(record.msg)
        if record.args:
            if isinstance(record.args, tuple):
                record.args = tuple(masquer(a) if a_masquer(a) else a for a in record.args)
            elif isinstance(record.args, dict):
                record.args = {k: masquer(a) if a_masquer(a) else a for k, a in record.args.items()}
        return True
