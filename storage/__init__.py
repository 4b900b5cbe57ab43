"""The experiment store (SQLAlchemy over SQLite): it depends on `workbench`, never the reverse."""
