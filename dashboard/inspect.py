"""The trainer's "inspect" page: paste a text or an address, see the decision and why.

For an address: the policy's decision for a chosen device, with the chain of
reasons (the same `decide_request` the proxy and `salama policy check` use).
For a text: the model's score per category, the labels, the words that drove
each label highlighted in the passage, and what the chosen profile would do
(`decide_content`).  The model is loaded once per dashboard process.
"""

from __future__ import annotations

import re
import threading

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup, escape

from classifier.assess import assess_text, explain
from classifier.model import ModelError, load_model
from dashboard.access import home
from rules.blocklist_index import BlocklistIndex
from rules.decision import decide_content, decide_request
from rules.policy import load_policy

bp = Blueprint("inspect", __name__, url_prefix="/inspect")

MAX_INPUT = 5000
_model_lock = threading.Lock()
_LOOKS_LIKE_ADDRESS = re.compile(r"^(https?://)?[\w.-]+\.[a-z\u00a1-\uffff]{2,}(/\S*)?$", re.IGNORECASE)


def model():
    """The dashboard's copy of the model, loaded on first use (None if unusable)."""
    with _model_lock:
        if "salama.model" not in current_app.extensions:
            try:
                current_app.extensions["salama.model"] = load_model(home().model_dir)
            except ModelError as exc:
                current_app.logger.warning("inspect: %s", exc)
                current_app.extensions["salama.model"] = None
        return current_app.extensions["salama.model"]


def highlight(text: str, terms: list[str]) -> Markup:
    """`text` escaped, with each term (case-insensitively) wrapped in <mark>."""
    words = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup("<mark>") + escape(m.group(0)) + Markup("</mark>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _inspect_address(policy, text: str, client: str) -> dict:
    url = text if "://" in text else f"http://{text}"
    verdict = decide_request(policy, BlocklistIndex.open(home().index_path), url, client)
    return {"kind": "address", "url": url, "verdict": verdict}


def _inspect_text(policy, text: str, client: str) -> dict:
    risk_model = model()
    if risk_model is None:
        return {"kind": "text", "error": _("The model is not loaded: only addresses can be inspected.")}
    assessment = assess_text(risk_model, text)
    profile, _device = policy.profile_for(client)
    verdict = decide_content(profile, assessment.scores, risk_model.thresholds, "text", client)
    shown = list(dict.fromkeys([c for c in [verdict.category] if c and c in assessment.scores] + assessment.labels))
    explanation = explain(risk_model, assessment, shown)
    for info in explanation.values():
        info["highlighted"] = highlight(info["passage"], [t["term"] for t in info["terms"]])
    scores = sorted(assessment.scores.items(), key=lambda kv: -kv[1])
    return {"kind": "text", "assessment": assessment, "verdict": verdict, "explanation": explanation,
            "scores": scores, "thresholds": risk_model.thresholds}


@bp.route("/", methods=["GET", "POST"])
def index():
    text = (request.form.get("text") or "").strip()
    client = (request.form.get("client") or "").strip() or "127.0.0.1"
    result, error = None, None
    if request.method == "POST":
        if not text:
            error = _("Paste a text or an address.")
        elif len(text) > MAX_INPUT:
            error = _("At most %(n)d characters.", n=MAX_INPUT)
        else:
            policy = load_policy(home().policy_path)
            inspect = _inspect_address if _LOOKS_LIKE_ADDRESS.match(text) else _inspect_text
            result = inspect(policy, text, client)
    status = 400 if error else 200
    return render_template("inspect.html", text=text, client=client, result=result, error=error), status
