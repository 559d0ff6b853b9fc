"""The rules editor (owners only): profiles, devices, schedules, lists, safe
search and blocklist sources, all saved into the policy file.

Pages: `overview` (profiles, devices, global lists), `profile` (one
profile's categories, lists, safe search, schedule, pause and holiday) and
`sources` (blocklist subscriptions).  Every save goes through
`forms.save_form` (validated, atomic, comments kept, audited); the running
proxy reloads policy.yaml by its modification time within seconds.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from dashboard.access import owner_required
from dashboard.audit import ACTION_NAMES

bp = Blueprint("rules", __name__, url_prefix="/rules")


PRESET_NAMES = {
    "child": _l("Child (under 10)"),
    "preteen": _l("Preteen (10-12)"),
    "teen": _l("Teen (13-17)"),
    "school_lab": _l("School lab"),
    "adult_monitor": _l("Adult (observe only)"),
}
ACTION_LABELS = {"block": _l("Block"), "alert": _l("Alert (show and record)"), "allow": _l("Allow")}


@bp.context_processor
def labels():
    return {"preset_names": PRESET_NAMES, "action_labels": ACTION_LABELS}


@bp.before_request
@owner_required
def owners_only():
    """Every page and action of the editor is for owners; viewers get 403."""


# The audit page names actions through ACTION_NAMES; this feature's own are added where they are recorded.
ACTION_NAMES.update({
    "rules.profile.add": _l("Profile created"),
    "rules.categories": _l("Categories changed"),
    "rules.lists": _l("Allow and deny lists changed"),
    "rules.safe_search": _l("Safe search changed"),
    "rules.schedule": _l("Schedule changed"),
    "rules.device.add": _l("Device added"),
    "rules.device.remove": _l("Device removed"),
    "rules.pause": _l("Internet paused"),
    "rules.resume": _l("Internet resumed"),
    "rules.holiday": _l("Holiday switch"),
    "rules.source.add": _l("Blocklist subscribed"),
    "rules.source.update": _l("Blocklists updated"),
    "rules.source.remove": _l("Blocklist removed"),
})

from dashboard.rules_editor import overview, profile, sources  # noqa: E402,F401  (they add their routes to bp)
