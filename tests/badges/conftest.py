"""Each badge test keeps its bulk PDFs in a folder of its own."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _badge_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BADGE_FOLDER", str(tmp_path / "badges"))
