"""Tests for classifier.language: French, English, Modern Standard Arabic and
Darija (Arabic script and arabizi), on sentences, chat messages and short
search queries."""

import pytest

from classifier.language import detect_language

FRENCH = [
    "Les élèves de la classe préparent un exposé sur la pollution des océans.",
    "Bonjour, est-ce que quelqu'un sait comment activer le contrôle parental sur la console ?",
    "jeux gratuits en ligne",
    "comment faire une tarte aux pommes",
    "meilleur forfait pas cher",
    "recette crêpes facile",
    "t'es où ? on se voit après les cours",
    "Le gouvernement a annoncé de nouvelles mesures pour la rentrée scolaire.",
    "pourquoi le ciel est bleu",
    "télécharger musique",
    "film d'horreur pour ados",
    "mdr t'es trop drôle, je te jure",
    "résumé du livre le petit prince",
    "exercices de maths corrigés",
]

ENGLISH = [
    "The students are preparing a presentation about ocean pollution.",
    "Does anyone know how to turn on parental controls on the console?",
    "free online games",
    "how to bake an apple pie",
    "best cheap phone plan",
    "what time is the match tonight",
    "lol you're so funny, I swear",
    "The government announced new measures for the school year.",
    "why is the sky blue",
    "download songs for free",
    "scary movies for teens",
    "math homework help",
    "where can I buy cheap sneakers",
    "thanks for the help guys",
]

ARABIC = [
    "أعلنت وزارة التربية الوطنية عن موعد الامتحانات الجهوية لهذا العام.",
    "يجب على الآباء مراقبة الأطفال عند استخدام الإنترنت.",
    "ما هي عاصمة المغرب؟",
    "كيف أتعلم البرمجة",
    "هل يمكن أن تساعدني في هذا التمرين",
    "الذي يحدث في المدينة الآن",
    "قصص الأنبياء للأطفال",
    "تفسير سورة البقرة",
    "لقد ذهبنا إلى المكتبة لكي نقرأ",
    "أسعار الهواتف في المغرب",
    "شرح درس الجمع والطرح",
    "سوف يسافر أخي إلى فرنسا",
    "لماذا السماء زرقاء",
]

DARIJA_ARABIC_SCRIPT = [
    "واش كاين شي واحد عندو فكرة على هاد اللعبة؟",
    "بغيت نعرف فين نقدر نشري تليفون رخيص",
    "دابا غادي نمشي للمدرسة",
    "شنو كتدير؟",
    "علاش ماجيتيش البارح",
    "هاد الفيلم مزيان بزاف",
    "كنبغي الماكلة ديال ماما",
    "ماكاينش مشكل خويا",
    "راه الجو زوين اليوم",
    "الدراري كيلعبو الكورة فالزنقة",
    "واخا نتلاقاو من بعد",
    "كيفاش نربح فلوس من الانترنت",
    "فين كاين أقرب سبيطار",
]

DARIJA_ARABIZI = [
    "wach kayn chi wa7ed 3ndo fikra 3la had l'game?",
    "bghit n3ref fin nchri telephone rkhis",
    "daba ghadi nmchi l'ecole",
    "chno katdir?",
    "3lach ma jitich lbare7",
    "had lfilm mzyan bzaf",
    "3afak khouya 3awni",
    "wach nta mrid?",
    "wallah ma 3raft",
    "sa7bi, fin ghadi tmchi lyoum?",
    "kifach nrb7 flous mn internet",
    "safi, bslama",
    "ana f dar daba",
    "9lbi m3ak khoya",
]


# Mixed texts go to the dominant language.
MIXED = [
    # Darija mixing in French words stays Darija.
    ("wach had le film mzyan ola la?", "darija"),
    ("ghadi nchri des chaussures m3a khouya", "darija"),
    # A French text quoting one Arabic word stays French.
    ("Le mot « سلام » veut dire paix, comme dans le nom de notre projet.", "fr"),
    # An Arabic text with a brand name in Latin letters stays Arabic.
    ("تحميل لعبة Minecraft مجانا للأطفال الذين يحبون البناء", "ar"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(text, expected, id=f"{expected}:{text[:30]}")
        for texts, expected in (
            (FRENCH, "fr"),
            (ENGLISH, "en"),
            (ARABIC, "ar"),
            (DARIJA_ARABIC_SCRIPT, "darija"),
            (DARIJA_ARABIZI, "darija"),
        )
        for text in texts
    ]
    + [pytest.param(text, expected, id=f"mixed {expected}:{text[:30]}") for text, expected in MIXED],
)
def test_detects_the_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "12345 678", "😂😂😂", "!!!", "minecraft roblox"])
def test_undetermined(text):
    assert detect_language(text) == "und"


def test_bare_arabic_script_defaults_to_msa():
    assert detect_language("مرحبا") == "ar"


def test_long_text_is_read_from_a_sample():
    text = "Les enfants jouent dans la cour de l'école. " * 10_000
    assert detect_language(text) == "fr"


def test_deterministic():
    text = "wach had le site mzyan"
    assert len({detect_language(text) for _ in range(5)}) == 1


def test_an_accented_word_weighs_half_a_french_marker_however_many_accents():
    # "the" is one English marker; each accented word adds half a French one.
    assert detect_language("the zébulon") == "en"
    assert detect_language("the éçèzù ÉÇÈZÙ") == "fr"  # a tie goes to French
    assert detect_language("the zébulon hélène") == "fr"


def test_a_repeated_word_counts_each_time():
    assert detect_language("the the the le le") == "en"
    assert detect_language("the the le le le") == "fr"
