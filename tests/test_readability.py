"""Reading grades of articles: what is read, allowed terms, hardest paragraphs and findings."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from b12site.config import load_config
from b12site.content import read_source
from b12site.errors import WARNING
from b12site.models import RenderedArticle
from b12site.readability import (
    READING_GRADE,
    Counts,
    HardParagraph,
    Readability,
    ReadabilitySettings,
    counts,
    readability,
    readability_findings,
)
from b12site.stage import render_source
from tests.conftest import TODAY, SiteMaker, article_text, front_matter

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted((REPO / "content").glob("*.md"))

PLAIN = (
    "Your body needs B12 to stay well. You get it from food like meat, fish, eggs and milk. "
    "If you do not eat these foods, you may need to take a tablet.\n\n"
    "Low B12 can make you feel tired. It can also give you pins and needles in your hands "
    "and feet. A blood test can tell if your level is low. Ask your doctor if you are "
    "worried.\n"
)
JARGON = (
    "The pathophysiology of cobalamin malabsorption encompasses autoimmune atrophic "
    "gastritis, intrinsic factor antibody formation and consequent ileal receptor "
    "dysfunction, culminating in haematological and neurological manifestations. "
    "Hyperhomocysteinaemia and methylmalonic aciduria constitute sensitive, though "
    "nonspecific, biochemical indicators of intracellular cobalamin insufficiency.\n"
)
JARGON_TERMS = (
    "cobalamin",
    "pathophysiology",
    "malabsorption",
    "autoimmune atrophic gastritis",
    "intrinsic factor",
    "haematological",
    "neurological",
    "hyperhomocysteinaemia",
    "methylmalonic aciduria",
)


def render(root: Path, name: str = "a.md", today: date = TODAY) -> RenderedArticle:
    """One article of a site, validated and rendered as the build does it."""
    config = load_config(root / "site.yaml")
    doc = render_source(read_source(root / "content" / name, "article", config.root), config, today)
    assert isinstance(doc, RenderedArticle)
    return doc


def article(make_site: SiteMaker, body: str, **meta: object) -> RenderedArticle:
    """A rendered article with the given body and front matter changes."""
    return render(make_site({"a.md": article_text(front_matter(**meta), body)}))


def line_in_file(doc: RenderedArticle, text: str) -> int:
    """The line number of the first line of an article's file that holds ``text``."""
    lines = doc.article.source.path.read_text("utf-8").split("\n")
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_plain_english_scores_low_and_gives_no_finding(make_site: SiteMaker) -> None:
    doc = article(make_site, PLAIN)
    settings = ReadabilitySettings(target_grade=8)
    result = readability(doc, settings)
    assert result.grade < 5
    assert 0 < result.second_grade < 9
    assert result.words > 60
    assert readability_findings(doc, settings, result) == []


def test_dense_jargon_gives_a_finding_at_its_hardest_paragraph(make_site: SiteMaker) -> None:
    intro = PLAIN.split("\n\n")[0]
    doc = article(make_site, f"{intro}\n\n## Mechanism\n\n{JARGON}")
    settings = ReadabilitySettings(target_grade=8)
    result = readability(doc, settings)
    assert result.grade > 8
    top = result.hardest[0]
    assert top.field == "body"
    assert top.line == line_in_file(doc, "The pathophysiology of cobalamin")
    assert top.excerpt.startswith("The pathophysiology of cobalamin malabsorption")
    assert len(top.excerpt) <= 81 and top.excerpt.endswith("\u2026")
    assert top.grade > 15
    assert [p.grade for p in result.hardest] == sorted(
        (p.grade for p in result.hardest), reverse=True
    )
    (problem,) = readability_findings(doc, settings, result)
    assert problem.rule == READING_GRADE.id == "reading-grade"
    assert problem.severity == READING_GRADE.severity == WARNING
    assert (problem.path, problem.line, problem.field) == (
        doc.article.source.display,
        top.line,
        "body",
    )
    assert problem.message.startswith(
        f"reads at grade {result.grade:.1f} (Flesch-Kincaid; SMOG {result.second_grade:.1f}), "
        "above the site's target of 8; hardest paragraph: 'The pathophysiology of"
    )
    assert problem.message.endswith(f"(grade {top.grade:.1f})")


