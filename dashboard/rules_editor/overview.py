"""The editor's first page: profiles (create one), devices (add, remove, the
recently seen ones) and the global allow and deny lists."""

from __future__ import annotations

import ipaddress
import re

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import desc, func, select

from dashboard.rules_editor import bp
from dashboard.rules_editor.forms import FORM, current_policy, domain_lines, profile_node, refuse, save_form
from rules.policy import Policy
from rules.presets import PRESETS
from storage.database import events

PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
RECENT_DEVICES_SHOWN = 10
DEVICE_FIELDS = ("name", "match", "profile")


def recently_seen(policy: Policy) -> list[dict]:
    """Client addresses in the events that no device entry names yet, most recent first."""
    known = {d.name for d in policy.devices} | {d.match for d in policy.devices}
    stmt = (select(events.c.device, func.max(events.c.time).label("last")).where(events.c.device.is_not(None))
            .group_by(events.c.device).order_by(desc("last")).limit(200))
    with current_app.extensions["salama.engine"].connect() as conn:
        rows = conn.execute(stmt).all()
    return [{"address": r.device, "last": r.last} for r in rows
            if r.device not in known and _is_address(r.device)][:RECENT_DEVICES_SHOWN]


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _page(errors: dict | None = None, failed: str = "", status: int = 200):
    """The overview; `failed` names the form whose input is shown again with `errors`."""
    policy = current_policy()
    return render_template("rules/overview.html", policy=policy, presets=PRESETS, seen=recently_seen(policy),
                           errors=errors or {}, failed=failed, form=request.form if failed else {}), status


@bp.get("/")
def index():
    return _page()


@bp.post("/profiles")
def add_profile():
    name = request.form.get("name", "").strip().lower()
    preset = request.form.get("preset", "")

    def change(data: dict) -> None:
        if not PROFILE_NAME.fullmatch(name):
            raise refuse("a profile name is 1 to 40 small letters, digits, - or _, starting with a letter or digit", "name")
        if name in (data.get("profiles") or {}):
            raise refuse(f"a profile named '{name}' already exists", "name")
        data.setdefault("profiles", {})[name] = {"preset": preset}

    errors = save_form(change, ("name", "preset"), base=f"profiles.{name}.", action="rules.profile.add", detail=f"{name} ({preset})")
    if errors:
        return _page(errors, "profile", 400)
    flash(_("Profile %(name)s created.", name=name))
    return redirect(url_for("rules.profile", name=name))


@bp.post("/devices")
def add_device():
    device = {k: request.form.get(k, "").strip() for k in DEVICE_FIELDS}

    def change(data: dict) -> None:
        profile_node(data, device["profile"])
        if not device["match"]:
            raise refuse("give an IP address, a CIDR range or user:NAME", "match")
        if data.get("devices") is None:
            data["devices"] = []
        data["devices"].append({k: v for k, v in device.items() if v})

    detail = f"{device['name'] or device['match']}: {device['match']} -> {device['profile']}"
    errors = save_form(change, DEVICE_FIELDS, base="devices.", action="rules.device.add", detail=detail)
    if errors:
        return _page(errors, "device", 400)
    flash(_("Device %(name)s added.", name=device["name"] or device["match"]))
    return redirect(url_for("rules.index") + "#devices")


@bp.post("/devices/remove")
def remove_device():
    match = request.form.get("match", "")

    def change(data: dict) -> None:
        entries = data.get("devices") or []
        index = next((i for i, d in enumerate(entries) if str(d.get("match", "")).strip() == match), None)
        if index is None:
            raise refuse(f"no device entry matches '{match}'", FORM)
        del entries[index]

    errors = save_form(change, (), action="rules.device.remove", detail=match)
    if errors:
        return _page(errors, "", 400)
    flash(_("Device %(name)s removed.", name=match))
    return redirect(url_for("rules.index") + "#devices")


@bp.post("/lists")
def global_lists():
    wanted = {k: domain_lines(request.form.get(k, "")) for k in ("allow", "deny")}

    def change(data: dict) -> None:
        data.update(wanted)

    detail = "; ".join(f"{k}: {', '.join(v) or '-'}" for k, v in wanted.items())
    errors = save_form(change, ("allow", "deny"), action="rules.lists", detail=f"global {detail}")
    if errors:
        return _page(errors, "lists", 400)
    flash(_("The lists are saved."))
    return redirect(url_for("rules.index") + "#lists")
