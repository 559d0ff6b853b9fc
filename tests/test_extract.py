"""Tests for classifier.extract: decoding bodies in every odd encoding,
visible-text extraction from HTML (kept and dropped parts, broken and
hostile markup, caps on huge pages), JSON and plain-text bodies."""

import codecs
import json
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import extract
from classifier.extract import (
    LINK_END,
    LINK_START,
    MAX_PASSAGE_CHARS,
    MIN_PASSAGE_CHARS,
    PageText,
    decode_body,
    extract_page,
    extract_text,
    passages_from_blocks,
)
from classifier.normalize import normalize_text

FRENCH = "Les élèves ont mangé à la cantine, ça coûte 5 € — très cher !"
ARABIC = "ذهب الأطفال إلى المدرسة في الصباح الباكر مع أصدقائهم"
LONG_PARAGRAPH = "Ce paragraphe parle des devoirs du soir et des écrans à la maison. " * 5


def page_text(page: PageText) -> str:
    return "\n".join(page.all_passages())


# ---------------------------------------------------------------- decoding


def test_utf8_with_declared_charset():
    assert decode_body(ARABIC.encode(), "text/html; charset=UTF-8") == ARABIC


def test_utf8_without_any_declaration():
    assert decode_body(FRENCH.encode(), "text/html") == FRENCH
    assert decode_body(ARABIC.encode(), None) == ARABIC


def test_declared_cp1256_arabic():
    assert decode_body(ARABIC.encode("cp1256"), "text/html; charset=windows-1256") == ARABIC


def test_undeclared_cp1256_arabic_is_detected():
    assert decode_body(ARABIC.encode("cp1256"), "text/html") == ARABIC


def test_declared_latin1_is_read_as_windows_1252():
    # "latin-1" pages use windows-1252's €, — and œ, as browsers assume.
    assert decode_body(FRENCH.encode("cp1252"), "text/html; charset=ISO-8859-1") == FRENCH


def test_undeclared_cp1252_french_is_detected():
    text = "Le château était très beau et les élèves étaient ravis de la journée à la mer."
    assert decode_body(text.encode("cp1252"), None) == text


def test_charset_from_meta_tag():
    html = '<html><head><meta charset="windows-1256"><title>' + ARABIC + "</title>"
    assert ARABIC in decode_body(html.encode("cp1256"), "text/html")


def test_charset_from_meta_http_equiv():
    html = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-6"><p>مرحبا بكم</p>'
    assert "مرحبا بكم" in decode_body(html.encode("iso-8859-6"), None)


def test_charset_from_xml_declaration():
    xml = '<?xml version="1.0" encoding="windows-1256"?><rss><title>' + ARABIC + "</title></rss>"
    assert ARABIC in decode_body(xml.encode("cp1256"), "application/rss+xml")


def test_wrong_declared_charset_utf8_arabic_labelled_latin1():
    assert decode_body(ARABIC.encode(), "text/html; charset=iso-8859-1") == ARABIC


def test_wrong_declared_charset_cp1252_labelled_utf8():
    text = "Élève très sûr de lui, à l'école comme à la maison, où il réussit tout."
    assert decode_body(text.encode("cp1252"), "text/html; charset=utf-8") == text


def test_unknown_charset_name_falls_through():
    assert decode_body(FRENCH.encode(), "text/html; charset=x-no-such-charset") == FRENCH


@pytest.mark.parametrize("label", ["base64", "rot13", "utf-7", "undefined", "hex", "zlib"])
def test_non_text_or_refused_codecs_fall_through(label):
    assert decode_body(FRENCH.encode(), f"text/html; charset={label}") == FRENCH


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_byte_order_marks(codec):
    body = FRENCH.encode(codec)
    if not body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        body = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[codec] + body
    assert decode_body(body, "text/html; charset=iso-8859-1") == FRENCH


def test_utf16_without_bom_is_detected():
    text = "hello world, ça va ? " * 10
    assert decode_body(text.encode("utf-16-le"), None) == text


