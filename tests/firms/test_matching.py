"""firms.matching: the one ranking behind the firm pickers' suggestions and the forms' resolution of typed text."""
import pytest

from parkops.firms.choices import FirmStatus
from parkops.firms.matching import firm_matches, firm_matches_text, resolve_firm
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def park_firms():
    """Firms named as in the real park, including the one that sorts first alphabetically (360集团)."""
    make = factories.FirmFactory
    return {
        "360": make(name="360集团", short_name="360集团", name_en="360 Group"),
        "majorel": make(name="迈睿中国", short_name="迈睿中国", name_en="Majorel China"),
        "ks": make(name="知道创宇", short_name="知道创宇", name_en="Knownsec"),
        "nj_ks": make(name="内江知道创宇信息技术有限公司", short_name="内江知道创宇", name_en="Neijiang Knownsec"),
        "yunda": make(name="韵达速递", short_name="韵达速递", name_en="Yunda Express"),
        "sto": make(name="申通快递", short_name="申通快递", name_en="STO Express"),
        "gone": make(name="已退出迈睿测试", short_name="退出迈睿", status=FirmStatus.EXITED),
    }


def test_matches_filter_on_chinese_short_and_english_names(park_firms):
    assert firm_matches("迈睿") == [park_firms["majorel"]]
    assert firm_matches("majorel") == [park_firms["majorel"]]
    assert firm_matches("信息技术") == [park_firms["nj_ks"]]
    assert firm_matches("express") == [park_firms["sto"], park_firms["yunda"]] or set(firm_matches("express")) == {park_firms["yunda"], park_firms["sto"]}
    assert firm_matches("快递") == [park_firms["sto"]]
    assert firm_matches("没有这家") == []


def test_matches_are_ranked_exact_then_prefix_then_contains(park_firms):
    knownsec = factories.FirmFactory(name="知道创宇安全服务", short_name="知道创宇安全")
    assert firm_matches("知道创宇") == [park_firms["ks"], knownsec, park_firms["nj_ks"]]
    assert firm_matches("knownsec")[:1] == [park_firms["ks"]]


def test_every_match_is_listed_not_the_first_twenty(park_firms):
    many = [factories.FirmFactory(name=f"演示外包{n:02d}（演示）", short_name=f"演示外包{n:02d}") for n in range(1, 31)]
    assert len(firm_matches("演示")) == 30
    assert set(firm_matches("演示")) == set(many)
    assert len(firm_matches("")) == 36  # every firm but the exited one


def test_exited_firms_are_left_out_of_suggestions(park_firms):
    assert park_firms["gone"] not in firm_matches("迈睿")
    assert park_firms["gone"] in firm_matches("迈睿", include_exited=True)


def test_resolve_one_exact_or_one_match(park_firms):
    assert resolve_firm("迈睿").firm == park_firms["majorel"]  # the only firm it matches
    assert resolve_firm("知道创宇").firm == park_firms["ks"]  # named exactly, though 内江知道创宇 contains it
    assert resolve_firm(" Yunda Express ").firm == park_firms["yunda"]
    assert resolve_firm("退出迈睿").firm == park_firms["gone"]  # found by its exact name, so the form can say it exited


def test_resolve_refuses_ambiguous_and_unknown_text_with_candidates(park_firms):
    found = resolve_firm("知道")
    assert found.firm is None and found.candidates == [park_firms["ks"], park_firms["nj_ks"]]
    found = resolve_firm("express")
    assert found.firm is None and set(found.candidates) == {park_firms["yunda"], park_firms["sto"]}
    found = resolve_firm("没有这家")
    assert found.firm is None and found.candidates == []
    assert resolve_firm("").firm is None


def test_firm_matches_text(park_firms):
    assert firm_matches_text(park_firms["majorel"], "迈睿")
    assert firm_matches_text(park_firms["majorel"], "majorel china")
    assert not firm_matches_text(park_firms["360"], "迈睿")


def test_one_query_whatever_the_number_of_firms(park_firms, django_assert_num_queries):
    with django_assert_num_queries(1):
        firm_matches("知道")
    factories.FirmFactory.create_batch(40, name_en="Knownsec partner")
    with django_assert_num_queries(1):
        assert len(firm_matches("knownsec")) == 42
