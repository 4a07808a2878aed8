"""Pages of the person's file.

- ``dossiers``: the caseload and search, the person page, creation and edits of the identity,
  rights, obstacles and BSP, the personal data export (right of access).
- ``imports``: the staged import (upload, analysed batch, confirmation, progress).
"""
