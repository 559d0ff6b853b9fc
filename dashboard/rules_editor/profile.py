"""One profile's page: preset and per-category action and threshold, its own
allow and deny lists, safe search per engine, the weekly schedule, and the
run-time switches (pause the internet now, holiday) kept in the database."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from classifier.model import BUNDLED_MODEL_DIR, META_FILE, ModelError, read_metadata
from dashboard.access import audit, home
from dashboard.rules_editor import bp
from dashboard.rules_editor.forms import current_policy, domain_lines, profile_node, refuse, save_form
from dashboard.rules_editor.week import (DAY_NAMES, STATE_NAMES, TABLE_NAMES, TABLES, day_fields, schedule_from_form,
                                         table_days, week_grid)
from rules.categories import ACTIONS, ALL_CATEGORIES, MODEL_CATEGORIES
from rules.presets import PRESETS
from rules.safesearch import ENGINES, modes_for
from rules.schedule import WEEKDAYS
from storage.access import AccessError, AccessStore

DEFAULT_THRESHOLD = 0.5
PAUSE_CHOICES = (15, 30, 60, 120)
ENGINE_NAMES = {"google": "Google", "bing": "Bing", "duckduckgo": "DuckDuckGo", "yandex": "Yandex", "ecosia": "Ecosia",
                "qwant": "Qwant", "brave": "Brave Search", "youtube": "YouTube"}
MODE_NAMES = {"off": _l("Off"), "on": _l("On"), "strict": _l("Strict"), "moderate": _l("Moderate"),
              "block": _l("Blocked")}


def model_thresholds() -> dict[str, float]:
    """The loaded model's own per-category thresholds (its metadata file), else 0.5 each."""
    directory = home().model_dir if (home().model_dir / META_FILE).exists() else BUNDLED_MODEL_DIR
    try:
        tuned = read_metadata(directory).get("thresholds") or {}
    except ModelError:
        tuned = {}
    return {c: float(tuned.get(c, DEFAULT_THRESHOLD)) for c in MODEL_CATEGORIES}


def access_store() -> AccessStore:
    return current_app.extensions["salama.access"]


def _page(name: str, errors: dict | None = None, failed: str = "", status: int = 200):
    policy = current_policy()
    profile = policy.profiles.get(name) or abort(404)
    control = access_store().controls().get(name, {})
    paused_until = control.get("paused_until") or 0
    return render_template(
        "rules/profile.html", policy=policy, profile=profile, presets=PRESETS, actions=ACTIONS,
        all_categories=ALL_CATEGORIES, model_categories=MODEL_CATEGORIES, model_thresholds=model_thresholds(),
        engines={e: modes_for(e) for e in ENGINES}, grid=week_grid(profile.schedule, policy.timezone),
        tables=TABLES, table_days=table_days, weekdays=WEEKDAYS, schedule_values=day_fields(profile.schedule),
        paused_until=paused_until if paused_until > time.time() else None, holiday=bool(control.get("holiday")),
        pause_choices=PAUSE_CHOICES, engine_names=ENGINE_NAMES, mode_names=MODE_NAMES, day_names=DAY_NAMES,
        state_names=STATE_NAMES, table_names=TABLE_NAMES, errors=errors or {}, failed=failed, form=request.form if failed else {},
    ), status


def _save(name: str, change, fields, action: str, detail: str, section: str):
    """Save a change to profile `name`; back to its section, or the page with the error beside the field."""
    current_policy().profiles.get(name) or abort(404)
    errors = save_form(lambda data: change(profile_node(data, name)), fields, base=f"profiles.{name}.",
                       action=action, detail=f"{name}: {detail}")
    if errors:
        return _page(name, errors, section, 400)
    flash(_("Saved. The proxy applies it within a few seconds."))
    return redirect(url_for("rules.profile", name=name) + f"#{section}")


@bp.get("/profiles/<name>")
def profile(name: str):
    return _page(name)


