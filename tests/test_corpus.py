"""The corpus loader: one example per text, the last one given winning."""

from classifier.corpus import Example, bundled_files, distinct, load_examples, split_of


def test_a_text_written_twice_is_kept_once_in_one_split():
    first = Example("Win a FREE phone, send your code", ("scam",), group="a")
    again = Example("win a free phone,  send your CODE", ("scam",), group="b")
    other = Example("See you at football practice", (), group="c")
    assert distinct([first, other, again]) == [other, again]


def test_a_correction_after_the_corpus_overrides_its_labels():
    corpus_line = Example("the knife scene in the film was too much", ("violence",), group="g")
    correction = Example("The knife scene in the film was too much", (), group="correction")
    assert distinct([corpus_line, correction]) == [correction]


def test_the_bundled_corpus_keeps_nearly_every_line():
    examples = load_examples(bundled_files())
    kept = distinct(examples)
    assert len(examples) - len(kept) < 0.01 * len(examples)
    assert len({" ".join(e.text.casefold().split()) for e in kept}) == len(kept)
    assert {split_of(e.group) for e in kept} == {"train", "val", "test"}
