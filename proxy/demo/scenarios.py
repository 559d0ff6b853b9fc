"""Scripted browsing sessions of a child, played through the proxy.

Each scenario is data: a name, a one-line description in French and English,
and steps (a GET, or a POST of a form when the step has one).  `play()` sends
the steps through the proxy with urllib, with short pauses so the trainer can
talk while blocks and alerts appear in the dashboard, and returns what
happened at each step.  A step says what it promises: the page passes, is
blocked (status 403 with `x-salama: blocked`) under a given category, or
either (searches, whose outcome depends on the words typed).
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

DEFAULT_PAUSE = 2.0
REQUEST_TIMEOUT = 60
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) SalamaDemo/1.0"
ACCEPT_LANGUAGE = "fr,ar;q=0.8,en;q=0.6"


@dataclass(frozen=True)
class Step:
    action: str  # what the child does, "French / English"
    url: str
    form: tuple[tuple[str, str], ...] = ()  # sent as a POST when present
    expect: str | None = None  # "pass", "block", or None: either is fine
    category: str | None = None  # the category a block is expected under

    @property
    def method(self) -> str:
        return "POST" if self.form else "GET"


@dataclass(frozen=True)
class Scenario:
    name: str
    fr: str
    en: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: int | None
    blocked: bool
    error: str | None = None

    @property
    def as_promised(self) -> bool:
        if self.error is not None:
            return False
        if self.step.expect == "block":
            return self.blocked
        if self.step.expect == "pass":
            return self.status == 200 and not self.blocked
        return True


def google(query: str) -> str:
    return "https://www.google.com/search?" + urlencode({"q": query})


def passes(action: str, url: str, form: tuple[tuple[str, str], ...] = ()) -> Step:
    return Step(action, url, form, expect="pass")


def blocked(action: str, url: str, category: str, form: tuple[tuple[str, str], ...] = ()) -> Step:
    return Step(action, url, form, expect="block", category=category)


def searches(query: str) -> Step:
    return Step(f"Cherche « {query} » / Searches \"{query}\"", google(query))


SAFE = Scenario(
    "safe",
    "Navigation ordinaire : école, journal, prévention – rien n'est bloqué",
    "Ordinary browsing: school, news, prevention – nothing is blocked",
    (
        passes("Cherche ses devoirs / Looks for homework", google("devoirs fractions")),
        passes("Ouvre le site de l'école / Opens the school's site", "http://ecole.demo/"),
        passes("Lit les devoirs / Reads the homework", "http://ecole.demo/devoirs"),
        passes("Lit les annonces en arabe / Reads the notices in Arabic", "http://ecole.demo/ar"),
        passes("Ouvre le journal / Opens the newspaper", "http://actu.demo/"),
        passes("Lit un article sur un conflit / Reads an article on a conflict", "http://actu.demo/conflit"),
        passes("Lit le même article en arabe / Reads it in Arabic", "http://actu.demo/ar"),
        passes("Lit le guide de prévention / Reads the prevention guide", "http://prevention.demo/"),
        passes("Le guide en arabe / The guide in Arabic", "http://prevention.demo/ar"),
        passes("Le guide en anglais / The guide in English", "http://prevention.demo/en"),
    ),
)

RISKS = (
    Scenario(
        "grooming",
        "Pédopiégeage : un « ami » du salon de jeux passe en message privé",
        "Grooming: a 'friend' from a game chat moves to private messages",
        (
            passes("Ouvre son site de jeux / Opens a games site", "http://jeux.demo/"),
            passes("Lit le salon des joueurs / Reads the players' chat", "http://jeux.demo/chat"),
            blocked("Répond en privé à Sami_14 / Replies privately to Sami_14", "http://jeux.demo/prive", "grooming",
                    form=(("message", "salut ! merci 😊 oui je joue tous les soirs après l'école"),)),
        ),
    ),
    Scenario(
        "scam",
        "Arnaque à la bourse d'études : frais de dossier et pièces d'identité",
        "Scholarship scam: a fee to pay and ID documents to send",
        (
            searches("bourse d'études gratuite canada"),
            blocked("Ouvre le lien reçu sur WhatsApp / Opens the link received on WhatsApp", "http://bourses.demo/", "scam"),
            blocked("Ouvre la version arabe / Opens the Arabic version", "http://bourses.demo/ar", "scam"),
            blocked("Envoie son nom, sa CIN et le téléphone des parents / Sends name, ID number and parents' phone",
                    "http://bourses.demo/inscription", "personal_data",
                    form=(("nom", "Karim Benali"), ("cin", "AB123456"), ("telephone", "06 12 34 56 78"))),
        ),
    ),
    Scenario(
        "gambling",
        "Jeux d'argent : la publicité d'un site de paris sur une page de sport",
        "Gambling: a betting site's advert on a sports page",
        (
            passes("Lit les résultats de foot / Reads the football results", "http://actu.demo/sport"),
            blocked("Clique sur la publicité / Clicks the advert", "http://mega-pari.demo/", "gambling"),
            searches("gagner de l'argent vite"),
        ),
    ),
    Scenario(
        "recruitment",
        "Recrutement extrémiste : le lien d'un canal privé qui isole et embrigade",
        "Extremist recruitment: a private channel that isolates and enlists",
        (
            passes("Ouvre son forum / Opens a forum", "http://forum.demo/"),
            blocked("Suit le lien d'un canal privé / Follows a link to a private channel", "http://canal.demo/", "extremism"),
        ),
    ),
    Scenario(
        "self-harm",
        "Automutilation : un message de détresse sur un forum – l'aide reste accessible",
        "Self-harm: a post of distress on a forum – help stays reachable",
        (
            passes("Ouvre son forum / Opens a forum", "http://forum.demo/"),
            blocked("Lit un message de détresse / Reads a post of distress", "http://forum.demo/moral", "self_harm"),
            passes("Lit le guide d'aide / Reads the help guide", "http://prevention.demo/en"),
        ),
    ),
    Scenario(
        "bullying",
        "Harcèlement : le groupe de classe qui se moque d'un élève",
        "Bullying: the class group chat that mocks a pupil",
        (
            passes("Ouvre son forum / Opens a forum", "http://forum.demo/"),
            blocked("Ouvre le groupe de la 3e B / Opens the year-9 group", "http://forum.demo/classe", "bullying"),
            passes("Cherche de l'aide / Looks for help", "http://prevention.demo/"),
        ),
    ),
    Scenario(
        "drugs",
        "Drogues : le « menu » d'un dealer caché dans les petites annonces",
        "Drugs: a dealer's 'menu' hidden among classified ads",
        (
            passes("Regarde les petites annonces / Browses classified ads", "http://annonces.demo/"),
            blocked("Ouvre l'offre du week-end / Opens the weekend offer", "http://annonces.demo/weekend", "drugs"),
        ),
    ),
    Scenario(
        "hate",
        "Haine : un message qui déshumanise les migrants",
        "Hate: a post that dehumanises migrants",
        (
            blocked("Ouvre le débat du jour / Opens the debate of the day", "http://forum.demo/opinion", "hate"),
        ),
    ),
    Scenario(
        "violence",
        "Violence : une vidéo de bagarre devant le lycée qui circule",
        "Violence: a fight video outside a school going viral",
        (
            passes("Ouvre un site de vidéos / Opens a video site", "http://video.demo/"),
            blocked("Ouvre la vidéo tendance / Opens the trending video", "http://video.demo/bagarre", "violence"),
        ),
    ),
    Scenario(
        "adult",
        "Contenu pour adultes : une page d'accueil de site pornographique",
        "Adult content: the landing page of a pornographic site",
        (
            blocked("Arrive sur un site pour adultes / Lands on an adult site", "http://adulte.demo/", "sexual"),
        ),
    ),
    Scenario(
        "personal-data",
        "Données personnelles : un enfant publie son adresse et son numéro",
        "Personal data: a child posts their address and phone number",
        (
            passes("Lit les présentations / Reads the introductions", "http://forum.demo/presentation"),
            blocked("Publie sa présentation / Posts an introduction", "http://forum.demo/presentation", "personal_data",
                    form=(("message", "Salut ! Moi c'est Yasmine Alaoui, j'ai 11 ans, je suis en 6e à l'école "
                           "Ibn Battuta. J'habite 12 rue des Orangers à Rabat, mon numéro c'est le 06 12 34 56 78, "
                           "écrivez-moi ! Mon mot de passe de jeu c'est yasmine2014"),)),
        ),
    ),
)

SCENARIOS: tuple[Scenario, ...] = (SAFE, *RISKS)


def select(name: str) -> list[Scenario]:
    """The scenarios `name` stands for; `all` ends on safe browsing, so the room
    last sees ordinary pages pass."""
    if name == "all":
        return [*RISKS, SAFE]
    for scenario in SCENARIOS:
        if scenario.name == name:
            return [scenario]
    names = ", ".join(s.name for s in SCENARIOS)
    raise ValueError(f"no scenario '{name}' (choose from: {names}, all)")


def listing() -> list[str]:
    width = max(len(s.name) for s in SCENARIOS)
    lines = [f"{s.name:<{width}}  {s.fr}\n{'':<{width}}  {s.en}" for s in SCENARIOS]
    lines.append(f"{'all':<{width}}  Tous les scénarios, l'un après l'autre\n{'':<{width}}  Every scenario, one after another")
    return lines


def opener(proxy_port: int, cafile: Path | None) -> urllib.request.OpenerDirector:
    """Goes through the proxy only, trusting the Salama CA for https:// steps."""
    proxy = f"http://127.0.0.1:{proxy_port}"
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({"http": proxy, "https": proxy})]
    if cafile is not None:
        handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=str(cafile))))
    return urllib.request.build_opener(*handlers)


