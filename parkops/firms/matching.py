"""Find firms by what staff type: one ranking shared by the firm pickers' suggestions and the forms' checks.

The autocomplete (firms.views.firm_autocomplete) lists `firm_matches(text)`; a form that receives a
typed name without a picked id resolves it with `resolve_firm(text)`. Both read the same function, so a
firm the list offers is the firm the form accepts, and a text that fits several firms is refused with
the same candidates the list shows, never resolved to a silent first match.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .choices import FirmStatus
from .models import Firm

# Ranks, best first: the text is a firm's short, full or English name; a name starts with it; contains it.
EXACT, PREFIX, CONTAINS = 0, 1, 2


def _rank(firm: Firm, text: str) -> int:
    folded = text.casefold()
    names = [firm.short_name.casefold(), firm.name.casefold(), (firm.name_en or "").casefold()]
    if folded in names:
        return EXACT
    if any(n.startswith(folded) for n in names if n):
        return PREFIX
    return CONTAINS


def firm_matches(text: str, *, include_exited: bool = False) -> list[Firm]:
    """Return every firm whose short, full or English name contains `text` (case-insensitive), ranked:
    exact name first, then names starting with the text, then the rest; shorter short names first within
    a rank. Exited firms are left out unless asked for. An empty text matches every firm. One query."""
    text = (text or "").strip()
    firms = Firm.objects.only("id", "name", "short_name", "name_en", "status")
    if not include_exited:
        firms = firms.exclude(status=FirmStatus.EXITED)
    if text:
        firms = firms.filter(Q(name__icontains=text) | Q(short_name__icontains=text) | Q(name_en__icontains=text))
    # icontains folds ASCII only on SQLite; the ranking folds in Python and drops any the database let through.
    return sorted(firms, key=lambda f: (_rank(f, text) if text else EXACT, len(f.short_name), f.short_name, f.pk))


@dataclass
class FirmResolution:
    """What a typed firm text resolves to: the one firm, or the candidates it could mean (none, or several)."""

    text: str
    firm: Firm | None = None
    candidates: list[Firm] = field(default_factory=list)


def resolve_firm(text: str) -> FirmResolution:
    """Resolve typed text to one firm: the only firm it names exactly, else the only firm it matches at all.

    Text that matches no firm, or several firms none of which it names exactly, resolves to no firm, with
    the ranked candidates for the message. An exited firm is found only by its exact name (so the form can
    say it has exited).
    """
    text = (text or "").strip()
    if not text:
        return FirmResolution(text)
    matches = firm_matches(text)
    exact = [f for f in matches if _rank(f, text) == EXACT]
    if len(exact) == 1:
        return FirmResolution(text, exact[0], matches)
    if len(matches) == 1:
        return FirmResolution(text, matches[0], matches)
    if not matches:
        exited = [f for f in firm_matches(text, include_exited=True) if _rank(f, text) == EXACT]
        if len(exited) == 1:
            return FirmResolution(text, exited[0], exited)
    return FirmResolution(text, None, exact if len(exact) > 1 else matches)


def firm_matches_text(firm: Firm, text: str) -> bool:
    """Return True when `text` is one of the firm's names or part of one (the picked firm agrees with the box)."""
    folded = (text or "").strip().casefold()
    return not folded or any(folded in (n or "").casefold() for n in (firm.short_name, firm.name, firm.name_en))
