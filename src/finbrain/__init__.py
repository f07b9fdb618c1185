"""finbrain (金融大脑): an open AI platform for banks."""

__version__ = "0.1.0"