def test_hardest_paragraph_in_front_matter_is_placed_at_its_field(make_site: SiteMaker) -> None:
    faq = [
        {"question": "Is it serious?", "answer": "It can be [@jones2019]."},
        {"question": "Why does it happen?", "answer": " ".join(JARGON.split())},
    ]
    doc = article(make_site, PLAIN, faq=faq)
    result = readability(doc, ReadabilitySettings())
    top = result.hardest[0]
    assert top.field == "faq[1].answer"
    assert top.line == line_in_file(doc, "answer: The pathophysiology")


def test_short_paragraphs_are_never_named_hardest(make_site: SiteMaker) -> None:
    body = "Intrinsic factor antibodies indicate autoimmune gastritis.\n\nA short one.\n"
    doc = article(make_site, body, key_points=["Haematological abnormalities predominate."])
    settings = ReadabilitySettings(target_grade=2)
    result = readability(doc, settings)
    assert result.hardest == ()
    (problem,) = readability_findings(doc, settings, result)
    assert problem.field == "body"
    assert problem.line == doc.article.source.body_line
    assert "hardest paragraph" not in problem.message


def test_allowed_terms_lower_the_grade(make_site: SiteMaker) -> None:
    doc = article(make_site, f"{PLAIN}\n{JARGON}")
    plain = readability(doc, ReadabilitySettings())
    allowed = readability(doc, ReadabilitySettings(allowed_terms=JARGON_TERMS))
    assert allowed.grade < plain.grade - 2
    assert allowed.second_grade < plain.second_grade
    assert allowed.words == plain.words  # each word of a term stands for one word
    shouting = tuple(term.upper() for term in JARGON_TERMS)  # any case
    assert readability(doc, ReadabilitySettings(allowed_terms=shouting)) == allowed


def test_allowed_terms_are_whole_words_and_may_span_lines(make_site: SiteMaker) -> None:
    body = (
        "Doctors measure methylmalonic\nacid and cobalamins in the blood to see how much the "
        "body has.\n"
    )
    doc = article(make_site, body)
    none = readability(doc, ReadabilitySettings())
    part = readability(doc, ReadabilitySettings(allowed_terms=("cobalamin", "methylmal")))
    assert part == none  # neither "cobalamins" nor "methylmalonic" is a whole term
    whole = readability(doc, ReadabilitySettings(allowed_terms=("methylmalonic acid",)))
    assert whole.grade < none.grade


def test_citations_code_tables_and_headings_do_not_change_the_grade(
    make_site: SiteMaker,
) -> None:
    bare = article(make_site, "Low B12 is common in older people.\n\nIt is easy to treat.\n")
    dressed = article(
        make_site,
        "## Who gets pernicious anaemia and autoimmune gastritis\n\n"
        "Low B12 is common in older people [@smith2020; @jones2019].\n\n"
        "```\nhyperhomocysteinaemia = methylmalonic(aciduria)\n```\n\n"
        "| Condition | Prevalence |\n| --- | --- |\n| Hyperhomocysteinaemia | 12% |\n\n"
        "It is easy to treat`cyanocobalamin` [@smith2020].\n",
    )
    assert readability(dressed, ReadabilitySettings()) == readability(bare, ReadabilitySettings())


def test_decimals_and_abbreviations_end_no_sentence(make_site: SiteMaker) -> None:
    def grade(body: str) -> float:
        return readability(article(make_site, body), ReadabilitySettings()).grade

    assert grade("Levels fell by 4.3% in adults, e.g. in those aged 60.\n") == grade(
        "Levels fell by 43% in adults, eg in those aged 60.\n"
    )
    assert grade("Ask Dr. Reid vs. Mrs. Lee about it.\n") == grade(
        "Ask Dr Reid vs Mrs Lee about it.\n"
    )
    assert grade("It ends here. Then a new one starts.\n") != grade(
        "It ends here then a new one starts.\n"
    )


def test_every_sentence_counts_unless_asked_as_textstat() -> None:
    assert counts("Levels fell by 4.3% in adults.").sentences == 2  # counts() splits as is
    assert counts("Dr Reid agreed. It can. Yes.").sentences == 3
    assert counts("Dr Reid agreed. It can. Yes.", shortest_sentence=3).sentences == 1


