"""Write each inline script into a page once.

Sphinx 7.4 lists an inline script (one with a body and no file) twice when an
extension registers it after the HTML builder has started, as sphinx-thebe
does with its configuration (`const THEBE_JS_URL = ...`): once as registered
and once more when the builder collects late assets, under a different empty
file name. The second copy declares the same constants again, which throws
"Identifier has already been declared" in the browser on every page. This
extension drops the repeats from each page's script list.
"""


def drop_repeated_inline_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    kept = []
    for script in scripts:
        attributes = getattr(script, "attributes", None)
        if isinstance(attributes, dict) and "body" in attributes and not script.filename:
            key = tuple(sorted(attributes.items()))
            if key in seen:
                continue
            seen.add(key)
        kept.append(script)
    # A new list: the builder restores its own after each page.
    context["script_files"] = kept


def setup(app):
    # Last, after every extension has added its page assets.
    app.connect("html-page-context", drop_repeated_inline_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
