"""The navigation bar: one entry per feature page, in the order shown.

An entry appears only when its endpoint exists and the user's role may open
it: a feature's blueprint registers its endpoint and its entry appears.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy translation, rendered in the user's language
    owner_only: bool = False


NAV = (
    NavItem("alerts.index", _l("Alerts")),
    NavItem("activity.index", _l("Activity")),
    NavItem("requests.index", _l("Access requests")),
    NavItem("rules.index", _l("Rules"), owner_only=True),
    NavItem("inspect.index", _l("Inspect")),
    NavItem("device_setup.index", _l("Set up a device")),
    NavItem("wireguard.index", _l("Phones (WireGuard)"), owner_only=True),
    NavItem("accounts.index", _l("Accounts"), owner_only=True),
    NavItem("audit.index", _l("Audit log"), owner_only=True),
)


def nav_items(app: Flask, user: dict | None) -> list[NavItem]:
    if user is None:
        return []
    is_owner = user["role"] == "owner"
    return [item for item in NAV if item.endpoint in app.view_functions and (is_owner or not item.owner_only)]
