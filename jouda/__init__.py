"""Jouda (جودة): ISO 9001:2015 quality management for Morocco's regional councils."""

__version__ = "0.1.0"

import warnings

# Nameko 2 runs on eventlet, which prints a deprecation banner on import; the project knows
# (README, "Platform") and keeps the domain free of it so a later move stays cheap.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
