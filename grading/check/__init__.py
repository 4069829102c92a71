"""The ``check`` verb: a student's pre-submission check of their assignment folder."""
