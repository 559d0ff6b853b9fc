"""Which language a text is in: French, English, Modern Standard Arabic or
Moroccan Darija (in Arabic script or in Latin "arabizi").

General-purpose detectors do not know Darija, and see arabizi as noise, so
this one counts marker words: function words and everyday words that are
frequent in one language and rare in the others, looked up one token at a
time in sets (fast, deterministic, no model to download). Arabic script is
told apart as Darija or MSA by their marker words; Latin script as French,
English or arabizi, where digits used as letters (3afak, 7chicha, 9lbi) also
count for Darija. Short texts (search queries) are the hard case: every
marker counts, and ties go to the likelier reading for Salama's users.
"""

import functools
import re
from collections import Counter

from classifier.normalize import ARABIC_LETTERS, normalize_text

FRENCH = "fr"
ENGLISH = "en"
ARABIC = "ar"
DARIJA = "darija"
UNDETERMINED = "und"

# A page's language shows in its first few thousand characters.
SAMPLE_CHARS = 4000

# Darija written in Arabic script: words MSA does not use (or uses rarely).
_DARIJA_ARABIC_WORDS = """
واش ديال ديالي ديالك ديالو ديالها ديالهم ديالنا ديالكم بزاف دابا كنبغي كنبغيك نبغي بغيت بغيتي بغينا
بغا بغات بغاو باغي باغيه شنو شنوا اشنو آش فين فاين مزيان مزيانة مزيانين غادي غادية غاديين غانمشي
هادشي هاد هادو هادوك داك ديك دوك علاش ماشي حنا نتا نتي نتوما صافي دراري الدراري دري بنادم
كاين كاينة كاينين ماكاينش واخا راه راها راني راك راكي عافاك خويا ختي خوتي كيفاش فاش ملي باش حيت شوية
والو بحال كيداير لاباس زوين زوينة مشيت مشا نمشي كنقول كيقول تيقول كتقول قاليا ليا ليك معاك معايا
كنتي كولشي كلشي شحال بغيتك عندو ديما ديجا
دغيا مكاينش مابغيتش ماعرفتش ماكنعرفش كندير كيدير كادير نديرو سيري خاصني خاصك
ولاد الصحاب لفلوس بصح ياك إيوا يالاه ف د
صيفط صيفطي صيفطو صيفطلي سيفط ساهل ساهلة ساهلين رخاص مزال مازال دير ديري ديرو
سمحلي منين علاه فوقاش تما تماك هوما حتال بالزاف كاينا بغيتو ديالهوم مكلخ بزز
""".split()

# Modern Standard Arabic: function words Darija speakers replace with their
# own (الذي ↔ اللي, هذا ↔ هاد, سوف ↔ غادي, لماذا ↔ علاش, أين ↔ فين...).
_MSA_WORDS = """
الذي التي الذين اللذين اللتين اللواتي هذا هذه ذلك تلك هؤلاء هنالك سوف لقد قد إن أن لن لم ليس ليست
يكون تكون لكن لكنه حيث عن إلى ماذا لماذا متى أين كيف هل نعم جدا أيضا الآن يجب
عندما بين منذ خلال حول لدى لذلك لكي أو ثم بعض أي هناك فقط يريد أريد نريد تريد شيء سيتم تم وقد فقد
وهو وهي وكان ولكن إنه إنها لأنه بأن وذلك وهذا كما أما إذا حين ضمن
""".split()

_FRENCH_WORDS = """
le la les de des du un une et est en que qui dans pour pas sur au aux avec ce cette ces il elle ils elles
je tu nous vous ne se sa son ses mon ma mes ton ta tes notre votre nos vos leur leurs mais ou donc car
ni comment pourquoi quoi quel quelle quels quelles très plus moins aussi tout tous toute toutes bien sans
chez sont ont fait faire être avoir suis êtes sommes avait était été peut peux veux veut faut sera ici
voilà oui non merci bonjour salut ça qu c j cela ceci dont leurs lui eux moi toi celui celle entre
depuis avant après pendant encore jamais toujours rien personne quand alors même autre autres deux
trois gratuit gratuite gratuits gratuites jeux jeu télécharger regarder voir acheter meilleur meilleure
prix vidéos enfant enfants fille filles garçon garçons école collège lycée argent vendre trouver gagner
maison travail ami amie amis copain copine mec meuf trop ouf parents élèves comme fois faites
vraiment beaucoup petit petite nouveau nouvelle porno sexe cherche aide
recette astuce astuces numéro cours exercice exercices corrigé résumé histoire français anglais arabe
cher chère musique chanson paroles série jouer ligne livraison commander vente homme femme mort vie
amour conseils groupe faits drôle rigolo gens jour jours heure semaine année mois avis comment pourquoi
quand combien rencontre rencontrer cadeau cadeaux photo nue nues fête soirée santé médecin maladie
cuisine voiture ville pays monde guerre mot mots livre livres classe prof professeur devoir devoirs
""".split()

