"""Code that runs inside the student's kernel, as cell source: the grader reads these files, never imports them."""
