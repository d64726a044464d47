"""Issue 12 leftovers: titles stay on one line, blank desk filters mean "no filter", and the address
refusals and service-level notes read in Chinese."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale, gettext

from kb.validation import clean_text
from servicedesk.users.models import User
from tests import factories
from tests.conftest import login_client


@pytest.mark.parametrize("raw, cleaned", [
    ("Printer\tjams", "Printer jams"),
    ("VPN drops\n\nevery hour", "VPN drops every hour"),
    ("  Mail\r\n\t down  ", "Mail down"),
    ("打印机\u2028卡纸", "打印机 卡纸"),
])
def test_a_title_keeps_no_tabs_or_line_breaks(raw: str, cleaned: str):
    assert clean_text(raw, "title", max_len=200) == cleaned


def test_a_description_keeps_its_line_breaks():
    assert clean_text("first line\nsecond line", "description", max_len=200) == "first line\nsecond line"


def test_blank_desk_filters_mean_no_filter(app: Flask, agent: User, subscriber: User):
    tv = factories.incident(agent, reporter=subscriber, title="电视没信号", service="cable_tv")
    net = factories.incident(agent, reporter=subscriber, title="宽带断网")
    assert tv.number and net.number
    client = login_client(app, agent)
    blank = client.get("/desk/incidents?tier=%20&status=&service=%20%20&q=&area=",
                       headers={"Accept-Language": "en"})
    assert blank.status_code == 200
    body = blank.get_data(as_text=True)
    assert tv.number in body and net.number in body and "2 incidents" in body
    filtered = client.get("/desk/incidents?service=cable_tv&tier=%20").get_data(as_text=True)
    assert tv.number in filtered and net.number not in filtered


def test_a_bad_desk_address_is_a_page_with_a_message_not_a_500(app: Flask, agent: User):
    client = login_client(app, agent)
    response = client.get("/desk/incidents?page=99999999999999999999", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "cannot exist (page)" in response.get_data(as_text=True)


@pytest.mark.parametrize("msgid, zh", [
    ("The address contains characters that are not allowed.", "网址中含有不允许的字符。"),
    ("Only an administrator changes the service level: it decides the SLA targets.",
     "只有管理员可以更改服务等级：它决定 SLA 时限。"),
    ("Only an administrator changes a subscriber's service level.", "只有管理员可以更改用户的服务等级。"),
])
def test_the_texts_read_in_chinese(app: Flask, msgid: str, zh: str):
    with app.test_request_context(), force_locale("zh_CN"):
        assert gettext(msgid) == zh
    with app.test_request_context(), force_locale("en"):
        assert gettext(msgid) == msgid


def test_named_refusals_read_in_chinese(app: Flask):
    with app.test_request_context(), force_locale("zh_CN"):
        assert gettext("The address names a day outside the calendar (%(name)s).", name="since") == \
            "网址中的日期超出了日历范围（since）。"
        assert gettext("The address asks for a page or record that cannot exist (%(name)s).", name="page") == \
            "网址请求的页码或记录不可能存在（page）。"


def test_a_control_character_in_the_address_is_refused_in_chinese(app: Flask, agent: User):
    client = login_client(app, agent)
    response = client.get("/desk/incidents?q=a%01b", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 400
    assert "网址中含有不允许的字符。" in response.get_data(as_text=True)
