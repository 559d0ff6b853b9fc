"""The shipped model on short texts: ordinary one- and two-word page texts and
searches (none of them a corpus line) are not flagged, while short risky
searches still are.  A page whose only text is "Photos" used to score 1.00
for sexual; the *_short.jsonl corpus files taught the model otherwise."""

import pytest

from classifier.model import load_model

ORDINARY = ["Login", "Message", "Download", "a page", "My orders", "Newsletter", "Music", "Our team", "Sign up",
            "Watch", "Inscription", "Télécharger", "Mon profil", "المعرض", "اتصل بنا", "تحميل", "تسجيل", "sawer"]
RISKY = {"porn videos": "sexual", "nudes": "sexual", "1xbet promo code": "gambling", "buy weed": "drugs",
         "i want to die": "self_harm", "je veux mourir": "self_harm", "بغيت نموت": "self_harm",
         "send me ur address": "personal_data"}


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_short_texts_are_not_flagged(model, text):
    assert model.labels_for(model.scores(text)) == []


@pytest.mark.parametrize("text, category", RISKY.items())
def test_short_risky_searches_are_still_flagged(model, text, category):
    assert category in model.labels_for(model.scores(text))
