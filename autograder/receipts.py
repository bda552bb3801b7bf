"""Receipts: what ``collect`` records of each submission it keeps, and
how a later step tells a receipt collect wrote from one a student wrote.

``collect`` (:mod:`autograder.collect`) keeps every submission in
``DIR/.history/<student>/<assignment>/<received>-<hash>/`` with a
``receipt.json``; ``grade`` (through :mod:`autograder.intake`) trusts a
``timestamp.txt`` only when such a receipt vouches for it
(:func:`trusted_receipt`).  Both sides read the records here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

#: Where collect keeps every submission it has seen.
HISTORY = ".history"
#: The record of one collected submission, beside its files in ``.history``.
RECEIPT = "receipt.json"
#: nbgrader's format for ``timestamp.txt`` (``Exchange.timestamp_format``).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


def utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.timezone.utc)


def format_time(when: dt.datetime) -> str:
    """A receipt time as nbgrader writes ``timestamp.txt`` (UTC)."""
    return utc(when).strftime(TIMESTAMP_FORMAT)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def history_entries(folder: Path) -> list[tuple[dt.datetime, Path, dict]]:
    """Collected submissions of one student and assignment, oldest first."""
    found = []
    if any(p.is_symlink() for p in (folder, folder.parent, folder.parent.parent)):
        return []  # collect never writes a link: not a history it wrote
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        if entry.name.startswith("."):  # half-written by a collect that stopped
            continue
        if entry.is_symlink() or (entry / RECEIPT).is_symlink():
            continue
        try:
            record = json.loads((entry / RECEIPT).read_text())
            received = dt.datetime.fromisoformat(record["received"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not record.get("unrecorded"):
            found.append((received, entry, record))
    return sorted(found, key=lambda item: item[0])


def trusted_receipt(folder: Path, files: dict, stamp: str | None = None) -> str | None:
    """The receipt time of the submission in ``folder``
    (``DIR/<student>/<assignment>``), as ``timestamp.txt`` text, if collect
    wrote it: a receipt in ``DIR/.history`` must hold the same time and the
    same content for every file in ``files`` (file name -> its bytes, or
    any key -> its path).  ``stamp`` is the folder's ``timestamp.txt`` when
    the caller read it already ("" for none).  None for a folder collect did
    not write, or changed since."""
    if stamp is None:
        path = folder / "timestamp.txt"
        if not path.is_file() or path.is_symlink() or path.stat().st_size > 100:
            return None
        stamp = path.read_text(errors="replace")
    text = stamp.strip()
    if not text:
        return None
    history = folder.parent.parent / HISTORY / folder.parent.name / folder.name
    hashes = {name if isinstance(data, bytes) else Path(data).name:
              sha256(data if isinstance(data, bytes) else Path(data).read_bytes())
              for name, data in files.items()}
    for received, _, record in history_entries(history):
        if format_time(received) == text and all(
                record.get("files", {}).get(name) == digest for name, digest in hashes.items()):
            return text
    return None
