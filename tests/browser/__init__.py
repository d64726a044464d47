"""Browser tests (Playwright + Chromium); see conftest.py."""
