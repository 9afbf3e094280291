"""Tests in Debian's Chromium and the Nu Html Checker, against gunicorn (marker: browser)."""
