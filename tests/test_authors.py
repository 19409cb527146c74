from __future__ import annotations

from lxml.html import document_fromstring

from crawler.extract.metadata import read_metadata


def authors_of(head: str = "", body: str = "", url: str = "https://gazette.example/a") -> tuple:
    found = read_metadata(
        document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>"), url
    )
    return found.values.get("authors"), found.sources.get("authors")


def ld(author: str, extra: str = "") -> str:
    return (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        f'{{"@type": "NewsArticle", "headline": "H", "author": {author}}}{extra}]}}</script>'
    )


def test_jsonld_author_list_of_objects() -> None:
    head = ld('[{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "Ann Lee"}]')
    assert authors_of(head) == (["Jane Doe", "Ann Lee"], "json-ld")


def test_jsonld_author_referenced_by_id_in_graph() -> None:
    head = ld('{"@id": "#jane"}', ', {"@type": "Person", "@id": "#jane", "name": "Jane Doe"}')
    assert authors_of(head)[0] == ["Jane Doe"]


def test_and_in_the_page_language_splits_two_names() -> None:
    assert authors_of(body='<p class="byline">Von Anna Berg und Max Roth</p>')[0] == [
        "Anna Berg",
        "Max Roth",
    ]


def test_role_and_credentials_are_not_names() -> None:
    head = ld('{"@type": "Person", "name": "Dana Reed, MS, RD"}')
    assert authors_of(head)[0] == ["Dana Reed"]
    assert authors_of(body='<span class="author">Jane DoeStaff Writer</span>')[0] == ["Jane Doe"]


def test_bracketed_initials_and_glued_date_are_dropped() -> None:
    body = '<div class="byline">By Jane Doe (jd)Published on May 3, 2025</div>'
    assert authors_of(body=body)[0] == ["Jane Doe"]


def test_email_and_profile_url_are_not_names() -> None:
    head = (
        '<meta name="author" content="https://social.example/jane">'
        '<meta name="author" content="Jane Doe jane@gazette.example">'
    )
    assert authors_of(head)[0] == ["Jane Doe"]


def test_site_name_yields_to_a_person_in_the_byline() -> None:
    head = '<meta property="og:site_name" content="The Gazette">' + ld(
        '{"@type": "Organization", "name": "The Gazette"}'
    )
    body = '<a href="/author/jane-doe">Jane Doe</a>'
    assert authors_of(head, body) == (["Jane Doe"], "html:author-link")


def test_trending_box_bylines_are_not_read() -> None:
    body = (
        '<div class="trending"><span class="byline">By Other Person</span></div>'
        '<span class="byline">By Jane Doe</span>'
    )
    assert authors_of(body=body)[0] == ["Jane Doe"]


def test_itemprop_author_reads_the_name_inside() -> None:
    body = (
        '<div itemprop="author"><img alt=""><span itemprop="name">Jane Doe</span>'
        "<span>Senior Reporter</span></div>"
    )
    assert authors_of(body=body) == (["Jane Doe"], "html:itemprop-author")


def test_card_label_written_by_names_the_author() -> None:
    head = (
        '<meta name="twitter:label1" content="Written by">'
        '<meta name="twitter:data1" content="Jane Doe">'
    )
    assert authors_of(head) == (["Jane Doe"], "meta:author")


def test_organization_author_yields_to_a_person_in_the_byline() -> None:
    head = ld('{"@type": "Organization", "name": "Harbor Health Clinic"}')
    body = '<span class="byline">By Jane Doe</span>'
    assert authors_of(head, body) == (["Jane Doe"], "html:byline")


def test_places_after_the_site_name_are_not_people() -> None:
    head = (
        '<meta property="og:site_name" content="Gazette">'
        '<meta name="author" content="Gazette, Springfield, Ohio">'
    )
    assert authors_of(head)[0] == ["Gazette"]


def test_agency_alone_is_kept_when_no_person_is_named() -> None:
    assert authors_of(body='<span class="byline">AFP</span>')[0] == ["AFP"]
