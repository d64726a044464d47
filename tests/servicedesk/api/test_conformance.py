"""The server keeps the promises of its generated document: schemathesis against a live run.py.

A real server (tests/live.py) on a database of its own, a few records so the operations reach past their
404s, and an administrator's token; schemathesis generates requests from GET /api/v1/openapi.json (valid and
invalid ones, a bounded number per operation) and fails on any server error, any status, content type or
body the document does not describe, and any 405 without its Allow header.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import INCIDENT, Node, approved_article, make_users, own_database, start_node

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="run.py's gunicorn is POSIX")

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "negative_data_rejection", "unsupported_method",
          "allow_header_conformance")
# Not positive_data_acceptance: a request the document allows may still break a rule no JSON Schema states
# (respond before resolve, a comment when rejecting a fix, a zone code that exists), and is then a 400 or 409.
# Not the revocation of a token: the run would revoke the very token it calls with (tests/…/test_users_api).
EXCLUDED = ("revoke_token",)
MAX_EXAMPLES = 20  # per operation and phase: under a minute for the whole document on two slow cores


@pytest.fixture(scope="module")
def live(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, str]]:
    folder = tmp_path_factory.mktemp("conformance")
    with own_database(database_url, folder, "conformance") as url:
        node = start_node(url, folder / "node", workers=2)
        try:
            tokens = make_users(url, folder / "node", {
                "li.na": "agent", "wang.qiang": "lead", "zhang.wei": "user", "boss": "admin"})
            article = approved_article(node, tokens["li.na"], tokens["wang.qiang"], "光猫 LOS 红灯：更换尾纤")
            r = node.call("POST", "/incidents", tokens["li.na"], {**INCIDENT, "reporter": "zhang.wei"})
            assert r.status == 201, r
            assert node.call("PUT", f"/incidents/{r.body['id']}/solution", tokens["li.na"],
                             {"article_id": article}).status == 200
            yield node, tokens["boss"]
        finally:
            node.stop()


def test_server_conforms_to_its_document(live: tuple[Node, str], tmp_path: Path) -> None:
    node, token = live
    st = Path(sys.executable).parent / "st"
    out = subprocess.run(
        [str(st), "run", f"{node.base}/api/v1/openapi.json", "--url", f"{node.base}/api/v1",
         "-H", f"Authorization: Bearer {token}", "--checks", ",".join(CHECKS),
         *(arg for op in EXCLUDED for arg in ("--exclude-operation-id", op)),
         "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES), "--seed", "12",
         # One worker: with two threads, hypothesis's lambda descriptions call ast.parse at once, which on
         # CPython 3.11 can fail inside the generator ("AST constructor recursion depth mismatch").
         "--workers", "1", "--no-shrink", "--generation-database", "none", "--request-timeout", "30",
         "--suppress-health-check", "all",  # hypothesis's own speed checks: about the generator, not the server
         "--no-color", "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-20000:] + out.stderr[-5000:]
    # every operation was reached, and with a token that kept working
    assert "Tested: " in out.stdout and "Authentication failed" not in out.stdout, out.stdout[-5000:]
