"""The PySide6 desktop window: the only layer that imports Qt.

It depends on `storage` and `workbench`; neither depends on it.
"""
