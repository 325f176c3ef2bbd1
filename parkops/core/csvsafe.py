"""Spreadsheet formula neutralising for every export (CSV and XLSX).

A cell that starts with = + - @ tab or carriage return is read as a formula by
Excel and LibreOffice; prefixing a single quote makes it plain text.
"""
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return value with a leading quote if a spreadsheet would run it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_row(row):
    return [neutralise(v) for v in row]
