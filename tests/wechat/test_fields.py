import pytest

from miniapp_api.wechat.emulator.fields import field_problem


@pytest.mark.parametrize(("key", "value"), [
    ("thing1", "营业执照（设立登记）预约提醒"),
    ("thing1", "a" * 20),
    ("number2", "12.5"),
    ("letter3", "ABCdef"),
    ("symbol4", "%"),
    ("character_string5", "BS-2026-000123"),
    ("time6", "15:01"),
    ("time6", "2026年11月24日 09:30"),
    ("time6", "09:00~10:00"),
    ("date7", "2026年11月24日"),
    ("date7", "2026-11-24 ~ 2026-11-30"),
    ("amount8", "¥100.50"),
    ("amount8", "30元"),
    ("phone_number9", "+86 138-1234-5678"),
    ("name10", "欧阳小明"),
    ("name10", "Alexander Hamilton"),
    ("phrase11", "已受理"),
    ("enum12", "whatever the template lists"),
])
def test_values_within_wechat_limits_pass(key, value):
    assert field_problem(key, value) is None


@pytest.mark.parametrize(("key", "value"), [
    ("thing1", "a" * 21),
    ("thing1", ""),
    ("thing1", "带\t控制符"),
    ("number2", "十二"),
    ("letter3", "ABC1"),
    ("symbol4", "%%%%%%"),
    ("character_string5", "中文编号"),
    ("character_string5", "x" * 33),
    ("time6", "上午九点"),
    ("date7", "下周一"),
    ("amount8", "100.505"),
    ("phone_number9", "1" * 18),
    ("name10", "欧阳小明欧阳小明欧阳小"),
    ("phrase11", "已经受理完毕"),
    ("phrase11", "OK"),
    ("unknown12", "x"),
])
def test_values_beyond_wechat_limits_fail(key, value):
    problem = field_problem(key, value)
    assert problem is not None and f"data.{key}" in problem


def test_non_string_value_fails():
    assert field_problem("thing1", 12) is not None
