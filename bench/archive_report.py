"""The archive benchmark's tables (``bench.archive``): writes, then search per band."""

from __future__ import annotations

from typing import Any

from bench.report import Column, format_table


def report(result: dict[str, Any]) -> str:
    """The run as two plain tables: writes, then search per band."""
    extraction = result["extraction"]
    writes = format_table(
        [
            {
                "name": f"{result['articles']:,} articles",
                **result,
                "extraction_pps": extraction["pages_per_second"],
                "extraction_cpu_pps": extraction["pages_per_cpu_second"],
            }
        ],
        [
            Column("records", "records", "{:,}", width=8),
            Column("rec/s", "records_per_second", "{:.0f}", width=6),
            Column("first 10%/s", "head_records_per_second", "{:.0f}", width=11),
            Column("last 10%/s", "tail_records_per_second", "{:.0f}", width=10),
            Column("bytes/article", "bytes_per_article", "{:,.0f}", width=13),
            Column("extract p/s", "extraction_pps", "{:.1f}", width=11),
            Column("write/extract", "write_to_extraction", "x{:.0f}", width=13),
            Column("CPU: rec/s", "records_per_cpu_second", "{:.0f}", width=10),
            Column("extract p/s", "extraction_cpu_pps", "{:.1f}", width=11),
            Column("write/extract", "cpu_write_to_extraction", "x{:.0f}", width=13),
        ],
        name_width=18,
    )
    search = search_table(result["search"])
    notes = (
        f"{result['articles']:,} articles ({result['copies']:,} copies of another site's story, "
        f"{result['updates']:,} corrected re-fetches) in batches of {result['batch']}: "
        f"{result['write_seconds']:.1f} s in store_articles, {result['elapsed_seconds']:.1f} s "
        f"with generation; {result['clustered']:,} articles clustered, "
        f"{result['revisions']:,} revisions.\n"
        f"Extraction: {extraction['source']}."
    )
    if result.get("packed"):
        per_record = 1000 * result["pack_cpu_seconds"] / max(1, result["records"])
        notes += (
            f"\nPacked beforehand, as extraction workers do (signing, compressing): "
            f"{per_record:.2f} ms of CPU a record, not in the write's time."
        )
    return f"{writes}\n\n{search}\n\n{notes}"


def search_table(search: dict[str, dict[str, Any]]) -> str:
    """One row per band and query: wall and CPU milliseconds, the fewest rows a word found."""
    return format_table(
        [
            {"name": band, **figures, "share": "{:.3%}-{:.3%}".format(*figures["band"])}
            for band, figures in search.items()
        ],
        [
            Column("terms", "terms", "{}", width=5),
            Column("in articles", "share", "{}", width=16),
            Column("median ms", "median_ms", "{:.2f}", width=9),
            Column("p95 ms", "p95_ms", "{:.2f}", width=8),
            Column("CPU median", "cpu_median_ms", "{:.2f}", width=10),
            Column("CPU p95", "cpu_p95_ms", "{:.2f}", width=8),
            Column("min rows", "min_rows", "{}", width=8),
        ],
        name_width=18,
    )
