"""The trainer's offline demo (`salama demo`).

`web` serves a simulated web of local sites (`*.demo`) written for the
demo in French, Arabic, Darija and English, plus a fake search engine;
`scenarios` plays scripted browsing sessions of a child through the proxy so
that blocks and alerts appear live in the dashboard.  Everything stays on
127.0.0.1: the demo works with no network at all.
"""
