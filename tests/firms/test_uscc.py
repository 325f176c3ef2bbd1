"""The unified social credit code: shape errors refuse, checksum failures only warn."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parkops.firms.models import Firm
from parkops.firms.uscc import check_uscc
from tests.factories import FirmFactory


@pytest.mark.parametrize("code", ["914403001922038216", "91440300708461136T", "9144 0300 7084 6113 6T"])
def test_real_public_codes_pass(code):
    result = check_uscc(code)
    assert result.error is None and result.warning is None
    assert len(result.code) == 18


def test_failing_checksum_is_a_warning_not_an_error():
    result = check_uscc("91350100M000100Y4Z")
    assert result.error is None
    assert "91350100M000100Y4Z" in result.warning and "校验位" in result.warning


@pytest.mark.parametrize("code,fragment", [("9144030070846113", "18 位"), ("9144030070846113#T", "只能包含")])
def test_bad_shape_is_an_error(code, fragment):
    assert fragment in check_uscc(code).error


@pytest.mark.django_db
def test_firm_clean_refuses_bad_shape_but_accepts_pilot_codes():
    firm = FirmFactory.build(uscc="12345")
    with pytest.raises(ValidationError) as err:
        firm.full_clean()
    assert "uscc" in err.value.message_dict
    pilot = FirmFactory.build(uscc="91350100m000100y4z")
    pilot.full_clean()  # checksum failure is the form's warning, not a model error
    assert pilot.uscc == "91350100M000100Y4Z"


@pytest.mark.django_db
def test_uscc_unique_when_present_and_optional():
    FirmFactory(uscc=None)
    FirmFactory(uscc=None)
    FirmFactory(uscc="914403001922038216")
    with pytest.raises(IntegrityError), transaction.atomic():
        FirmFactory(uscc="914403001922038216")
    with pytest.raises(IntegrityError), transaction.atomic():
        Firm.objects.create(name="空代码企业", short_name="空", uscc="")
