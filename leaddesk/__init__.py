"""LeadDesk: an offline-first desktop lead desk."""

__version__ = "0.1.0"
