"""``python -m grading similarity``: which submissions share their written code, shown side by side.

``extract`` finds what each student wrote, ``fingerprints`` compares it with
copydetect (the release's code as boilerplate), ``check`` runs the class and
writes ``OUT/similarity/`` (``pairs.csv``, ``skipped.csv``, the HTML pages by
``pages``), ``report_section`` adds it to the class report, ``cli`` is the
verb, ``disguise`` and ``variants`` build copied and independent students.
"""
