from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.servicedesk.api.helpers import Api


@pytest.fixture
def api(app: Flask, s: Session) -> Api:
    return Api(app.test_client(), s)
