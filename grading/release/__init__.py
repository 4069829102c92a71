"""The `release` verb: nbgrader generate_assignment, module stubs (solution regions stripped), leak check."""
