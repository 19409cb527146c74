"""A pipeline stage with a bug, for tests: it raises on every URL that contains ``tomatoes``."""

from __future__ import annotations

from typing import Any


class FailOnTomatoesPipeline:
    def process_item(self, item: Any) -> Any:
        if "tomatoes" in item["url"]:
            raise RuntimeError(f"a bug in a stage, triggered by {item['url']}")
        return item
