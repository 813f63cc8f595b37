"""The area explorer served by ``kasvudata workshop --table FILE`` in a real headless Chromium.

The table is constructed (not statistics): every municipality of Finland, divisions 10 and 47,
2018–2023; each municipality has 7 persons in division 10 per year since 2017 and 8 in division 47,
so Alavieska (KU009) has 7 × 6 + 8 = 50 person-years in 2023.
"""
import os

import pandas as pd
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]
APP = "area_explorer.ipynb"


def constructed_table(path):
    from kasvudata_utils import areas

    rows = []
    for m in areas.municipalities("SSS"):
        for y in range(2018, 2024):
            rows.append([m, "10", y, 4, 7.0 * (y - 2017), 7000.0 * (y - 2017), None, False])
            rows.append([m, "47", y, 4, 8.0, 8000.0, None, False])
    pd.DataFrame(rows, columns=["area_code", "industry_code", "year", "establishments", "personnel",
                                "turnover_eur", "exports_eur", "suppressed"]).to_csv(path, index=False)


@pytest.fixture(scope="module")
def table_server(tmp_path_factory):
    from conftest import start_voila

    from kasvudata_utils.apps.cache import ENV_TABLE

    tmp = tmp_path_factory.mktemp("voila_table")
    table = tmp / "workshop_table.csv"
    constructed_table(table)
    old = os.environ.get(ENV_TABLE)
    os.environ[ENV_TABLE] = str(table)  # what `kasvudata workshop --table FILE` gives the kernels
    try:
        server = start_voila(tmp)
        yield server
        server.stop()
    finally:
        if old is None:
            os.environ.pop(ENV_TABLE, None)
        else:
            os.environ[ENV_TABLE] = old


def test_explorer_shows_the_tables_figures_with_a_user_data_badge(table_server, page, ui):
    summary = ui.open_app(page, table_server, APP, "area=KU009&lang=en")
    expect(summary).to_contain_text("Alavieska", timeout=ui.timeout_ms)
    expect(summary).to_contain_text("50 person-years")
    badge = page.locator(".kd-data-badge").inner_text()
    assert badge.startswith("User data") and "workshop_table.csv" in badge
    assert "SYNTHETIC" not in page.locator("body").inner_text()
    assert ui.external_urls(page.kd_urls) == []