def test_truncated_utf8_at_the_end_is_tolerated():
    body = ARABIC.encode()[:-1]  # a body cut at the proxy's size cap
    assert decode_body(body, "text/html; charset=utf-8") == ARABIC[:-1]


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00" * 100, bytes(range(256)) * 20, b"\xff\xfe\xfd" * 1000, b"\x80" * 5000, b"\xc3\x28" * 500],
)
@pytest.mark.parametrize("content_type", [None, "text/html", "text/plain; charset=utf-8", "text/html; charset=;;"])
def test_binary_junk_never_raises(body, content_type):
    assert isinstance(decode_body(body, content_type), str)
    assert isinstance(extract_text(body, content_type), PageText)


_CONTENT_TYPES = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.sampled_from(["text/html", "application/json", "text/plain", "text/css", "application/octet-stream"]).map(
        lambda mime: f"{mime}; charset=utf-8"
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), _CONTENT_TYPES)
def test_decoding_and_extraction_never_raise(body, content_type):
    assert isinstance(decode_body(body, content_type), str)
    assert isinstance(extract_text(body, content_type), PageText)


# ---------------------------------------------------------------- HTML

PAGE = f"""<!doctype html>
<html><head>
<title>Forum des parents</title>
<meta name="description" content="Conseils sur les écrans">
<meta name="keywords" content="écrans, enfants">
<meta property="og:description" content="Le forum des familles">
<style>body {{ color: red }} .secret {{ content: "style text" }}</style>
<script>var hidden = "<p>script text</p>";</script>
<link rel="stylesheet" href="x.css">
</head>
<body class="has-sidebar">
<header class="site-header"><nav><a href="/">Accueil</a> <a href="/menu">Menu principal</a></nav></header>
<div id="cookie-consent">Nous utilisons des cookies</div>
<ul class="breadcrumb"><li>Accueil</li><li>Forum</li></ul>
<div class="main-menu"><ul><li><a href="/s">Sports</a></li><li><a href="/j"><img src="j.png" alt="Jeux vidéo"></a></li></ul></div>
<main><article>
<header><h1>Combien de temps d'écran ?</h1></header>
<p>{LONG_PARAGRAPH}</p>
<h2>Les <em>bons</em> réflexes</h2>
<p>Posez des règles claires. <img src="a.png" alt="une famille à table"></p>
<h4>Petit détail</h4>
<div class="menu"><p>Menu du jour : couscous aux légumes, 45 DH</p><p>Voir <a href="/carte">la carte</a></p></div>
<noscript>noscript text</noscript>
<template><p>template text</p></template>
<svg><text>svg text</text><title>svg title</title></svg>
<!-- comment text -->
<select><option>option text</option></select>
<div style="display: none">hidden text</div>
<footer>Article publié lundi</footer>
</article></main>
<aside>Publicité voisine</aside>
<footer class="site-footer">Mentions légales</footer>
</body></html>"""


@pytest.fixture(scope="module")
def page():
    return extract_page(PAGE)


def test_title_and_meta_are_kept(page):
    assert page.title == "Forum des parents"
    assert page.meta == "Conseils sur les écrans Le forum des familles écrans, enfants"


def test_headings_h1_to_h3_are_kept(page):
    assert page.headings == ["Combien de temps d'écran ?", "Les bons réflexes"]


def test_body_text_and_alt_text_are_kept(page):
    text = page_text(page)
    assert LONG_PARAGRAPH.strip() in text
    assert "Posez des règles claires. une famille à table" in text
    assert "Petit détail" in text
    assert "Menu du jour : couscous aux légumes, 45 DH\nVoir la carte" in text  # a "menu" that is not links
    assert "Article publié lundi" in text  # an article's own footer


