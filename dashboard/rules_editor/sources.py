"""Blocklist sources: the subscribed lists with their counts, subscribe to a
list by URL, update every list now, remove one.  The work runs in the
background (`jobs.BlocklistJobs`); `sources.js` polls `/rules/sources/job`
and shows its progress."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dashboard.access import audit
from dashboard.rules_editor import bp
from dashboard.rules_editor.forms import current_policy
from dashboard.rules_editor.jobs import BlocklistJobs
from rules.blocklist_sources import SourceError, SourceRegistry
from rules.categories import ALL_CATEGORIES
from rules.listformats import DEFAULT_SOURCE


@bp.record_once
def _create_jobs(state) -> None:
    salama_home = state.app.config["SALAMA_HOME"]
    registry = SourceRegistry(salama_home.lists_dir, salama_home.index_path)
    state.app.extensions["salama.blocklist_jobs"] = BlocklistJobs(registry)


def jobs() -> BlocklistJobs:
    return current_app.extensions["salama.blocklist_jobs"]


def source_rows() -> tuple[list[dict], str]:
    """The built-in lists and every subscribed one, with their entry counts; or an error to show."""
    registry = jobs().registry
    try:
        info = registry.open_index().info
        subscribed = registry.sources()
    except (SourceError, OSError, ValueError) as exc:
        return [], str(exc)
    counts = info.get("sources", {})
    rows = [{"name": DEFAULT_SOURCE, "location": None, "category": None, "counts": counts.get(DEFAULT_SOURCE, {}),
             "last_update": info.get("built_at"), "last_error": None, "removable": False}]
    rows += [{"name": s.name, "location": s.location, "category": s.category, "counts": counts.get(s.name, s.counts),
              "last_update": s.last_update, "last_error": s.last_error, "removable": True} for s in subscribed]
    return rows, ""


def _page(errors: dict | None = None, status: int = 200):
    rows, problem = source_rows()
    return render_template("rules/sources.html", policy=current_policy(), rows=rows, problem=problem, job=jobs().snapshot(),
                           categories_for_lists=ALL_CATEGORIES, errors=errors or {},
                           failed="source" if errors else "", form=request.form if errors else {}), status


@bp.get("/sources")
def sources():
    return _page()


@bp.get("/sources/job")
def job_state():
    return jsonify(job=jobs().snapshot())


def _started(started: bool, action: str, detail: str):
    if not started:
        return _page({"job": _("A blocklist job is already running; wait for it to finish.")}, 409)
    audit(action, detail)
    return redirect(url_for("rules.sources"))


@bp.post("/sources")
def subscribe():
    url = request.form.get("url", "").strip()
    category = request.form.get("category", "")
    errors = {}
    if not url.startswith(("http://", "https://")):
        errors["url"] = _("Give the list's web address, starting with http:// or https://.")
    if category not in ALL_CATEGORIES:
        errors["category"] = _("Choose a category.")
    if errors:
        return _page(errors, 400)
    return _started(jobs().subscribe(url, category), "rules.source.add", f"{url} ({category})")


@bp.post("/sources/update")
def update():
    return _started(jobs().update(), "rules.source.update", "")


@bp.post("/sources/<name>/remove")
def remove(name: str):
    if name not in {s.name for s in jobs().registry.sources()}:
        flash(_("There is no list named %(name)s.", name=name))
        return redirect(url_for("rules.sources"))
    return _started(jobs().remove(name), "rules.source.remove", name)
