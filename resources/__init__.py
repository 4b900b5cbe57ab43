"""Marks resources/ as the data package `prompt_workbench_resources` (see pyproject.toml).

An installed wheel carries the samples and icons in it; ui/resource_paths.py finds them.
"""