@pytest.mark.parametrize(
    "dropped",
    [
        "script text",
        "style text",
        "noscript text",
        "template text",
        "svg text",
        "svg title",
        "comment text",
        "option text",
        "hidden text",
        "Accueil",
        "Menu principal",
        "Sports",
        "Jeux vidéo",
        "cookies",
        "Forum\n",
        "Publicité",
        "Mentions légales",
    ],
)
def test_invisible_and_boilerplate_parts_are_dropped(page, dropped):
    assert dropped not in page_text(page) + "\n"


def test_thin_page_falls_back_to_its_boilerplate():
    html = '<div class="nav-wrapper"><p>Tout le contenu est dans un conteneur mal nommé</p></div>'
    assert extract_page(html).passages == ["Tout le contenu est dans un conteneur mal nommé"]


def test_anti_flicker_hidden_body_is_still_read():
    html = '<html style="display:none"><body style="display:none"><p>Texte visible après chargement</p>'
    assert extract_page(html).passages == ["Texte visible après chargement"]


def test_og_title_stands_in_for_a_missing_title():
    html = '<meta property="og:title" content="Titre OG"><p>corps</p>'
    assert extract_page(html).title == "Titre OG"


def test_entities_are_decoded():
    page = extract_page("<p>Tom &amp; Jerry &lt;3 caf&eacute; &#1605;&#x631;</p>")
    assert page.passages == ["Tom & Jerry <3 café مر"]


def test_formatting_tags_inside_words_do_not_split_them():
    assert extract_page("<p>p<b></b>o<i>r</i>n, caf<em>é</em>, H<sub>2</sub>O</p>").passages == ["porn, café, H2O"]


def test_spans_and_links_side_by_side_are_separate_words():
    html = "<p><span>Sexy</span><span>Girls</span> <a href=/t>Teen</a><a href=/m>Milf</a></p>"
    assert extract_page(html).passages == ["Sexy Girls Teen Milf"]
    spelled = extract_page("<h1><span>p</span><span>o</span><span>r</span><span>n</span></h1>").passages
    assert normalize_text(spelled[0]) == "porn"


def test_weighted_text_repeats_title_and_meta(page):
    weighted = page.weighted_text()
    assert weighted.count("Forum des parents") == 2
    assert weighted.count("Conseils sur les écrans") == 2
    assert weighted.count("Les bons réflexes") == 2  # headings list + passages
    assert weighted.endswith(page.passages[-1])


def test_all_passages_starts_with_title_and_meta(page):
    passages = page.all_passages()
    assert passages[0] == "Forum des parents\n" + page.meta
    assert passages[1:] == page.passages
    assert PageText(passages=["x"]).all_passages() == ["x"]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Unclosed <div>deep <b>bold", "Unclosed\ndeep bold"),
        ("<html><head><title>T</title><p>Body without body tag", "T\nBody without body tag"),
        ("<p>text</p><div", "text"),
        ('<p>text</p><a href="unterminated', "text"),
        ("<p>text</p><!-- unterminated comment", "text"),
        ("<p>text</p><script>never closed", "text"),
        ("</div></p></body></span>text after stray end tags", "text after stray end tags"),
        ("<p>text<p>second<p>third", "text\nsecond\nthird"),
        ("<<<<>>>> text <3 x < y", ">>>> text 3 x y"),
        ("<p>text</p><![CDATA[ unterminated", "text"),
        ("<p>text</p><!DOCTYPE", "text"),
        ("<p>text</p><?php echo 1", "text"),
        ("<p>text</p>&#", "text"),
        ("<ul><li>one<li>two<li>three</ul>", "one\ntwo\nthree"),
        ("<table><tr><td>cell<td>cell</table>", "cell\ncell"),
        ("\x00<p>\x00nul\x00</p>", "\x00nul\x00"),
    ],
)
def test_broken_html_never_raises_and_keeps_text(html, expected):
    assert page_text(extract_page(html)) == expected


def test_truncated_page_keeps_what_came_before():
    full = PAGE
    for cut in range(0, len(full), 97):
        extract_page(full[:cut])  # never raises
    assert LONG_PARAGRAPH.strip() in page_text(extract_page(full[: full.index("<h2>")]))


