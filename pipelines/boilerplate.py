"""Stage 1: turn the fetched page into article fields, leaving the page's boilerplate behind.

The work is ``crawler.extract.extract_article`` (metadata + trafilatura + lifting captions,
credits and date lines out of the text); this stage only adapts it to items.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from crawler.extract.article import extract_article


class StripBoilerplatePipeline:
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        page = adapter["page"]
        record = extract_article(
            page.text, page.url, site_name=adapter.get("site_name"), hints=page.hints
        )
        for name, value in record.items():
            adapter[name] = value
        return item
