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
- :func:`csv_download` is an offline CSV download link (a ``data:`` URI);
- projector mode (:meth:`BaseApp.set_projector`, ``?projector=1``, the ``kd-projector-toggle`` button):
  larger text and stronger contrast for the back of a room, kept in the URL state.

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
import logging
import os
import sys
import traceback
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import ipywidgets as widgets

from kasvudata_utils import areas, paths, provenance
from kasvudata_utils.apps.charts import FONT_PX, PROJECTOR_FONT_PX
from kasvudata_utils.apps.preheat import wait_for_request
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import frame_csv_text
from kasvudata_utils.labels import normalise_lang, t
from kasvudata_utils.numbers import format_number, signed  # noqa: F401  (one number format for apps, reports and text)

# Stable CSS classes (SPEC §7) plus the project's own helpers.
NOTICE_CLASS = "kd-notice"
BADGE_CLASS = "kd-data-badge"
PROJECTOR_CLASS = "kd-projector"
#: ``?projector=`` values that turn projector mode on.
PROJECTOR_ON = frozenset({"1", "true", "yes", "on"})

# Readable on a 1280×720 projector (issue 17): no text under 14 px (widget text 15 px through the
# widgets' own --jp-widgets-font-size), summary 18 px; labels wrap rather than end in "…".
# Projector mode (.kd-projector, :meth:`BaseApp.set_projector`): larger text, black on white, thicker lines.
APP_CSS = """
<style>
.kd-app { font-size: 15px; max-width: 1260px; --jp-widgets-font-size: 15px; --jp-widgets-inline-height: 30px;
          --jp-widgets-inline-label-width: 120px; }
.kd-app .widget-label, .kd-app .widget-readout, .kd-app select, .kd-app input, .kd-app textarea,
.kd-app button, .kd-app .widget-html-content, .kd-app .leaflet-container { font-size: 15px; }
.kd-app small, .kd-app .kd-note, .kd-app h4 { font-size: 15px; }
/* a description wraps onto two lines instead of being cut ("Tunnusl…", "Näytä ty…") */
.kd-app .widget-inline-hbox > .widget-label { white-space: normal; overflow: visible; text-overflow: clip;
          line-height: 1.15; height: auto; align-self: center; text-align: right; }
.kd-app .widget-button, .kd-app .widget-toggle-button { width: auto; min-width: 90px; overflow: visible;
          align-self: flex-start; }
.kd-app .widget-html-content { line-height: 1.3; }
.kd-summary { font-size: 18px; line-height: 1.45; padding: 6px 10px; background: #f3f6fa;
              border-left: 4px solid #1f5f99; }
.kd-app .kd-summary .widget-html-content { font-size: 18px; line-height: 1.45; }
.kd-notice { font-size: 15px; color: #7a4b00; }
.kd-top-bar { justify-content: flex-end; align-items: center; gap: 16px; }
.kd-lang-switch { align-self: flex-end; font-size: 15px; }
.kd-notice { padding: 4px 10px; background: #fff4dc; border-left: 4px solid #e0a100; }
.kd-data-badge { font-size: 15px; }
.kd-badge-synthetic { color: #8a1c1c; font-weight: bold; }
.kd-assumptions { font-size: 15px; }
.kd-map-legend { font-size: 15px; line-height: 1.35; }
.kd-map-legend .kd-swatch { display: inline-block; width: 18px; height: 12px; border: 1px solid #888;
          margin-right: 6px; }
/* no base map offline: a white ground, so the grey of a suppressed municipality stands out */
.kd-app .leaflet-container { background: #fff; }
.kd-app .kd-map-caption .widget-html-content { white-space: normal; max-width: 300px; line-height: 1.3; }
.kd-app table.kd-table { border-collapse: collapse; font-size: 15px; }
/* issue 17: read from the back of a room: chart text 14 px or more (apps/charts.py), summary 18 px */
.kd-app table.kd-table td, .kd-app table.kd-table th { padding: 2px 8px; text-align: right;
                                                        border-bottom: 1px solid #ddd; }
.kd-app table.kd-table td:first-child, .kd-app table.kd-table th:first-child { text-align: left; }
/* projector mode: everything about a quarter larger, black on white */
.kd-app.kd-projector { font-size: 19px; color: #000; --jp-widgets-font-size: 19px;
          --jp-widgets-inline-height: 36px; --jp-widgets-color: #000; --jp-widgets-label-color: #000;
          --jp-widgets-readout-color: #000; --jp-widgets-input-color: #000; }
.kd-app.kd-projector .widget-label, .kd-app.kd-projector .widget-readout, .kd-app.kd-projector select,
.kd-app.kd-projector input, .kd-app.kd-projector textarea, .kd-app.kd-projector button,
.kd-app.kd-projector .widget-html-content, .kd-app.kd-projector .leaflet-container,
.kd-app.kd-projector small, .kd-app.kd-projector .kd-note, .kd-app.kd-projector h4,
.kd-app.kd-projector table.kd-table, .kd-app.kd-projector .kd-map-legend, .kd-app.kd-projector .kd-notice,
.kd-app.kd-projector .kd-data-badge, .kd-app.kd-projector .kd-assumptions,
.kd-app.kd-projector .kd-lang-switch { font-size: 19px; color: #000; }
.kd-app.kd-projector .kd-summary, .kd-app.kd-projector .kd-summary .widget-html-content { font-size: 24px;
          color: #000; background: #fff; }
.kd-app.kd-projector .kd-summary { border-left: 8px solid #000; }
.kd-app.kd-projector .kd-badge-synthetic { color: #a00000; }
.kd-app.kd-projector table.kd-table td, .kd-app.kd-projector table.kd-table th { border-bottom-color: #555; }
.kd-app.kd-projector .kd-svg line[stroke="#ddd"] { stroke: #888; }
.kd-app.kd-projector .kd-projector-toggle { background: #000; color: #fff; }
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
    return resolve_params(query_params(environ), area, lang, allowed)


def resolve_params(params: dict, area=areas.DEFAULT_AREA, lang: str = "fi",
                   allowed=None) -> tuple[str, str, str | None]:
    """``(area_code, lang, notice)`` from already parsed URL parameters (see :func:`url_params`).

    >>> resolve_params({"area": "9", "lang": "EN"})
    ('KU009', 'en', None)
    """
    lang = normalise_lang(params.get("lang", lang))
    default, _ = resolve_area(area, lang, areas.DEFAULT_AREA, allowed)
    code, notice = resolve_area(params.get("area"), lang, default, allowed)
    return code, lang, notice


def area_label(code: str, lang: str = "fi") -> str:
    """``'Alavieska (KU009)'``, ``'Ylivieskan seutukunta (SK177)'``: the name with its level, and the code."""
    try:
        return f"{areas.official_name(code, lang)} ({code})"
    except InputError:
        return str(code)


def code_from_label(label) -> str:
    """Inverse of :func:`area_label`: the code in the last parentheses, else the text itself."""
    s = str(label or "").strip()
    if s.endswith(")") and "(" in s:
        return s[s.rindex("(") + 1:-1].strip()
    return s


def area_from_text(text, codes) -> str:
    """The area a participant typed in an area box: an option label, a code or a name (SPEC §1).

    ``'Oulu'``, ``'564'``, ``'ku564'`` and ``'Oulu (KU564)'`` all give ``'KU564'``; an area the app
    cannot show, or text that names no area, is an :class:`InputError` (one line, shown as a notice).

    >>> area_from_text("Oulu", ["KU564", "SK177"]), area_from_text(" sk 177 ", ["KU564", "SK177"])
    ('KU564', 'SK177')
    """
    raw = code_from_label(text)
    codes = list(codes)
    code = raw if raw in codes else areas.normalise_area(raw)
    if code not in codes:
        raise InputError(f"area {str(text)[:40]!r}: expected one of the {len(codes)} areas of this app")
    return code


def typed_area(box, text, current: str, codes, lang: str = "fi") -> str | None:
    """What an app's area box names once it shows that area's option label; ``None`` until then.

    A picked option, or a typed name or code + Enter (``"Oulu"`` → ``"Oulu (KU564)"``, issue 17). A text
    that is not yet the option label is replaced by it, which fires the box's handler again, and ``None``
    is returned for this call. Text that names no area of the app puts the box back to ``current`` (the box
    never says one area while the page shows another) and raises :class:`InputError` for the notice.
    """
    text = str(text or "").strip()
    if not text:
        return None
    try:
        code = area_from_text(text, codes)
    except InputError:
        box.value = area_label(current, lang)
        raise
    label = area_label(code, lang)
    if text != label:
        box.value = label
        return None
    return code


def area_options(codes, lang: str = "fi") -> list[str]:
    """Dropdown/Combobox option labels for ``codes``, in the given order."""
    return [area_label(c, lang) for c in codes]


def keep_kernel_logs_on_server(log_file=None) -> None:
    """Send the kernel's log records to a log file on the server, never to the page.

    A kernel's stderr (``sys.stderr`` and, since ipykernel 6, file descriptor 2 as well) is streamed to
    the browser, and Python's last-resort log handler writes there: a ``comm_open`` to an unknown target
    (or a widget model that fails to open) showed every visitor a traceback with the server's paths.
    The records go to ``log_file`` (default ``kernel-errors.log`` beside the insights store); where
    that cannot be written they are dropped. Called when an app module is imported in a kernel.
    """
    path = log_file or paths.insights_db().parent / "kernel-errors.log"
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"))
    except OSError:
        handler = logging.NullHandler()
    handler.setLevel(logging.WARNING)
    logging.lastResort = handler
    for name in ("ipykernel.comm", "Comm"):
        log = logging.getLogger(name)
        log.handlers = [handler]
        log.propagate = False


if "ipykernel" in sys.modules:  # inside a Voilà kernel (not in the CLI or the tests' own process)
    keep_kernel_logs_on_server()


def notice_widget() -> widgets.HTML:
    """An empty notice line (``kd-notice``); fill it with :meth:`BaseApp.show_notice`."""
    w = widgets.HTML("", layout=widgets.Layout(display="none"))
    w.add_class(NOTICE_CLASS)
    return w


def badge_css(prov: dict | None) -> str:
    """The apps' badge class: synthetic (and mixed) data in bold red, real data plain."""
    return "kd-badge-synthetic" if (prov or {}).get("kind") in ("synthetic", "mixed") else "kd-badge-real"


