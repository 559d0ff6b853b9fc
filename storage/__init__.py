"""The database layer shared by the proxy (which writes events) and the
dashboard (which reads them and keeps accounts).

SQLite in the Salama home is the embedded default; the engine comes from a
SQLAlchemy URL so a school's shared PostgreSQL can take its place.
"""
