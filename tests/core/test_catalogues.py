"""Every English catalogue (make messages) is complete and compiled: each app's parkops/<app>/locale and the
site-wide templates/locale (LOCALE_PATHS). A string nobody translated would show in Chinese on an English page."""
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
CATALOGUES = sorted(BASE.glob("parkops/*/locale/en/LC_MESSAGES/django.po")) + [
    Path(p) / "en" / "LC_MESSAGES" / "django.po" for p in settings.LOCALE_PATHS
]


def entries(po: Path):
    """Yield (flags, {keyword: text}) for each entry of a .po file, the header left out."""
    entry, flags, key = {}, "", None
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry.get("msgid"):
                yield flags, entry
            entry, flags, key = {}, "", None
        elif line.startswith("#,"):
            flags += line
        elif not line.startswith("#"):
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if m:
                key = m.group(1)
                entry[key] = m.group(2)
            else:
                entry[key] += line.strip()[1:-1]


def unquote(text: str) -> str:
    """Return a .po string's text with its escapes (\\n, \\") read."""
    return text.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def test_every_app_with_templates_has_its_own_catalogue():
    for templates in BASE.glob("parkops/*/templates"):
        assert (templates.parent / "locale" / "en" / "LC_MESSAGES" / "django.po").exists(), templates.parent.name


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(BASE)))
def test_catalogue_is_complete_and_compiled(po):
    found = list(entries(po))
    assert found
    compiled = gettext.GNUTranslations(po.with_suffix(".mo").open("rb"))
    for flags, entry in found:
        name = entry.get("msgctxt", "") + "|" + entry["msgid"]
        assert "fuzzy" not in flags, name
        strings = [v for k, v in entry.items() if k.startswith("msgstr")]
        assert strings and all(strings), f"untranslated: {name}"
        if "msgid_plural" not in entry:
            msgid, want = unquote(entry["msgid"]), unquote(strings[0])
            got = compiled.pgettext(unquote(entry["msgctxt"]), msgid) if "msgctxt" in entry else compiled.gettext(msgid)
            assert got == want, f".mo is older than .po: {name}"