_ENGLISH_WORDS = """
the and of to in is it you that for with this how what why who when where are was were be been being
my your our their his her its i we they he she him them do does did can could would should will not
no yes free download watch best near get buy make at by from or if so but just like about have has
had there here than then also more most very really want need know see look go going got people girl
girls boy boys kid kids school money friend friends home new old good bad love hate which into out up
down over after before because while these those any some all one two only other such own same too
off again once both each few much many every never always something anything nothing someone anyone
please thanks hello hi guys lol omg dont im youre cant wont its thats whats send pics pic online
meaning ideas idea essay worksheet answers results last night today tonight tomorrow week year day
times table song songs lyrics number helpline guaranteed profit causes level join group groups how
cheap sale shop near live stream watch funny cute kill fight real fake easy fast way ways tips help
learn game play player players team match world war story stories life death men women man woman child
children baby family mom dad mother father teacher class homework test exam book books word words
""".split()

# Arabizi: Darija in Latin letters, with the common spelling variants.
_ARABIZI_WORDS = """
wach wash ach chno chnou chnowa chnoua bzaf bezzaf bzzaf bzf daba dba 3afak afak khouya khoya khoti khti
mzyan mezyan mzyana mezyana mzn wlah wallah wellah wlh bghit bghiti bghina bgha bghat kanbghi kanbghik
nbghi dyal dial dyali diali dyalek dyalk dyalo dyalha dyalhom ghadi ghadia ghadin ghanmchi ghan hna hnaya
nta nti ntoma ntouma howa hiya 3lach lach kifach kifash fach mli melli bach walo wakha wakhha safi sahbi
sa7bi sahbti drari bnat lhamdulillah hamdulah hamdullah labas bslama bsslama makaynch makaynch makayn
kayn kayna kayen kaynin rah raha rani rak raki zwin zwina zwine chwiya chwia shwiya wahed wa7ed
had hadi hada hadchi hadik dak dik lli bla khassni khasni khass 3ndi 3ndk 3endi endi andi m3a ma3a
m3ak m3aya 7ta hta 7it flous lflous kandir kaydir ndir mchit mcha nmchi galiha goulia gouli 9al 9olt
kolchi koulchi kolshi bghaw baghi sme7li smehli smahli ewa iwa yallah yalah 3awtani chi chwia mabghitch
ma3rftch tbarkellah tbarkallah saraha sara7a zaml 9ahba 9hab 7chicha hchicha tfo khayb khayba
machi mashi mchi lyoum ghda nchri nbi3 bghitek hh f
""".split()

# Digits used as Arabic letters before a letter: "m3a", "sa7bi", "9lbi" (a
# digit at the end is more often a code: "mp3", "ps5").
_ARABIZI_DIGIT_WORD = re.compile(r"[a-z0-9]*[23579][a-z][a-z0-9]*")
# Words that only look like arabizi: ordinals, units, codes ("2eme", "3ans",
# "5g", "mp3").
_UNITS_AFTER_DIGIT = frozenset(
    "eme er ere e nd rd th st ans an jours j h min mn s sec mois km kg g k m d x dh dhs mad euros fois pm am".split()
)
# Darija morphology: the negation wraps the verb, ما...ش ("مابغيتش",
# "ماكاينش"); the present takes كي/كن ("كيجيبو", "كنقول"; not كت, which
# is as often MSA's كـ before a noun: "كتجربة"); the preposition ف sticks to
# the article ("فالمغرب"). MSA words that start the same way are set apart.
_DARIJA_NEGATION = re.compile(r"ما[" + ARABIC_LETTERS + r"]{2,}ش")
_DARIJA_PREFIXED = re.compile(r"ك[ين][" + ARABIC_LETTERS + r"]{3,}|فال[" + ARABIC_LETTERS + r"]{2,}")
_MSA_LOOKALIKE_PREFIXES = ("كيفي", "كيلو", "كيمي", "كيان", "كنيس", "كنوز", "كندي")
# Word endings typical of one language, for words in no lexicon (search
# queries are mostly such words), and French accents: half a marker each.
ENDING_WEIGHT = 0.5
MIN_ENDING_WORD_CHARS = 5
_FRENCH_ENDINGS = tuple(
    "eux euse eau eaux aux oir oire ette ement ique iques ais ait aient ez ille illes agne".split()
)
_ENGLISH_ENDINGS = tuple("ing ness ship ful less ght ies ly ed".split())
_ARABIC_TOKEN = re.compile(f"[{ARABIC_LETTERS}]")
_TOKEN = re.compile(r"[^\W_]+")
# Words with French accented letters, counted in the text before
# normalisation: a match runs from a word's first accented letter to its end,
# so there is one per such word (a pattern starting with \w* would retry
# every position of every word).
_FRENCH_ACCENTED_WORD = re.compile(r"[éèêàùçôîûœ]\w*", re.I)

# Darija markers weigh more: Darija is written with MSA, French and English
# words mixed in, while those languages rarely borrow a Darija word.
DARIJA_MARKER_WEIGHT = 1.5


