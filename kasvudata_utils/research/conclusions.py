"""Takeaways of the research notebooks, written from their results (never fixed text).

Each function turns one notebook's results into a short Markdown list in Finnish or English
(``labels.t``); a sentence states what the numbers say, including "not significant" and "unstable",
and synthetic data adds the caveat that the result is about the method, not about real firms.

- :func:`lisa_stability_line` and :func:`spatial_takeaways` — notebook 10;
- :func:`factor_takeaways` — notebook 11;
- :func:`support_takeaways` — notebook 12.
"""
from __future__ import annotations

import pandas as pd

from kasvudata_utils import areas, labels
from kasvudata_utils.research.spatial import CLUSTER_LABELS


def _bullets(lines, lang) -> str:
    return labels.t("takeaway_title", lang) + "\n\n" + "\n".join(f"- {s}" for s in lines if s)


def _counts(clusters) -> str:
    c = pd.Series(list(clusters)).value_counts()
    return ", ".join(f"{k} {int(c[k])}" for k in CLUSTER_LABELS if k != "ns" and k in c.index) or "–"


def lisa_stability_line(stability: pd.DataFrame, lang: str = "fi") -> str:
    """One sentence: how many municipalities are FDR-significant under each seed, and whether the set is stable.

    Examples
    --------
    >>> t = pd.DataFrame({"seed": [1, 2], "n_significant": [3, 3]}); t.attrs.update(stable=True, permutations=99999)
    >>> lisa_stability_line(t, "en").split(": ", 1)[1]
    '3, 3 — the same set under every seed.'
    """
    lang = labels.normalise_lang(lang)
    verdict = labels.t("research_stable_yes" if stability.attrs.get("stable") else "research_stable_no", lang)
    return labels.t("research_lisa_stability", lang, seeds=", ".join(str(s) for s in stability["seed"]),
                    perm=stability.attrs.get("permutations", ""),
                    counts=", ".join(str(int(n)) for n in stability["n_significant"]), verdict=verdict)


def spatial_takeaways(moran, lisa_table: pd.DataFrame, stability: pd.DataFrame, area: str, lang: str = "fi",
                      synthetic: bool = True, alpha: float = 0.05) -> str:
    """Notebook 10's takeaways from global Moran's I, the LISA table and its seed stability.

    Parameters
    ----------
    moran : MoranResult
        :func:`kasvudata_utils.research.spatial.moran_global` of growth.
    lisa_table : pandas.DataFrame
        :func:`kasvudata_utils.research.spatial.lisa` output (``area_code, cluster``).
    stability : pandas.DataFrame
        :func:`kasvudata_utils.research.spatial.lisa_stability` output.
    area : str
        The highlighted area (its municipalities are counted).
    synthetic : bool
        Add the synthetic-data caveat.

    Examples
    --------
    >>> from kasvudata_utils.research.spatial import MoranResult
    >>> m = MoranResult(0.3, -0.003, 8.0, 0.0001, 0.0, 290, 9999)
    >>> t = pd.DataFrame({"area_code": ["KU009", "KU564"], "cluster": ["HH", "ns"]})
    >>> s = pd.DataFrame({"seed": [1, 2], "n_significant": [1, 1]}); s.attrs.update(stable=True, permutations=9)
    >>> print(spatial_takeaways(m, t, s, "MK17", "en", synthetic=False).splitlines()[-1])
    - 1 of 2 municipalities are in a significant LISA cluster (FDR 5%): HH 1; in North Ostrobothnia: 1.
    """
    lang = labels.normalise_lang(lang)
    sig = lisa_table[lisa_table["cluster"] != "ns"]
    mine = sig[sig["area_code"].isin(areas.municipalities(area))]
    lines = [labels.t("takeaway_moran_sig" if moran.p_sim < alpha else "takeaway_moran_ns", lang, i=moran.I,
                      p=moran.p_sim, perm=moran.permutations),
             labels.t("takeaway_lisa", lang, n=len(sig), total=len(lisa_table), alpha=alpha,
                      counts=_counts(sig["cluster"]), area=areas.area_name(area, lang), n_area=len(mine))]
    if not stability.attrs.get("stable", True):
        lines.append(labels.t("takeaway_lisa_unstable", lang))
    if synthetic:
        lines.append(labels.t("takeaway_synthetic", lang))
    return _bullets(lines, lang)
