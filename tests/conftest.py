"""Shared test fixtures: the hand-worked toy panel that the indicator, shift-share and CLI tests use.

Toy panel: Koillismaa sub-region (SK178 = Kuusamo KU305 + Taivalkoski KU832), years 2020–2022,
personnel per firm (turnover = 1 000 € × personnel):

    KU305  A1 div 10 (C): 20 22 25    KU832  B1 div 10 (C): 30 30 33
           A2 div 10 (C): 10 10 11           B2 div 47 (G): 10 11 12
           A3 div 10 (C):  5  6  4           B3 div 47 (G):  5  5  5
           A4 div 47 (G):  4  4  5           B4 div 62 (J):  2  2  2
           A5 div 47 (G):  3  3  3
           A6 div 47 (G):  2  3  3
           A7 div 62 (J):  6  8 12
           A8 div 62 (J):  1  2  3
           A9 div 62 (J):  2  2  2

Kuusamo by section 2020 → 2022: C 35 → 40, G 9 → 11, J 9 → 17, ALL 53 → 68 (2021: 38, 10, 12, 60).
SK178: C 65 → 73, G 24 → 28, J 11 → 19, ALL 100 → 120 (2021: 68, 26, 14, 108).
No Kuusamo cell rests on < 3 firms or has a firm above 80 % (C 2022: 25/40 = 62.5 %, J 2022:
12/17 = 70.6 %), but Taivalkoski's sections rest on 1–2 firms, and SK178 − Kuusamo would reveal
them: with disclosure control on, Kuusamo's sections are suppressed too (secondary suppression
across the area hierarchy, test_hierarchy_protection). The arithmetic tests run with it off.
"""
import pandas as pd
import pytest

TOY_COLUMNS = ["firm_id", "year", "municipality_code", "industry_code", "personnel", "turnover_eur",
               "exports_goods_eur", "exports_services_eur", "founded_year"]
TOY_FIRMS = {
    "A1": ("KU305", "10", (20, 22, 25)), "A2": ("KU305", "10", (10, 10, 11)), "A3": ("KU305", "10", (5, 6, 4)),
    "A4": ("KU305", "47", (4, 4, 5)), "A5": ("KU305", "47", (3, 3, 3)), "A6": ("KU305", "47", (2, 3, 3)),
    "A7": ("KU305", "62", (6, 8, 12)), "A8": ("KU305", "62", (1, 2, 3)), "A9": ("KU305", "62", (2, 2, 2)),
    "B1": ("KU832", "10", (30, 30, 33)), "B2": ("KU832", "47", (10, 11, 12)), "B3": ("KU832", "47", (5, 5, 5)),
    "B4": ("KU832", "62", (2, 2, 2)),
}


def make_toy_panel() -> pd.DataFrame:
    """The toy panel as a new frame (the numbers of the module docstring)."""
    rows = [(fid, 2020 + k, m, d, float(p), 1000.0 * p, 0.0, 0.0, 2000)
            for fid, (m, d, ps) in TOY_FIRMS.items() for k, p in enumerate(ps)]
    return pd.DataFrame(rows, columns=TOY_COLUMNS)


@pytest.fixture(scope="session")
def toy_panel():
    """A factory of the hand-worked toy panel: ``toy_panel()`` returns a fresh frame each call."""
    return make_toy_panel


def run_cli(capsys, *argv):
    """``kasvudata *argv`` in-process: ``(exit code, stdout, stderr)`` (argparse's exits count as codes)."""
    from kasvudata_utils import cli

    try:
        rc = cli.main(list(argv))
    except SystemExit as exc:
        rc = exc.code
    cap = capsys.readouterr()
    return rc, cap.out, cap.err
