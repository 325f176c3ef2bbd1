"""Spreadsheet formula neutralising for every export (CSV and XLSX).

A cell that starts with = + - @ tab or carriage return is read as a formula by
Excel and LibreOffice; prefixing a single quote makes it plain text.
"""
import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The characters an XLSX cell cannot hold (the C0 controls but tab, line feed and carriage return): the
# same set as openpyxl's ILLEGAL_CHARACTERS_RE, which refuses the whole workbook when a cell has one.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)


def neutralise(value):
    """Return value with a leading quote if a spreadsheet would run it as a formula."""
    # A set lookup on the first character: this runs for every text cell of an export (500,000 at 100,000 seats).
    if isinstance(value, str) and value and value[0] in _FORMULA_FIRST:
        return "'" + value
    return value


def neutralise_row(row):
    return [neutralise(v) for v in row]


def xlsx_text(value):
    """Return value with the characters XLSX cannot hold replaced by U+FFFD, so a stored value never stops an export."""
    if isinstance(value, str) and XLSX_ILLEGAL.search(value):
        return XLSX_ILLEGAL.sub(REPLACEMENT, value)
    return value


def xlsx_row(row):
    return [xlsx_text(v) for v in row]
