"""nbgrader as the pipeline uses it: the config of every course directory, running it, preprocessors, templates."""
