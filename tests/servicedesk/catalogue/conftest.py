"""The page fixture of the desk pages: clients that read English pages."""

from tests.servicedesk.web_desk.conftest import page  # noqa: F401
