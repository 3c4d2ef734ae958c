"""b12site: a static site generator for trustworthy health articles."""

__version__ = "0.5.0"
__all__ = ["__version__"]
