"""A chart of articles per day by site, drawn on the server as SVG at ``/DB/-/articles-per-day``.

The archive is often read offline, so no part of a page may come from the internet. The chart
plugins on PyPI were checked: datasette-vega (0.6.2, 2018) bundles Vega but is a chart builder
that asks each visitor to pick the columns; datasette-dashboards (0.8.0) bundles Vega too but
requires datasette-render-markdown (a plugin that renders stored markdown as HTML, which we
never allow on scraped text) and datasette-leaflet, with about 800 kB of JavaScript; and
datasette-plot is, like datasette-vega, a builder. A stacked bar chart is a few rectangles, so
this module draws it from the ``articles_per_day`` canned query with no JavaScript at all;
every label is escaped by markupsafe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup
from pluggy import HookimplMarker

if TYPE_CHECKING:
    from collections.abc import Iterable

    from datasette.app import Datasette
    from datasette.utils.asgi import Request

# Datasette's own marker, made from typed pluggy: ``datasette.hookimpl`` is untyped for mypy.
hookimpl = HookimplMarker("datasette")

# Distinct colours that stay apart for readers with the common colour-vision deficiencies
# (Okabe and Ito's palette); sites past eight reuse them.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000")
WIDTH, HEIGHT = 1000, 320
RIGHT = 30
LEFT, BOTTOM, TOP = 40, 40, 10
DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Day:
    """One bar: a day and its articles per site."""

    day: date
    counts: dict[str, int]


def days_of(rows: Iterable[dict[str, Any]]) -> list[Day]:
    """Every day from the first to the last of ``rows`` (site, day, articles), gaps as zero."""
    per_day: dict[date, dict[str, int]] = {}
    for row in rows:
        per_day.setdefault(date.fromisoformat(row["day"]), {})[row["site"]] = row["articles"]
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    span = (last - first).days + 1
    return [Day(first + timedelta(n), per_day.get(first + timedelta(n), {})) for n in range(span)]


def nice_top(value: int) -> int:
    """The y axis' top: ``value`` rounded up to 1, 2 or 5 times a power of ten."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def colours_of(sites: list[str]) -> dict[str, str]:
    """Each site's colour, in the order of ``sites``."""
    return {site: PALETTE[n % len(PALETTE)] for n, site in enumerate(sites)}


def svg_chart(days: list[Day], sites: list[str]) -> Markup:
    """A stacked bar chart of ``days``, one colour per site, as inline SVG."""
    top = nice_top(max((sum(day.counts.values()) for day in days), default=1) or 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    bar_w = plot_w / max(len(days), 1)
    gap = 1 if bar_w >= 4 else 0  # on a long span, bars touch rather than vanish
    width = max(bar_w - 2 * gap, 1)
    colour = colours_of(sites)
    parts = [
        Markup(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="chart-title">'
            '<title id="chart-title">Articles per day by site</title>'
        ).format(WIDTH, HEIGHT)
    ]
    for tick in sorted({0, top // 2, top}):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(
            Markup(
                '<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>'
                '<text class="tick" x="{}" y="{:.1f}" text-anchor="end">{}</text>'
            ).format(LEFT, WIDTH - RIGHT, y, y, LEFT - 6, y + 4, tick)
        )
    label_every = max(1, len(days) // 10)
    for n, day in enumerate(days):
        x = LEFT + n * bar_w
        y = TOP + plot_h
        for site in sites:
            count = day.counts.get(site, 0)
            if not count:
                continue
            height = plot_h * count / top
            y -= height
            parts.append(
                Markup(
                    '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}">'
                    "<title>{} {}: {}</title></rect>"
                ).format(x + gap, y, width, height, colour[site], day.day, site, count)
            )
        if n % label_every == 0 and x < WIDTH - RIGHT - 40:  # a label fits
            parts.append(
                Markup('<text class="day" x="{:.1f}" y="{}">{}</text>').format(
                    x + 1, HEIGHT - BOTTOM + 16, day.day.strftime("%b %d")
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def days_param(request: Request) -> int:
    """The ``days`` parameter, bounded; the default when missing or not a number."""
    try:
        days = int(request.args.get("days") or DEFAULT_DAYS)
    except ValueError:
        return DEFAULT_DAYS
    return min(max(days, 1), MAX_DAYS)


async def chart_page(datasette: Datasette, request: Request) -> Response:
    """The chart page for the database in the URL."""
    from crawler.datasette import ARTICLES_PER_DAY_SQL

    name = request.url_vars["database"]
    try:
        database = datasette.get_database(name)
    except KeyError:
        raise NotFound(f"Database not found: {name}") from None
    await datasette.ensure_permissions(
        request.actor,
        [("view-query", (name, "articles_per_day")), ("view-database", name), "view-instance"],
    )
    days = days_param(request)
    result = await database.execute(ARTICLES_PER_DAY_SQL, {"days": str(days)})
    rows = [dict(row) for row in result.rows]
    bars = days_of(rows)
    sites = sorted({row["site"] for row in rows})
    return Response.html(
        await datasette.render_template(
            "home_chart.html",
            {
                "database": name,
                "days": days,
                "bars": bars,
                "sites": sites,
                "colours": colours_of(sites),
                "chart": svg_chart(bars, sites) if bars else None,
                "total": sum(row["articles"] for row in rows),
            },
            request=request,
        )
    )


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """``/DB/-/articles-per-day``."""
    return [(r"^/(?P<database>[^/]+)/-/articles-per-day$", chart_page)]
