"""Personal data in outgoing text: what is found, what is not, and how it is masked."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.personal_data import Finding, find_personal_data, mask_findings, mask_personal_data


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_personal_data(text)]


@pytest.mark.parametrize(
    "text, kind, value",
    [
        # Morocco
        ("appelle moi 06 12 34 56 78 stp", "phone", "06 12 34 56 78"),
        ("3ayet liya 0712345678", "phone", "0712345678"),
        ("fixe 05.22.12.34.56", "phone", "05.22.12.34.56"),
        ("+212 6 12 34 56 78", "phone", "+212 6 12 34 56 78"),
        ("00212 (0)6-12-34-56-78", "phone", "00212 (0)6-12-34-56-78"),
        ("ajouter moi wa.me/212612345678", "phone", "212612345678"),
        ("رقمي ٠٦١٢٣٤٥٦٧٨", "phone", "٠٦١٢٣٤٥٦٧٨"),
        # Mali
        ("mon numéro +223 76 12 34 56", "phone", "+223 76 12 34 56"),
        ("mon numéro c'est 76 12 34 56", "phone", "76 12 34 56"),
        ("whatsapp: 66123456", "phone", "66123456"),
        # France and elsewhere
        ("tel 06 12 34 56 78", "phone", "06 12 34 56 78"),
        ("+33 (0)7 12 34 56 78", "phone", "+33 (0)7 12 34 56 78"),
        ("call +44 20 7946 0958", "phone", "+44 20 7946 0958"),
        # e-mail
        ("écris à yasmine.b2012@gmail.com", "email", "yasmine.b2012@gmail.com"),
        ("yasmine at gmail dot com", "email", "yasmine at gmail dot com"),
        ("omar arobase hotmail point fr", "email", "omar arobase hotmail point fr"),
        # address
        ("j'habite au 12 rue des Lilas à Casablanca", "address", "12 rue des Lilas"),
        ("25, avenue Hassan II", "address", "25, avenue Hassan II"),
        ("kanskon f hay mohammadi", "address", "kanskon f hay mohammadi"),
        ("derb sidi bouloukat rqm 5", "address", "derb sidi bouloukat rqm 5"),
        ("zenqa 14 ila bghiti tji", "address", "zenqa 14"),
        ("ساكن ف حي السلام", "address", "ساكن ف حي السلام"),
        ("شارع محمد الخامس رقم 15", "address", "شارع محمد الخامس رقم 15"),
        ("I live at 221B Baker Street", "address", "221B Baker Street"),
        # school and schedule
        ("je suis en 5e au collège Jean Moulin et toi", "school", "je suis en 5e au collège Jean Moulin"),
        ("kanqra f lycée ibn batouta", "school", "kanqra f lycée ibn batouta"),
        ("كنقرا ف ثانوية ابن بطوطة", "school", "كنقرا ف ثانوية ابن بطوطة"),
        ("I go to Lincoln High School", "school", "I go to Lincoln High School"),
        ("I finish school at 4 pm", "school", "finish school at 4 pm"),
        ("je sors du collège à 16h30", "school", "sors du collège à 16h30"),
        ("kankhrej mn lycée m3a 4", "school", "kankhrej mn lycée m3a 4"),
        # passwords
        ("mon mdp c'est Soleil2012!", "password", "Soleil2012"),
        ("my password is hunter22", "password", "hunter22"),
        ("mot de passe: azerty", "password", "azerty"),
        ("code dyal insta howa 4455", "password", "4455"),
        ("كلمة السر ديالي هي 123456", "password", "123456"),
        ("le code pin est 0000", "password", "0000"),
        # cards (test numbers, Luhn-valid)
        ("ma carte 4111 1111 1111 1111", "card", "4111 1111 1111 1111"),
        ("5555-5555-5555-4444", "card", "5555-5555-5555-4444"),
        ("amex 378282246310005", "card", "378282246310005"),
    ],
)
def test_personal_data_is_found(text, kind, value):
    assert (kind, value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "rendez-vous le 12.03.2024 à 10h",
        "on se voit le 2024-03-12 10:30",
        "prix 1 299,99 € ou 12 000 dh",
        "commande n° 0612345678 expédiée",
        "order 0612345678",
        "iban FR76 3000 6000 0112 3456 7890 189",
        "score 10 20 30 40",
        "20 30 40 50 ans",
        "carte 4111 1111 1111 1112",  # fails the Luhn check
        "j'ai 3 cours de maths",
        "je suis au collège et toi",
        "I go to school every day",
        "mon mot de passe est trop long",
        "le code est bon",
        "mon quartier est calme",
        "hay fever is bad",
        "version 2.0.6 12345",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "text, masked",
    [
        ("appelle moi 06 12 34 56 78 stp", "appelle moi 06 ** ** ** 78 stp"),
        ("+212 6 12 34 56 78", "+212 * ** ** ** 78"),
        ("+223 76 12 34 56", "+223 ** ** ** 56"),
        ("écris à yasmine@gmail.com", "écris à y***@gmail.com"),
        ("yasmine at gmail dot com", "[email]"),
        ("mon mdp c'est Soleil2012!", "mon mdp c'est [password]!"),
        ("j'habite au 12 rue des Lilas", "j'habite au [address]"),
        ("kanqra f lycée ibn batouta", "[school]"),
        ("4111 1111 1111 1111", "**** **** **** 1111"),
    ],
)
def test_masking(text, masked):
    assert mask_personal_data(text) == masked


def test_overlaps_keep_the_stronger_kind_and_findings_are_in_order():
    text = "carte 4111111111111111 et tel 0612345678 mail a@b.co"
    assert [f.kind for f in find_personal_data(text)] == ["card", "phone", "email"]
    assert mask_findings("abcdef", [Finding("password", 2, 4)]) == "ab[password]ef"


_PHONES = st.one_of(
    st.builds(lambda op, rest: f"0{op}" + "".join(rest), st.sampled_from("5678"), st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)),
    st.builds(lambda op, rest: f"+212 {op}" + "".join(rest), st.sampled_from("567"), st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)),
    st.builds(lambda op, rest: f"+33 {op}" + "".join(rest), st.sampled_from("1679"), st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)),
    st.builds(lambda rest: "+223 " + "".join(rest), st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)),
)


def _grouped(number: str, sep: str) -> str:
    """Write the national part in pairs with `sep` (how people type numbers)."""
    head, _, rest = number.rpartition(" ")
    pairs = sep.join(rest[i : i + 2] for i in range(0, len(rest), 2))
    return f"{head} {pairs}" if head else pairs


@settings(max_examples=300, deadline=None)
@given(number=_PHONES, sep=st.sampled_from(["", " ", ".", "-"]), before=st.sampled_from(["", "mon num ", "appelle ", "واتساب "]), after=st.sampled_from(["", " stp", ". merci", " !"]))
def test_masking_never_leaves_a_phone_number_readable(number, sep, before, after):
    written = _grouped(number, sep)
    text = before + written + after
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == ["phone"], text
    masked = mask_personal_data(text)
    digits = re.sub(r"\D", "", written)
    assert digits not in re.sub(r"\D", "", masked)
    visible = re.sub(r"\D", "", masked[len(before) : len(masked) - len(after)])
    assert len(digits) - len(visible) >= 5  # only the country code or operator prefix and the last two digits show


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_finding_never_raises_and_spans_are_inside_the_text(text):
    findings = find_personal_data(text)
    assert all(0 <= f.start < f.end <= len(text) for f in findings)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:]))
    mask_personal_data(text)
