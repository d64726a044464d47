"""Markdown as safe HTML with the article's own pictures, and as plain text for search snippets."""

from __future__ import annotations

from kb.rendering import markdown_to_text, render_markdown


def test_pictures_only_from_the_articles_attachments():
    html = render_markdown("![拓扑图](topology.png) ![旧图](./%E6%97%A7.png) ![外网](https://example.com/a.png) "
                           "![无](missing.png) <img src=\"http://10.0.0.1/x.png\" onerror=\"alert(1)\">",
                           {"topology.png": "/kb/7/files/3", "旧.png": "/kb/7/files/4"})
    assert '<img alt="拓扑图" src="/kb/7/files/3">' in html and '<img alt="旧图" src="/kb/7/files/4">' in html
    assert "example.com" not in html and "10.0.0.1" not in html and "onerror" not in html
    assert '<img alt="无">' in html
    assert "src=" not in render_markdown("![拓扑图](topology.png)")


def test_markdown_to_text_drops_marks_and_keeps_words_and_codes():
    text = markdown_to_text(
        "# 光猫 LOS 处理 #\n\n**现象**：用户 *无法* 上网，ONU_LOS 告警，E-102 码，2*3*4\n\n"
        "| 步骤 | 说明 |\n|---|:---:|\n| 1 | 检查 `尾纤` |\n\n- [x] 测量[收光](http://x/y) ![拓扑](t.png)\n"
        "> 引用 <b>粗</b> ~~删~~ __下__\n```\nshow pon\n```\n---\n光衰 < -27 dBm")
    assert text.splitlines() == [
        "光猫 LOS 处理", "", "现象：用户 无法 上网，ONU_LOS 告警，E-102 码，2*3*4", "", "步骤 说明", "1 检查 尾纤", "",
        "测量收光 拓扑", "引用 粗 删 下", "show pon", "光衰 < -27 dBm"]
    assert markdown_to_text("用户无法上网") == "用户无法上网"