def _category_rule(category: str) -> dict | str:
    """One category's rule from the form: the action, with a threshold when "own threshold" is ticked."""
    action = request.form.get(f"categories.{category}.action", "")
    if not request.form.get(f"categories.{category}.custom"):
        return action
    text = request.form.get(f"categories.{category}.threshold", "")
    try:
        threshold = float(text)
    except ValueError:
        raise refuse(f"threshold must be a number between 0 and 1, not '{text}'", f"categories.{category}.threshold") from None
    return {"action": action, "threshold": threshold}


@bp.post("/profiles/<name>/categories")
def categories(name: str):
    preset = request.form.get("preset", "")
    fields = ["preset"] + [f"categories.{c}.{k}" for c in ALL_CATEGORIES for k in ("action", "threshold")]

    def change(node: dict) -> None:
        node["preset"] = preset
        defaults = PRESETS.get(preset, {})
        rules = {c: _category_rule(c) for c in ALL_CATEGORIES}
        node["categories"] = {c: r for c, r in rules.items() if r != defaults.get(c, "allow")}

    detail = f"preset {preset}; " + ", ".join(f"{c}={request.form.get(f'categories.{c}.action', '')}"
                                             + (f"/{request.form.get(f'categories.{c}.threshold')}"
                                                if request.form.get(f"categories.{c}.custom") else "")
                                             for c in ALL_CATEGORIES)
    return _save(name, change, fields, "rules.categories", detail, "categories")


@bp.post("/profiles/<name>/lists")
def lists(name: str):
    wanted = {k: domain_lines(request.form.get(k, "")) for k in ("allow", "deny")}
    detail = "; ".join(f"{k}: {', '.join(v) or '-'}" for k, v in wanted.items())
    return _save(name, lambda node: node.update(wanted), ("allow", "deny"), "rules.lists", detail, "lists")


@bp.post("/profiles/<name>/safe-search")
def safe_search(name: str):
    fields = [f"safe_search.{e}" for e in ENGINES]
    chosen = {e: request.form[f] for e, f in zip(ENGINES, fields) if f in request.form}
    current = current_policy().profiles.get(name) or abort(404)
    modes = {**current.safe_search, **chosen}  # every engine written out, so the file says what applies
    detail = ", ".join(f"{e}={m}" for e, m in chosen.items())
    return _save(name, lambda node: node.update(safe_search=modes), fields, "rules.safe_search", detail, "safe-search")


@bp.post("/profiles/<name>/schedule")
def schedule(name: str):
    fields = [f"schedule.{t}.{d}" for t in TABLES for d in table_days(t)]

    def change(node: dict) -> None:
        node["schedule"] = schedule_from_form(request.form, node.get("schedule"))

    detail = ", ".join(f"{f.removeprefix('schedule.')}={request.form[f]}" for f in fields if request.form.get(f))
    return _save(name, change, fields, "rules.schedule", detail or "-", "schedule")


@bp.post("/profiles/<name>/pause")
def pause(name: str):
    current_policy().profiles.get(name) or abort(404)
    try:
        minutes = int(request.form.get("minutes", ""))
        access_store().pause(name, minutes, g.user["username"])
    except (ValueError, AccessError):
        return _page(name, {"minutes": _("A pause lasts from 1 minute to 24 hours.")}, "pause", 400)
    audit("rules.pause", f"{name}: {minutes} min")
    flash(_("The internet is paused for %(name)s.", name=name))
    return redirect(url_for("rules.profile", name=name) + "#pause")


@bp.post("/profiles/<name>/resume")
def resume(name: str):
    current_policy().profiles.get(name) or abort(404)
    access_store().resume(name, g.user["username"])
    audit("rules.resume", name)
    flash(_("The internet is back for %(name)s.", name=name))
    return redirect(url_for("rules.profile", name=name) + "#pause")


@bp.post("/profiles/<name>/holiday")
def holiday(name: str):
    current_policy().profiles.get(name) or abort(404)
    on = request.form.get("holiday") == "on"
    access_store().set_holiday(name, on, g.user["username"])
    audit("rules.holiday", f"{name}: {'on' if on else 'off'}")
    flash(_("Holiday switch on.") if on else _("Holiday switch off."))
    return redirect(url_for("rules.profile", name=name) + "#pause")
