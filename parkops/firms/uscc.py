"""The unified social credit code (统一社会信用代码), checked with python-stdnum.

A wrong shape (length, characters) is an error. A failing checksum is only a
warning that staff may override, because early pilot codes exist that fail it.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

# Shape only: digits and capital letters. Which letters may stand where is a check-digit matter.
_ALPHABET = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass
class UsccCheck:
    code: str
    error: str | None = None
    warning: str | None = None


def check_uscc(raw: str) -> UsccCheck:
    """Return the normalised code and an error (bad shape) or a warning (bad checksum)."""
    code = uscc.compact(raw or "")
    if not code:
        return UsccCheck(code="")
    if len(code) != 18:
        return UsccCheck(code, error=_("统一社会信用代码应为 18 位，当前为 %(n)d 位：%(code)s。") % {"n": len(code), "code": code})
    bad = sorted(set(code) - _ALPHABET)
    if bad:
        return UsccCheck(
            code,
            error=_("统一社会信用代码只能包含数字和大写字母，发现 %(chars)s：%(code)s。")
            % {"chars": "、".join(bad), "code": code},
        )
    try:
        uscc.validate(code)
    except StdnumError:
        # Length and characters are right, so what fails is a check digit (the code's own or its
        # embedded organisation code's): early pilot codes do that, so staff may override.
        return UsccCheck(
            code,
            warning=_("统一社会信用代码 %(code)s 的校验位不符（可能是早期试点代码）。请核对；确认无误可勾选“仍然保存”。")
            % {"code": code},
        )
    return UsccCheck(code)