def test_counts_and_formulas() -> None:
    found = counts("The cat sat on the mat. It was a sunny day.")
    assert found == Counts(words=11, sentences=2, syllables=12, polysyllables=0)
    assert found.flesch_kincaid == pytest.approx(0.39 * 11 / 2 + 11.8 * 12 / 11 - 15.59)
    assert found.smog == 0.0  # below three sentences
    three = counts("Hyperhomocysteinaemia is rare. It is treatable. Ask a haematologist.")
    assert three.smog == pytest.approx(1.043 * math.sqrt(30 * three.polysyllables / 3) + 3.1291)
    assert Counts().flesch_kincaid == 0.0
    assert found + three == Counts(
        found.words + three.words,
        found.sentences + three.sentences,
        found.syllables + three.syllables,
        found.polysyllables + three.polysyllables,
    )


def test_results_are_frozen_and_repeatable(make_site: SiteMaker) -> None:
    doc = article(make_site, f"{PLAIN}\n{JARGON}")
    settings = ReadabilitySettings(allowed_terms=("cobalamin",))
    first = readability(doc, settings)
    assert readability(doc, settings) == first
    assert hash(first) == hash(readability(doc, settings))
    assert readability_findings(doc, settings, first) == readability_findings(doc, settings, first)
    with pytest.raises(AttributeError):
        first.grade = 1.0  # type: ignore[misc]
    assert isinstance(first, Readability)
    assert all(isinstance(p, HardParagraph) for p in first.hardest)
    assert all(round(g, 1) == g for g in (first.grade, first.second_grade))


def sample(path: Path) -> RenderedArticle:
    """One of the repository's sample articles, rendered."""
    config = load_config(REPO / "site.yaml")
    doc = render_source(read_source(path, "article", config.root), config, date(2026, 12, 1))
    assert isinstance(doc, RenderedArticle)
    return doc


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_articles_read_below_grade_8(path: Path) -> None:
    doc = sample(path)
    settings = ReadabilitySettings(target_grade=8)
    result = readability(doc, settings)
    assert 3 < result.grade <= 8
    assert readability_findings(doc, settings, result) == []
    for paragraph in result.hardest:  # each found where the editor would look for it
        assert paragraph.line is not None
        if paragraph.field == "body":
            text = path.read_text("utf-8").split("\n")[paragraph.line - 1]
            first_words = paragraph.excerpt.split()[:2]
            assert all(word.strip("*:") in text for word in first_words), (text, paragraph)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_counts_equal_textstat_on_the_samples(path: Path) -> None:
    from textstat import textstat  # type: ignore[import-untyped]  # test extra: the cross-check of our counts

    from b12site.readability import _as_read, _paragraphs

    text = "\n".join(_as_read(p.text, None) for p in _paragraphs(sample(path)))
    found = counts(text, shortest_sentence=3)  # textstat's sentences
    assert found.words == textstat.lexicon_count(text)
    assert max(1, found.sentences) == textstat.sentence_count(text)
    assert found.syllables == textstat.syllable_count(text)
    assert found.polysyllables == textstat.polysyllabcount(text)

    def rounded(value: float, places: int) -> float:  # textstat's rounding
        scale = 10.0**places
        return math.floor(value * scale + math.copysign(0.5, value)) / scale

    per_sentence = rounded(found.words / found.sentences, 1)
    per_word = rounded(found.syllables / found.words, 1)
    fk = rounded(0.39 * per_sentence + 11.8 * per_word - 15.59, 1)
    assert fk == textstat.flesch_kincaid_grade(text)
    assert rounded(found.smog, 1) == textstat.smog_index(text)


def test_the_finding_names_every_hard_paragraph_above_the_target(make_site: SiteMaker) -> None:
    hard = (
        "Hyperhomocysteinaemia and methylmalonic aciduria characteristically accompany "
        "cobalamin insufficiency, necessitating comprehensive haematological and neurological "
        "investigation, including determination of holotranscobalamin concentrations and "
        "consideration of gastrointestinal malabsorptive aetiologies."
    )
    other = (
        "Subacute combined degeneration, demyelinating peripheral neuropathy and "
        "neuropsychiatric disturbances necessitate immediate parenteral hydroxocobalamin "
        "administration, irrespective of haematological parameters, according to specialist "
        "haematologists."
    )
    body = f"Intro paragraph [@smith2020].\n\n## Why\n\n{hard}\n\n## Also\n\n{other}\n"
    doc = article(make_site, body)
    settings = ReadabilitySettings(target_grade=8)
    [problem] = readability_findings(doc, settings, readability(doc, settings))
    lines = doc.article.source.body.split("\n")
    second = doc.article.source.body_line + lines.index(other)
    assert f"; then line {second} (grade " in problem.message