def _lexicon(words: list[str]) -> frozenset[str]:
    return frozenset(normalize_text(word) for word in words)


def _without_shared(own: frozenset[str], *others: frozenset[str]) -> frozenset[str]:
    """A word in two lexicons tells nothing apart: it counts for neither."""
    return own.difference(*others)


_DARIJA_AR = _lexicon(_DARIJA_ARABIC_WORDS)
_MSA = _lexicon(_MSA_WORDS)
_FR = _lexicon(_FRENCH_WORDS)
_EN = _lexicon(_ENGLISH_WORDS)
_ARABIZI = _lexicon(_ARABIZI_WORDS)
DARIJA_ARABIC_MARKERS = _without_shared(_DARIJA_AR, _MSA)
MSA_MARKERS = _without_shared(_MSA, _DARIJA_AR)
FRENCH_MARKERS = _without_shared(_FR, _EN, _ARABIZI)
ENGLISH_MARKERS = _without_shared(_EN, _FR, _ARABIZI)
ARABIZI_MARKERS = _without_shared(_ARABIZI, _FR, _EN)


def detect_language(text: str) -> str:
    """"fr", "en", "ar" (Modern Standard Arabic), "darija", or "und" when
    the text has no word to go by."""
    sample = text[:SAMPLE_CHARS]
    scores = {FRENCH: 0.0, ENGLISH: 0.0, ARABIC: 0.0, DARIJA: 0.0}
    script_tokens = {_ARABIC_SCRIPT: 0, _LATIN_SCRIPT: 0, _DIGITS: 0}
    # Each distinct word is weighed once (words repeat: "de", "the", "ديال"),
    # its vote counted as often as it occurs; the weights are multiples of
    # 0.5, so the sums are exact whatever the order.
    for token, times in Counter(_TOKEN.findall(normalize_text(sample))).items():
        script, language, weight = _vote(token)
        script_tokens[script] += times
        if language:
            scores[language] += weight * times
    scores[FRENCH] += ENDING_WEIGHT * len(_FRENCH_ACCENTED_WORD.findall(sample))
    if script_tokens[_ARABIC_SCRIPT] > script_tokens[_LATIN_SCRIPT]:
        return DARIJA if scores[DARIJA] > scores[ARABIC] else ARABIC
    if not script_tokens[_LATIN_SCRIPT]:
        return UNDETERMINED
    return _best_latin(scores)


_ARABIC_SCRIPT, _LATIN_SCRIPT, _DIGITS = "arabic", "latin", "digits"
VOTE_CACHE_SIZE = 20_000  # distinct words whose vote is remembered


@functools.lru_cache(maxsize=VOTE_CACHE_SIZE)
def _vote(token: str) -> tuple[str, str | None, float]:
    """A word's script, and the language it counts for (if any) with its weight."""
    if _ARABIC_TOKEN.search(token):
        return (_ARABIC_SCRIPT, *_arabic_script_vote(token))
    if token.isdigit():
        return _DIGITS, None, 0.0
    return (_LATIN_SCRIPT, *_latin_script_vote(token))


def _arabic_script_vote(token: str) -> tuple[str | None, float]:
    if token in DARIJA_ARABIC_MARKERS or _DARIJA_NEGATION.fullmatch(token):
        return DARIJA, DARIJA_MARKER_WEIGHT
    if token in MSA_MARKERS:
        return ARABIC, 1
    if _DARIJA_PREFIXED.fullmatch(token) and not token.startswith(_MSA_LOOKALIKE_PREFIXES):
        return DARIJA, 1
    return None, 0.0


def _latin_script_vote(token: str) -> tuple[str | None, float]:
    if token in ARABIZI_MARKERS or _is_arabizi_spelling(token):
        return DARIJA, DARIJA_MARKER_WEIGHT
    if token in FRENCH_MARKERS:
        return FRENCH, 1
    if token in ENGLISH_MARKERS:
        return ENGLISH, 1
    if len(token) < MIN_ENDING_WORD_CHARS:
        return None, 0.0
    if token.endswith(_FRENCH_ENDINGS):
        return FRENCH, ENDING_WEIGHT
    if token.endswith(_ENGLISH_ENDINGS):
        return ENGLISH, ENDING_WEIGHT
    return None, 0.0


def _is_arabizi_spelling(token: str) -> bool:
    if not _ARABIZI_DIGIT_WORD.fullmatch(token):
        return False
    return token.lstrip("0123456789") not in _UNITS_AFTER_DIGIT


def _best_latin(scores: dict[str, float]) -> str:
    """The best-scoring Latin-script language; ties go to Darija, then French
    (Salama's users are mostly in Morocco, France and French-speaking
    Africa), and no marker at all leaves the language undetermined."""
    best = max(DARIJA, FRENCH, ENGLISH, key=lambda language: scores[language])
    return best if scores[best] > 0 else UNDETERMINED