def data_badge(prov: dict | None = None, lang: str = "fi") -> widgets.HTML:
    """The ``kd-data-badge`` widget (SPEC §7): says whether figures are real, synthetic or mixed."""
    prov = prov or dict(provenance.UNKNOWN)
    w = widgets.HTML(provenance.badge_html(prov, lang, badge_css(prov)))
    w.add_class(BADGE_CLASS)
    return w


def csv_download_html(df, filename: str, lang: str = "fi") -> str:
    """An ``<a download>`` link carrying ``df`` as CSV in a ``data:`` URI (works offline, no server route)."""
    payload = base64.b64encode(frame_csv_text(df).encode("utf-8")).decode("ascii")
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
        self.url_state = widgets.HTML("", layout=widgets.Layout(display="none"))
        self.url_state.add_class("kd-url-state")
        self.lang_switch = widgets.HTML("")  # "In English" / "Suomeksi", filled by set_url_state
        self.lang_switch.add_class("kd-lang-switch")
        self.projector = False
        self.projector_toggle = widgets.ToggleButton(value=False, description=t("projector_mode", self.lang),
                                                     tooltip=t("projector_mode_tip", self.lang))
        self.projector_toggle.add_class("kd-projector-toggle")
        self.projector_toggle.observe(self.safe(lambda change: self.set_projector(change["new"])), names="value")
        self.top_bar = widgets.HBox([self.projector_toggle, self.lang_switch])
        self.top_bar.add_class("kd-top-bar")
        self._url_params: dict = {}
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

    def set_url_state(self, params: dict) -> str:
        """Put the view's state in the page URL (the Voilà template copies it with ``history.replaceState``).

        ``params`` in order (empty values left out) plus ``lang``; returns the query string.

        >>> app = BaseApp("fi")
        >>> app.set_url_state({"area": "KU564", "compare": "", "start": 2018})
        'area=KU564&start=2018&lang=fi'
        >>> 'data-query="area=KU564&amp;start=2018&amp;lang=fi"' in app.url_state.value
        True
        """
        self._url_params = dict(params)
        params = {k: v for k, v in params.items() if k != "projector"}
        if self.projector:  # kept in the shared link and across the language switch
            params["projector"] = 1
        pairs = [(k, str(v)) for k, v in params.items() if k != "lang" and v is not None and str(v) != ""]
        query = urlencode([*pairs, ("lang", self.lang)])
        self.url_state.value = f'<span class="kd-url-query" data-query="{html.escape(query, quote=True)}"></span>'
        other = "en" if self.lang == "fi" else "fi"
        switch = urlencode([*pairs, ("lang", other)])
        self.lang_switch.value = (f'<a class="kd-lang-link" href="?{html.escape(switch, quote=True)}" '
                                  f'hreflang="{other}">{html.escape(t("switch_language", self.lang))}</a>')
        return query

    def finish_view(self, children) -> widgets.VBox:
        """The app's top-level box: style, the projector toggle and language switch, notice line, ``children``."""
        self.view = widgets.VBox([self.style, self.url_state, self.top_bar, self.notice, *children])
        self.view.add_class(self.css_class)
        if self.projector:
            self.view.add_class(PROJECTOR_CLASS)
        return self.view

    @property
    def chart_font_px(self) -> int:
        """The size of chart text (ticks, legends) for the current mode."""
        return PROJECTOR_FONT_PX if self.projector else FONT_PX

    def set_projector(self, on: bool) -> None:
        """Projector mode on or off: larger text and stronger contrast (CSS class ``kd-projector``).

        Charts are drawn again with :data:`~kasvudata_utils.apps.charts.PROJECTOR_FONT_PX` text (an app's
        :meth:`refresh`), and the page URL carries ``projector=1`` so a shared link or a reload keeps it.

        >>> app = BaseApp("fi"); _ = app.finish_view([]); app.set_projector(True)
        >>> "kd-projector" in app.view._dom_classes, app.set_url_state({"area": "KU009"})
        (True, 'area=KU009&projector=1&lang=fi')
        """
        on = bool(on)
        if on == self.projector and self.projector_toggle.value == on:
            return
        self.projector = on
        if self.projector_toggle.value != on:
            self.projector_toggle.value = on  # observer calls back here and returns at once
        if on:
            self.view.add_class(PROJECTOR_CLASS)
        else:
            self.view.remove_class(PROJECTOR_CLASS)
        self.on_projector()
        self.set_url_state(self._url_params)

    def on_projector(self) -> None:
        """Redraw what depends on the mode (charts); the apps override this."""

    @classmethod
    def allowed_areas(cls):
        """Area codes the app can show (``None``: any valid code)."""
        return None

    @classmethod
    def from_url(cls, area=areas.DEFAULT_AREA, lang: str = "fi", **kwargs):
        """Build the app from the page URL (``?area=&lang=``), defaults from the notebook's parameters.

        Never raises: an app that cannot be built shows a notice in its place.
        """
        params = query_params()  # the URL is read and parsed once, here
        lang = normalise_lang(params.get("lang", lang))
        try:
            code, lang, notice = resolve_params(params, area, lang, allowed=cls.allowed_areas())
            app = cls(area=code, lang=lang, **kwargs)
        except Exception as exc:
            return ErrorApp(exc, lang)
        if notice:
            app.show_notice(notice)
        if str(params.get("projector", "")).strip().lower() in PROJECTOR_ON:
            try:
                app.set_projector(True)
            except Exception as exc:
                app.fail(exc)
        if hasattr(app, "apply_url"):  # app-specific parameters (the explorer's ?compare=)
            try:
                app.apply_url(params)
            except Exception as exc:
                app.fail(exc)
        return app


class AllowedAreas(set):
    """Areas an app can show: the cache's, and any custom area (``KU009+KU977``) inside the home region.

    The apps compute a custom area on demand (:meth:`kasvudata_utils.apps.cache.AppData.add_areas`).
    """

    def __contains__(self, code) -> bool:
        return set.__contains__(self, code) or (areas.is_custom(code) and areas.contains(areas.HOME_REGION, code))


class ErrorApp(BaseApp):
    """Stand-in shown when an app cannot start (e.g. data not built): one friendly line."""

    def __init__(self, exc: BaseException, lang: str = "fi"):
        super().__init__(lang)
        self.fail(exc)
        self.finish_view([])
