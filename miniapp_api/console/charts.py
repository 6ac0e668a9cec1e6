"""Dashboard charts as inline SVG rendered by pygal: no JavaScript, readable offline and in screenshots.

Every chart is paired with a data table on the page (screen readers and printouts read the table).
"""

from __future__ import annotations

from functools import cache

from markupsafe import Markup

from miniapp_api.console import messages


@cache
def _common() -> dict:
    """pygal (~1 MB a process) is imported by the first chart drawn, not by every web worker."""
    from pygal.style import Style

    style = Style(
        background="white", plot_background="white", foreground="#1f2937", foreground_strong="#111827",
        foreground_subtle="#6b7280", colors=("#1d4ed8", "#b91c1c", "#047857", "#b45309"),
        font_family="'WenQuanYi Zen Hei', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
        label_font_size=13, major_label_font_size=13, legend_font_size=14, title_font_size=16,
        value_font_size=12, no_data_font_size=20)
    return dict(style=style, js=[], disable_xml_declaration=True, width=720, height=320, explicit_size=False,
                legend_at_bottom=True, print_values=False, show_y_guides=True, x_label_rotation=0,
                truncate_legend=-1, no_data_text=messages.NO_DATA)


def _has_data(series: dict[str, list[float | None]]) -> bool:
    """A chart of nothing but zeros and gaps says 暂无数据 instead of drawing axes of 0.1 and 0.1 %."""
    return any(value for values in series.values() for value in values)


def _svg(chart, label: str) -> Markup:
    svg = chart.render(is_unicode=True)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))


def bars(title: str, labels: list[str], series: dict[str, list[float | None]], *, percent: bool = False,
         stacked: bool = False) -> Markup:
    import pygal

    chart = (pygal.StackedBar if stacked else pygal.Bar)(title=title, **_common())
    if percent:
        chart.range = (0, 100)
        chart.value_formatter = lambda v: f"{v:.1f}%"
    if _has_data(series):
        chart.x_labels = labels
        for name, values in series.items():
            chart.add(name, values)
    return _svg(chart, title)


def lines(title: str, labels: list[str], series: dict[str, list[float | None]], *, unit: str = "") -> Markup:
    import pygal

    chart = pygal.Line(title=title, **_common())
    chart.value_formatter = lambda v: f"{v:g}{unit}"
    if _has_data(series):
        chart.x_labels = labels
        for name, values in series.items():
            chart.add(name, values)
    return _svg(chart, title)