def test_deep_nesting_does_not_crash():
    html = "<p>avant</p>" + "<div>" * 100_000 + "milieu" + "</div>" * 100_000
    page = extract_page(html)
    assert page.passages[0].startswith("avant")


def test_deep_unclosed_nesting_does_not_crash():
    assert extract_page("<p>avant</p>" + "<div><span><b>" * 100_000).passages == ["avant"]


def test_huge_attribute_does_not_hide_the_text():
    html = '<div data-blob="' + "x" * 300_000 + '"><p>après</p></div><img alt="' + "a" * 100_000 + '">'
    assert extract_page(html).passages[0].startswith("après")


@pytest.mark.parametrize(
    "hostile",
    [
        "<a " * 50_000,
        "<" * 200_000,
        "</" * 100_000,
        "<!" * 100_000,
        "<?" * 100_000,
        "&" * 200_000,
        "&#" * 100_000,
        '<a href="' * 50_000,
        "<p " + "a=b " * 50_000 + ">x</p>",
        "<![CDATA[" * 20_000,
        "<script>" * 50_000,
        "<head>" * 50_000 + "<p>x",
    ],
)
def test_hostile_markup_never_raises(hostile):
    assert isinstance(extract_page("<p>début</p>" + hostile), PageText)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/!-?&;#=\"' abcpdivh1scrtmenu") + ["é", "ب", "\x00"]), max_size=400))
def test_extract_never_raises(html):
    page = extract_page(html)
    assert all(isinstance(passage, str) and passage for passage in page.passages)
    assert LINK_START not in page.weighted_text() and LINK_END not in page.weighted_text()


_MARKUP_BITS = st.sampled_from([
    "<script>var a = '<p>x</p>';</script>", "<!-- note -->", "<!--", "-->", "<style>", "</style>", "<scr", "ipt>",
    "<template>", "</template>", "<svg/>", "<p>", "</p>", "<b>é</b>", "<div class='menu'>", "</div>",
    '<a href="/x">', "</a>", "&amp;", "<", ">", " ", "mot ", "ب ", LONG_PARAGRAPH,
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_MARKUP_BITS, max_size=80))
def test_looking_for_hidden_elements_window_by_window_reads_the_same_page(bits):
    html = "".join(bits)
    whole = (list(extract._pieces_between_hidden_blobs(html)), extract_page(html), extract_page(html, 300))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(extract, "_BLOB_SEARCH_CHARS", 24)  # many windows, starts cut off at their ends
        windowed = (list(extract._pieces_between_hidden_blobs(html)), extract_page(html), extract_page(html, 300))
    assert "".join(windowed[0]) == "".join(whole[0])
    assert windowed[1:] == whole[1:]


def test_a_big_page_is_read_in_pieces_from_its_start():
    html = "<p>" + LONG_PARAGRAPH * 10_000 + "</p><script>x</script><p>fin</p>"
    first = next(extract._pieces_between_hidden_blobs(html))
    assert html.startswith(first) and 0 < len(first) <= extract._BLOB_SEARCH_CHARS
    assert list(islice(extract._pieces_between_hidden_blobs(html), 10_000))[-1] == "<p>fin</p>"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<ul class="menu"><li><a href="/">Accueil</a></li><li><a href="/c">Contact</a></li></ul>', []),
        ('<nav class="x"><p>Texte dans un vrai élément nav</p></nav>', []),
        ('<div id="navbar">Bienvenue <a href="/">ici</a></div>', ["Bienvenue ici"]),
        ('<div class="menu"><div class="nav"><a href="/">Lien</a></div><p>Prix : 10 DH</p></div>', ["Prix : 10 DH"]),
        ('<div class="menu"><p>Page tronquée dans un menu sans fin', ["Page tronquée dans un menu sans fin"]),
    ],
)
def test_elements_named_menu_or_nav_are_dropped_only_when_mostly_links(html, expected):
    article = "<article><p>" + LONG_PARAGRAPH + "</p></article>"  # enough text for no thin-page fallback
    after_article = page_text(extract_page(article + html)).split(LONG_PARAGRAPH.strip())[1]
    assert after_article.split("\n")[1:] == expected


