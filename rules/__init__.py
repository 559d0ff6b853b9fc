"""The policy room: categories, the YAML policy, blocklists and the decision.

Nothing here knows about mitmproxy or Flask: a decision ("block this URL for
this child now, because...") is computed from plain data, which is what lets
`salama policy check`, the tests and the trainer's explanations use it.
"""
