"""Shared helpers of the Voilà workshop apps (AreaExplorer, ScenarioWorkshop, InsightsBoard).

What every app needs and nothing heavy (ipywidgets and the standard library;
pandas only inside the functions that need it):

- :func:`url_params` reads ``?area=CODE&lang=fi|en`` from Voilà's ``QUERY_STRING``
  (after :func:`~kasvudata_utils.apps.preheat.wait_for_request` when kernels are preheated) and
  turns a bad area into the default area plus a friendly notice;
- :class:`BaseApp` gives an app its language, a notice line (``kd-notice``) and
  :meth:`BaseApp.safe`, which wraps every widget callback so that an error shows
  as one friendly sentence and never as a traceback;
- :func:`data_badge` is the ``kd-data-badge`` widget, :func:`area_options` and
  :func:`format_number` the label and number conventions shared by the apps;
- :func:`csv_download` is an offline CSV download link (a ``data:`` URI).

Examples
--------
>>> url_params(environ={"QUERY_STRING": "area=ku009&lang=en"})
('KU009', 'en', None)
>>> url_params(environ={"QUERY_STRING": "area=XYZ"})[0]
'MK17'
>>> format_number(12345.678, "en", 1)
'12,345.7'
>>> format_number(12345.678, "fi", 1).replace(chr(0x202F), "_")  # thousands: a narrow no-break space
'12_345,7'
"""
from __future__ import annotations

import base64
import contextlib
import functools
import html
import os
import sys
import traceback
from urllib.parse import parse_qs, urlencode

import ipywidgets as widgets

from kasvudata_utils import areas, provenance
from kasvudata_utils.apps.preheat import wait_for_request
from kasvudata_utils.errors import InputError
from kasvudata_utils.labels import normalise_lang, t
from kasvudata_utils.numbers import format_number, signed  # noqa: F401  (one number format for apps, reports and text)

# Stable CSS classes (SPEC §7) plus the project's own helpers.
NOTICE_CLASS = "kd-notice"
BADGE_CLASS = "kd-data-badge"

# Readable on a 1280×720 projector: larger base font, summary and notices that stand out.
APP_CSS = """
<style>
.kd-app { font-size: 15px; max-width: 1260px; }
.kd-app .widget-label, .kd-app .widget-readout, .kd-app select, .kd-app input { font-size: 15px; }
.kd-summary { font-size: 17px; line-height: 1.45; padding: 6px 10px; background: #f3f6fa;
              border-left: 4px solid #1f5f99; }
.kd-notice { font-size: 15px; color: #7a4b00; }
.kd-notice { padding: 4px 10px; background: #fff4dc; border-left: 4px solid #e0a100; }
.kd-data-badge { font-size: 13px; }
.kd-badge-synthetic { color: #8a1c1c; font-weight: bold; }
.kd-assumptions { font-size: 14px; }
.kd-app table.kd-table { border-collapse: collapse; font-size: 14px; }
.kd-app table.kd-table td, .kd-app table.kd-table th { padding: 2px 8px; text-align: right;
                                                        border-bottom: 1px solid #ddd; }
.kd-app table.kd-table td:first-child, .kd-app table.kd-table th:first-child { text-align: left; }
</style>
"""


def _log_exception(exc: BaseException) -> None:
    """Write a traceback to the server's log (the process's real stderr), never to the page."""
    with contextlib.suppress(Exception):  # logging must never break an app
        print("".join(traceback.format_exception(exc)), file=sys.__stderr__, flush=True)


def query_params(environ=None) -> dict[str, str]:
    """The page URL's query parameters as a dict of first values (empty outside Voilà).

    With preheated kernels Voilà fills ``QUERY_STRING`` only once a browser asks
    for the page; :func:`~kasvudata_utils.apps.preheat.wait_for_request` blocks until then
    (PITFALLS, Voilà 0.5). It is a no-op when kernels are not preheated.
    """
    if environ is None:
        if os.environ.get("VOILA_PREHEAT", "False") != "False":
            try:
                wait_for_request()  # the lean twin of voila.utils' (apps.preheat: 45 MB less per kernel)
            except Exception as exc:  # no request info: fall back to the defaults
                _log_exception(exc)
        environ = os.environ
    qs = str(environ.get("QUERY_STRING", "") or "").lstrip("?")
    return {k: v[0] for k, v in parse_qs(qs, keep_blank_values=True).items() if v}


def resolve_area(value, lang: str = "fi", default: str = areas.DEFAULT_AREA,
                 allowed=None) -> tuple[str, str | None]:
    """Normalise an area from a URL or widget: ``(code, notice)``.

    An unknown code, or one outside ``allowed``, gives ``default`` and a
    friendly notice (``labels`` key ``unknown_area_notice``) instead of an error.
    """
    if value is None or str(value).strip() == "":
        return default, None
    try:
        code = areas.normalise_area(value)
    except InputError:
        code = None
    if code is None or (allowed is not None and code not in allowed):
        return default, t("unknown_area_notice", lang, value=str(value)[:40],
                          default=f"{area_label(default, lang)}")
    return code, None


def url_params(area=areas.DEFAULT_AREA, lang: str = "fi", environ=None,
               allowed=None) -> tuple[str, str, str | None]:
    """``(area_code, lang, notice)`` from ``?area=CODE&lang=fi|en``; the arguments are the defaults.

    Parameters
    ----------
    area, lang
        Defaults used when the URL does not name them (a notebook's parameters cell).
    environ
        A mapping with ``QUERY_STRING``; ``None`` reads the kernel's environment.
    allowed
        Area codes the app can show; any other area falls back to ``area`` with a notice.
    """
    params = query_params(environ)
    lang = normalise_lang(params.get("lang", lang))
    default, _ = resolve_area(area, lang, areas.DEFAULT_AREA, allowed)
    code, notice = resolve_area(params.get("area"), lang, default, allowed)
    return code, lang, notice