def test_two_megabyte_page_is_capped():
    paragraph = "<div class='post'><p>" + "Un message de forum assez long pour remplir la page. " * 8 + "</p></div>"
    html = "<html><body>" + paragraph * (2_000_000 // len(paragraph)) + "</body></html>"
    page = extract_page(html, max_chars=50_000)
    collected = sum(len(p) - p.count("\n") for p in page.passages)
    assert 45_000 <= collected <= 50_000
    assert sum(map(len, extract_page(html).passages)) > 190_000  # default cap: 200,000


def test_passages_are_paragraph_sized():
    blocks = ["court"] * 30 + ["Une phrase moyenne qui se termine ici. " * 60] + ["x" * 3000]
    passages = passages_from_blocks(blocks)
    assert all(len(p) <= MAX_PASSAGE_CHARS for p in passages)
    # A passage is short only when the next one could not take it in.
    for passage, following in zip(passages, passages[1:]):
        assert len(passage) >= MIN_PASSAGE_CHARS or len(passage) + len(following) > MAX_PASSAGE_CHARS
    assert "".join(passages).replace("\n", "").replace(" ", "") == "".join(blocks).replace(" ", "")


def test_long_text_is_cut_at_sentence_ends():
    passages = passages_from_blocks(["Première phrase assez longue pour compter. " * 40])
    assert all(p.endswith(".") for p in passages)


# ---------------------------------------------------------------- other bodies


def test_json_string_values_are_extracted_and_keys_skipped():
    body = json.dumps(
        {
            "title": "Un titre de vidéo",
            "items": [{"comment": "مرحبا بكم", "likes": 3, "url": "https://example.org/x"}],
            "token": "eyJhbGciOiJIUzI1NiJ9" * 5,
        },
        ensure_ascii=True,
    ).encode()
    page = extract_text(body, "application/json")
    assert page.passages == ["Un titre de vidéo\nمرحبا بكم"]


def test_deeply_nested_json_is_read_without_recursion():
    body = ('{"a":' * 100_000 + '"au fond du document"' + "}" * 100_000).encode()
    assert extract_text(body, "application/json").passages == ["au fond du document"]


def test_truncated_and_broken_json():
    assert extract_text(b'{"a": "premier", "b": "deuxi\\u00e8me", "c": "coup', "application/json").passages == [
        "premier\ndeuxième"
    ]
    assert extract_text(b'["bad \\escape here", 1, ', "text/json").passages == ["bad \\escape here"]


def test_json_is_capped():
    body = json.dumps(["une valeur de texte"] * 100_000).encode()
    collected = sum(map(len, extract_text(body, "application/json", max_chars=10_000).passages))
    assert collected < 12_000


def test_plain_text_is_split_into_paragraphs():
    body = "Premier paragraphe.\nSuite du premier.\n\n\nDeuxième paragraphe.".encode()
    page = extract_text(body, "text/plain; charset=utf-8")
    assert page.passages == ["Premier paragraphe. Suite du premier.\nDeuxième paragraphe."]
    assert page.title == page.meta == ""


def test_content_type_dispatch_and_sniffing():
    html = b"<html><title>T</title><p>corps</p></html>"
    assert extract_text(html, "text/html; charset=utf-8").title == "T"
    assert extract_text(html, "application/xhtml+xml").title == "T"
    assert extract_text(html, None).title == "T"
    assert extract_text(b'{"k": "valeur"}', None).passages == ["valeur"]
    assert extract_text(b"juste du texte", "application/octet-stream").passages == ["juste du texte"]
    assert extract_text(b"body { color: red }", "text/css") == PageText()
