"""pressrun: YAML content and recorded references to typeset handouts, booklets and editions."""

__version__ = "0.1.0"
