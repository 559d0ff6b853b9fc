"""The category names shared by the model, the policy, the lists and the API.

These names are a public contract (DESIGN.md): keep them exactly.
"""

from __future__ import annotations

#: Risks the text model scores, in a stable order.
MODEL_CATEGORIES: tuple[str, ...] = (
    "sexual",
    "grooming",
    "violence",
    "extremism",
    "self_harm",
    "bullying",
    "hate",
    "drugs",
    "gambling",
    "scam",
    "personal_data",
)

#: Groups that only blocklists feed (no model score): ways around the filter
#: (DoH resolvers, public proxies, VPNs, redirectors) and sects.
LIST_ONLY_CATEGORIES: tuple[str, ...] = ("bypass", "sect")

ALL_CATEGORIES: tuple[str, ...] = MODEL_CATEGORIES + LIST_ONLY_CATEGORIES

ACTIONS: tuple[str, ...] = ("allow", "alert", "block")

#: Severity order used when several categories fire at once.
ACTION_RANK = {"allow": 0, "alert": 1, "block": 2}

#: What each category is called for people, in the three interface languages.
CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "sexual": {"en": "Sexual content", "fr": "Contenu sexuel", "ar": "محتوى جنسي"},
    "grooming": {"en": "Grooming / luring", "fr": "Pédopiégeage / manipulation", "ar": "استدراج الأطفال"},
    "violence": {"en": "Violence", "fr": "Violence", "ar": "عنف"},
    "extremism": {"en": "Violent extremism", "fr": "Extrémisme violent", "ar": "تطرف عنيف"},
    "self_harm": {"en": "Self-harm / suicide", "fr": "Automutilation / suicide", "ar": "إيذاء النفس / انتحار"},
    "bullying": {"en": "Bullying", "fr": "Harcèlement", "ar": "تنمر"},
    "hate": {"en": "Hate", "fr": "Haine", "ar": "كراهية"},
    "drugs": {"en": "Drugs", "fr": "Drogues", "ar": "مخدرات"},
    "gambling": {"en": "Gambling", "fr": "Jeux d'argent", "ar": "قمار"},
    "scam": {"en": "Scam / phishing", "fr": "Arnaque / hameçonnage", "ar": "احتيال"},
    "personal_data": {"en": "Personal data", "fr": "Données personnelles", "ar": "بيانات شخصية"},
    "bypass": {"en": "Filter bypass (VPN, proxy, DNS over HTTPS)", "fr": "Contournement du filtre (VPN, proxy, DNS chiffré)", "ar": "تجاوز الفلتر (VPN، بروكسي)"},
    "sect": {"en": "Sects", "fr": "Sectes", "ar": "طوائف"},
    "schedule": {"en": "Not now: outside the allowed hours", "fr": "Pas maintenant : en dehors des heures autorisées", "ar": "ليس الآن: خارج الأوقات المسموح بها"},
    "deny": {"en": "Blocked by the family's or school's list", "fr": "Bloqué par la liste de la famille ou de l'école", "ar": "محظور في قائمة العائلة أو المدرسة"},
}


def category_name(category: str | None, lang: str = "en") -> str:
    names = CATEGORY_NAMES.get(category or "", {})
    return names.get(lang) or names.get("en") or (category or "")
