"""Salama tests (a package so helpers like tests.upstream can be imported)."""
