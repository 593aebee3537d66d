"""A Sphinx extension for the book's build: no repeated <script> tags.

Under Jupyter Book 1.0.4 sphinx-thebe's and sphinx-togglebutton's inline
configuration scripts reach every page twice (once registered with file
name ``None``, once with ``""``), so ``const THEBE_JS_URL`` is declared
twice and every page raises an error in the browser. This keeps the first
of identical scripts on each page.
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    return (str(getattr(script, "filename", script) or ""),
            tuple(sorted((k, str(v)) for k, v in attributes.items())))


def drop_repeated_scripts(app, pagename, templatename, context,
                          doctree) -> None:
    """``html-page-context`` handler: drop exact repeats, in place."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, kept = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", drop_repeated_scripts, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
