"""Package data: the gettext catalogues (``<lang>/LC_MESSAGES/*.po``) and the skill vocabulary
(``skills/*.toml``, one file per family).

A package so that a wheel carries them and the code finds them with ``importlib.resources``
wherever it is installed, not next to a source checkout. Nothing to import from here.
"""