def area_label(code: str, lang: str = "fi") -> str:
    """``'Alavieska (KU009)'``: the name as users know it, with the code facilitators hand out."""
    try:
        return f"{areas.area_name(code, lang)} ({code})"
    except InputError:
        return str(code)


def code_from_label(label) -> str:
    """Inverse of :func:`area_label`: the code in the last parentheses, else the text itself."""
    s = str(label or "").strip()
    if s.endswith(")") and "(" in s:
        return s[s.rindex("(") + 1:-1].strip()
    return s


def area_options(codes, lang: str = "fi") -> list[str]:
    """Dropdown/Combobox option labels for ``codes``, in the given order."""
    return [area_label(c, lang) for c in codes]


def notice_widget() -> widgets.HTML:
    """An empty notice line (``kd-notice``); fill it with :meth:`BaseApp.show_notice`."""
    w = widgets.HTML("", layout=widgets.Layout(display="none"))
    w.add_class(NOTICE_CLASS)
    return w


def badge_html(prov: dict | None, lang: str = "fi") -> str:
    """HTML of the data badge: real/synthetic/mixed plus sources (synthetic is shown in bold red)."""
    prov = prov or dict(provenance.UNKNOWN)
    css = "kd-badge-synthetic" if prov.get("kind") in ("synthetic", "mixed") else "kd-badge-real"
    return f'<span class="{css}">{html.escape(provenance.badge_text(prov, lang))}</span>'


def data_badge(prov: dict | None = None, lang: str = "fi") -> widgets.HTML:
    """The ``kd-data-badge`` widget (SPEC §7): says whether figures are real, synthetic or mixed."""
    w = widgets.HTML(badge_html(prov, lang))
    w.add_class(BADGE_CLASS)
    return w


def csv_download_html(df, filename: str, lang: str = "fi") -> str:
    """An ``<a download>`` link carrying ``df`` as CSV in a ``data:`` URI (works offline, no server route)."""
    payload = base64.b64encode(df.to_csv(index=False).encode("utf-8")).decode("ascii")
    name = html.escape(filename, quote=True)
    return (f'<a class="kd-csv-download" download="{name}" href="data:text/csv;charset=utf-8;base64,{payload}">'
            f'⬇ {html.escape(t("download_csv", lang))}</a>')


class BaseApp:
    """Common frame of the workshop apps: language, notice line, safe callbacks, CSS.

    Subclasses build their widgets and set ``self.view`` (the top-level widget
    a notebook displays). Every observer and button handler goes through
    :meth:`safe`, so a failing callback shows ``error_notice`` in the notice
    line and logs the traceback to the server log, never to the page.
    """

    css_class = "kd-app"

    def __init__(self, lang: str = "fi"):
        self.lang = normalise_lang(lang)
        self.notice = notice_widget()
        self.style = widgets.HTML(APP_CSS)
        self.view = widgets.VBox([])

    # -- notices --------------------------------------------------------------------------
    def show_notice(self, text: str | None) -> None:
        """Show one friendly line (escaped); ``None`` or ``''`` clears the line."""
        self.notice.value = html.escape(text) if text else ""
        self.notice.layout.display = None if text else "none"  # no empty bar on the projector

    def clear_notice(self) -> None:
        """Hide the notice bar."""
        self.show_notice(None)

    def fail(self, exc: BaseException) -> None:
        """Turn an exception into a friendly notice: ``InputError`` text as is, others generic."""
        if isinstance(exc, InputError):
            message = str(exc)
        else:
            _log_exception(exc)
            message = t("internal_error_hint", self.lang)
        self.show_notice(t("error_notice", self.lang, message=message))

    def safe(self, fn):
        """Wrap a callback: exceptions become a notice (see :meth:`fail`), never a traceback."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                self.fail(exc)
                return None

        return wrapper

    def finish_view(self, children) -> widgets.VBox:
        """The app's top-level box: style, notice line, then ``children``."""
        self.view = widgets.VBox([self.style, self.notice, *children])
        self.view.add_class(self.css_class)
        return self.view

    @classmethod
    def allowed_areas(cls):
        """Area codes the app can show (``None``: any valid code)."""
        return None

    @classmethod
    def from_url(cls, area=areas.DEFAULT_AREA, lang: str = "fi", **kwargs):
        """Build the app from the page URL (``?area=&lang=``), defaults from the notebook's parameters.

        Never raises: an app that cannot be built shows a notice in its place.
        """
        params = query_params()
        lang = normalise_lang(params.get("lang", lang))
        try:
            allowed = cls.allowed_areas()
            env = {"QUERY_STRING": urlencode({"area": params.get("area", ""), "lang": lang})}
            code, lang, notice = url_params(area, lang, environ=env, allowed=allowed)
            app = cls(area=code, lang=lang, **kwargs)
        except Exception as exc:
            return ErrorApp(exc, lang)
        if notice:
            app.show_notice(notice)
        return app


class ErrorApp(BaseApp):
    """Stand-in shown when an app cannot start (e.g. data not built): one friendly line."""

    def __init__(self, exc: BaseException, lang: str = "fi"):
        super().__init__(lang)
        self.fail(exc)
        self.finish_view([])