def send(browser: urllib.request.OpenerDirector, step: Step) -> StepResult:
    data = urlencode(step.form).encode() if step.form else None
    request = urllib.request.Request(step.url, data=data, method=step.method,
                                     headers={"User-Agent": USER_AGENT, "Accept-Language": ACCEPT_LANGUAGE})
    try:
        with browser.open(request, timeout=REQUEST_TIMEOUT) as response:
            response.read()
            return StepResult(step, response.status, False)
    except urllib.error.HTTPError as answer:  # a 403 block page is an answer, not a failure
        is_block = answer.code == 403 and answer.headers.get("x-salama") == "blocked"
        answer.close()
        return StepResult(step, answer.code, is_block)
    except (OSError, ValueError) as exc:
        return StepResult(step, None, False, f"{type(exc).__name__}: {exc}")


def outcome(result: StepResult) -> str:
    if result.error:
        return f"erreur / error: {result.error}"
    verdict = "BLOQUÉ / BLOCKED" if result.blocked else "passe / passes"
    promise = result.step.expect or "pass | block"
    if result.step.category:
        promise += f" ({result.step.category})"
    mark = "✓" if result.as_promised else "✗"
    return f"{result.status} {verdict}  {mark} attendu / expected: {promise}"


def play(
    scenario: Scenario,
    proxy_port: int,
    log: Callable[[str], object] = print,
    pause: float = DEFAULT_PAUSE,
    cafile: Path | None = None,
) -> list[StepResult]:
    """Send the scenario's steps through the proxy at 127.0.0.1:proxy_port."""
    browser = opener(proxy_port, cafile)
    results = []
    log(f"== {scenario.name}: {scenario.fr} / {scenario.en}")
    for number, step in enumerate(scenario.steps, 1):
        if number > 1:
            time.sleep(pause)
        log(f"[{scenario.name} {number}/{len(scenario.steps)}] {step.action}\n    {step.method} {step.url}")
        results.append(send(browser, step))
        log(f"    → {outcome(results[-1])}")
    return results
