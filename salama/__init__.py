"""Salama: a parental-control and content-filtering web proxy.

This package holds what belongs to no single room of the design: the command
line (`salama.cli`, one module per command group in `salama.commands`) and the
layout of a Salama home directory (`salama.home`).
"""

__version__ = "0.1.0"
