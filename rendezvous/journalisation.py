"""A logging filter that hides the booking links' tokens: the web server's request lines and
Django's "Not Found" warnings would otherwise write them to the logs."""

from __future__ import annotations

import logging
import re

MOTIF = re.compile(r"(/rdv/)[^/\s\"'?]+")


def masquer(texte: str) -> str:
    return MOTIF.sub(r"\1***", texte)


class MasquerJetons(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/rdv/" in record.msg:
            record.msg = masquer(record.msg)
        if record.args:
            if isinstance(record.args, tuple):
                record.args = tuple(
                    masquer(a) if isinstance(a, str) and "/rdv/" in a else a for a in record.args
                )
            elif isinstance(record.args, dict):
                record.args = {
                    k: masquer(a) if isinstance(a, str) and "/rdv/" in a else a
                    for k, a in record.args.items()
                }
        return True
