"""The `workbench` command: a view of the same engine the window uses."""
